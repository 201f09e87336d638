// Every policy role has a concept; these are the positive and negative
// cases, and proof that a user's own searcher and scheduler plug in.
#include "rung/concepts/config_space.hpp"
#include "rung/concepts/recorder.hpp"
#include "rung/concepts/scheduler.hpp"
#include "rung/concepts/searcher.hpp"
#include "rung/concepts/stop_criterion.hpp"
#include "rung/concepts/trial.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "rung/drivers/tuner.hpp"
#include "rung/results/experiment_recorder.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/grid_search.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(0.0, 1.0), rung::choice<"kind">("a", "b"));
using space_type = std::remove_const_t<decltype(space)>;
using config = space_type::config_type;

// A user's searcher: proposes configurations from a fixed list.
class list_searcher {
 public:
  using space_type = ::space_type;
  using config_type = config;

  explicit list_searcher(std::vector<config> configs) : configs_(std::move(configs)) {}
  std::optional<config> suggest(rung::trial_id id) {
    if (static_cast<std::size_t>(id) >= configs_.size()) return std::nullopt;
    return configs_[static_cast<std::size_t>(id)];
  }
  [[nodiscard]] const space_type& space() const { return space_; }
  void on_report(const rung::observation& obs) { reported.push_back(obs.metric); }
  static constexpr bool exhaustible = true;

  std::vector<double> reported;

 private:
  space_type space_ = ::space;
  std::vector<config> configs_;
};

// A user's scheduler: stops every trial after its first report.
class one_epoch_scheduler {
 public:
  using config_type = config;
  rung::suggestion<config> suggest(rung::trial_id id) {
    if (id >= 3) return rung::search_exhausted{};
    return rung::start_trial<config>{::space.midpoint()};
  }
  rung::decision on_report(const rung::observation&) { return rung::decision::stop_trial; }
  void on_trial_end(rung::trial_id, rung::trial_end) {}
  [[nodiscard]] std::string_view metric() const { return "loss"; }
  [[nodiscard]] rung::mode metric_mode() const { return rung::mode::min; }
  [[nodiscard]] std::string_view resource_attr() const { return "epoch"; }
  [[nodiscard]] std::optional<double> max_resource(const config&) const { return 1.0; }
  [[nodiscard]] const space_type& space() const { return ::space; }
};

struct not_a_scheduler {
  using config_type = config;
  rung::decision on_report(const rung::observation&) { return rung::decision::stop_trial; }
};

}  // namespace

// ConfigSpace and Configuration
static_assert(rung::ConfigSpace<space_type>);
static_assert(rung::Configuration<config>);
static_assert(!rung::ConfigSpace<config>);
static_assert(!rung::Configuration<space_type>);

// Searcher
static_assert(rung::Searcher<rung::random_search<space_type>>);
static_assert(rung::Searcher<rung::grid_search<space_type>>);
static_assert(rung::Searcher<list_searcher>);
static_assert(!rung::Searcher<one_epoch_scheduler>);
static_assert(rung::is_exhaustible_v<list_searcher>);

// Scheduler
static_assert(rung::Scheduler<rung::fifo_scheduler<rung::random_search<space_type>>>);
static_assert(rung::Scheduler<rung::fifo_scheduler<list_searcher>>);
static_assert(rung::Scheduler<one_epoch_scheduler>);
static_assert(!rung::Scheduler<not_a_scheduler>);
static_assert(!rung::Scheduler<list_searcher>);

// Recorder
static_assert(rung::Recorder<rung::null_recorder, config>);
static_assert(rung::Recorder<rung::experiment_recorder<space_type>, config>);
static_assert(!rung::Recorder<list_searcher, config>);

// Trial
static_assert(rung::BlockingTrial<void (*)(const config&, rung::reporter&), config>);
static_assert(rung::CoroutineTrial<rung::awaitable<void> (*)(const config&, rung::async_reporter&), config>);
static_assert(!rung::Trial<void (*)(const config&, rung::async_reporter&), config>);
static_assert(!rung::Trial<rung::awaitable<int> (*)(const config&, rung::async_reporter&), config>);
static_assert(!rung::Trial<void (*)(config&, int), config>);

TEST_CASE("a user's searcher drives the FIFO scheduler and the tuner, and sees every report") {
  std::vector<config> configs;
  for (double x : {0.1, 0.5, 0.9}) configs.push_back(space.complete(space.partial().set<"x">(x)));
  rung::tuner tuner(rung::fifo(list_searcher(configs), {.metric = "loss", .max_t = 2}),
                    {.n_workers = 2, .record_results = false, .log = nullptr});  // exhaustible: no stop criterion needed
  const auto result = tuner.run([](const config& c, rung::reporter& reporter) {
    for (int epoch = 1; reporter.report(epoch, c.get<"x">() / epoch) == rung::decision::continue_trial; ++epoch) {
    }
  });
  CHECK(result.status.num_trials_completed == 3);
  CHECK(result.stop_reason == "no configuration left to evaluate");
  CHECK(result.best_metric == doctest::Approx(0.05));
  CHECK(tuner.scheduler().searcher().reported.size() == 6);
}

TEST_CASE("a user's scheduler runs in the tuner") {
  rung::tuner tuner(one_epoch_scheduler{}, {.n_workers = 1,
                                            .stop_criterion = rung::stop_criterion{.max_num_evaluations = 100},
                                            .record_results = false,
                                            .log = nullptr});
  const auto result = tuner.run([](const config&, rung::reporter& reporter) {
    CHECK(reporter.report(1, 0.5) == rung::decision::stop_trial);
  });
  CHECK(result.status.num_trials_completed == 3);
  CHECK(result.status.num_evaluations == 3);
}
