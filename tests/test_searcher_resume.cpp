// The searchers that learn, resumed from the journal: the replay feeds a
// fresh searcher the same suggestions and reports in the same order, so it
// rebuilds the model, and the tuning then decides exactly as one never
// interrupted (kde and regularized evolution here; gp in test_gp_searcher
// is built only with Eigen).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "curve_trial.hpp"
#include "journal_history.hpp"
#include "rung/drivers/tuner.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/kde_searcher.hpp"
#include "rung/searchers/regularized_evolution.hpp"
#include "temp_dir.hpp"

namespace test_searcher_resume {

using rung_test::temp_dir;

namespace {

using rung_test::curve_space;
using rung_test::curve_trial;

// Options small enough that the models are fitted, and evolution runs, well before the interruption.
auto bohb() {
  return rung::asha(rung::kde_searcher(curve_space, {.seed = 5, .num_min_points = 4}),
                    {.metric = "loss", .max_t = rung_test::curve_epochs, .type = rung::asha_type::promotion});
}
auto evolution() {
  return rung::fifo(rung::regularized_evolution(curve_space, {.seed = 5, .population_size = 6, .sample_size = 3}),
                    {.metric = "loss", .max_t = rung_test::curve_epochs});
}

template <class Make>
void tune(Make make, const std::filesystem::path& root, std::int64_t trials, bool resume) {
  rung::tuner tuner(make(), {.n_workers = 1,
                             .stop_criterion = rung::stop_criterion{.max_num_trials_started = trials},
                             .name = "run",
                             .experiment_root = root,
                             .resume = resume,
                             .log = nullptr});
  tuner.run(curve_trial{});
}

template <class Make>
void check_resume_decides_as_never_interrupted(Make make) {
  temp_dir reference;
  tune(make, reference.path, 40, false);
  const auto expected = rung_test::journal_history(reference.path / "run");
  for (const std::int64_t first_trials : {12, 25}) {
    CAPTURE(first_trials);
    temp_dir interrupted;
    tune(make, interrupted.path, first_trials, false);
    tune(make, interrupted.path, 40, true);
    CHECK(rung_test::journal_history(interrupted.path / "run") == expected);
  }
}

}  // namespace

TEST_CASE("kde (BOHB with promotion ASHA) resumed from the journal decides as one never interrupted") {
  check_resume_decides_as_never_interrupted(bohb);
}

TEST_CASE("regularized evolution resumed from the journal decides as one never interrupted") {
  check_resume_decides_as_never_interrupted(evolution);
}

}  // namespace test_searcher_resume
