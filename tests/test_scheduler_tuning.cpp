#include "rung/tuner.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>

#include "rung/config_space.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/schedulers/median_stopping.hpp"
#include "rung/schedulers/synchronous_hyperband.hpp"
#include "rung/searchers/random_search.hpp"
#include "synthetic_workload.hpp"

// The multi-fidelity schedulers under the real-time tuner: pauses, resumes
// (in memory and from a checkpoint), failures from bad reports.

namespace {

namespace lc = rung::bench::synthetic_lc;

// Reports every epoch from where it was resumed (0 for a fresh start) to 81.
rung::awaitable<void> train(const lc::config& config, rung::async_reporter& reporter) {
  for (auto epoch = static_cast<std::int64_t>(reporter.resume_from()) + 1; epoch <= lc::max_resource; ++epoch) {
    if (co_await reporter.report(static_cast<double>(epoch), lc::error(config, epoch)) !=
        rung::decision::continue_trial) {
      co_return;
    }
  }
}

template <class Scheduler>
auto tune(Scheduler scheduler, bool pause_in_memory, std::int64_t evaluations = 600) {
  rung::tuner tuner(std::move(scheduler), {.n_workers = 4,
                                           .stop_criterion = rung::stop_criterion{.max_num_evaluations = evaluations},
                                           .record_results = false,
                                           .log = nullptr,
                                           .pause_in_memory = pause_in_memory});
  return tuner.run(train);
}

template <class Result>
std::int64_t longest(const Result& result) {
  std::int64_t most = 0;
  for (const auto& trial : result.trials) most = std::max(most, trial.iterations);
  return most;
}

}  // namespace

TEST_CASE("promotion ASHA under the tuner: paused trials resume in memory or from their checkpoint") {
  for (const bool in_memory : {true, false}) {
    CAPTURE(in_memory);
    const auto result = tune(rung::asha(rung::random_searcher(lc::space, {.seed = 3}),
                                        {.metric = "error", .max_t = 81, .type = rung::asha_type::promotion}),
                             in_memory, 1500);
    CHECK(result.status.num_evaluations == 1500);  // reports in flight when the limit is reached are ignored
    CHECK(longest(result) > 27);  // promoted past the third rung: resumed at least three times
    std::int64_t resumed_somewhere = 0;
    for (const auto& trial : result.trials) {
      // Every report continues from the last: resumes never repeat an epoch.
      // (Trials started as the tuning ended may have no report.)
      if (trial.iterations > 0) CHECK(trial.last_resource == static_cast<double>(trial.iterations));
      resumed_somewhere += trial.iterations > 1 ? 1 : 0;
    }
    CHECK(resumed_somewhere > 0);
  }
}

TEST_CASE("synchronous Hyperband and median stopping under the tuner") {
  const auto sync = tune(rung::synchronous_hyperband(rung::random_searcher(lc::space, {.seed = 3}),
                                                     {.metric = "error", .max_t = 81, .brackets = 1}),
                         true, 200);
  CHECK(sync.status.num_trials_started == 81);  // the first rung of successive halving: 81 trials at 1 epoch
  const auto median = tune(rung::median_stopping(rung::fifo_scheduler(rung::random_searcher(lc::space, {.seed = 3}),
                                                                      {.metric = "error", .max_t = 81})),
                           true, 400);
  CHECK(median.status.num_trials_stopped > 0);
}

TEST_CASE("a report at a fractional resource fails the trial with the scheduler's message") {
  auto fractional = [](const lc::config& config, rung::async_reporter& reporter) -> rung::awaitable<void> {
    co_await reporter.report(1.5, lc::error(config, 1));
  };
  rung::tuner tuner(rung::asha(rung::random_searcher(lc::space), {.metric = "error", .max_t = 81}),
                    {.n_workers = 1,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 1},
                     .record_results = false,
                     .log = nullptr});
  const auto result = tuner.run(fractional);
  REQUIRE(result.trials.size() == 1);
  CHECK(result.trials[0].status == rung::trial_status::failed);
  CHECK(result.trials[0].iterations == 0);  // the rejected report left no trace
  CHECK(result.status.num_evaluations == 0);
  CHECK(result.trials[0].error ==
        "asha: trial 0 reported epoch = 1.5: the resource must be a whole number >= 1, as rung levels are");
}

TEST_CASE("once max_num_trials_started is reached, paused trials are still promoted to the top") {
  rung::tuner tuner(rung::asha(rung::random_searcher(lc::space, {.seed = 4}),
                               {.metric = "error", .max_t = 81, .type = rung::asha_type::promotion}),
                    {.n_workers = 3,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 30},
                     .record_results = false,
                     .log = nullptr});
  const auto result = tuner.run(train);
  CHECK(result.status.num_trials_started == 30);
  CHECK(result.stop_reason == "reached max_num_trials_started (30)");
  CHECK(longest(result) == 81);  // the best trial was trained fully after the last start
  CHECK(result.status.num_trials_completed >= 1);
  CHECK(result.status.num_trials_paused == 0);  // the rest were stopped at the end
}
