#include "rung/schedulers/median_stopping.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <variant>
#include <vector>

#include "rung/concepts/scheduler.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/grid_search.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"

namespace test_median_stopping {

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(0.0, 1.0));
using fifo = rung::fifo_scheduler<rung::random_search<std::remove_const_t<decltype(space)>>>;
static_assert(rung::Scheduler<rung::median_stopping_scheduler<fifo>>);
static_assert(std::is_same_v<rung::median_stopping_scheduler<fifo>::searcher_type, fifo::searcher_type>);

constexpr auto C = rung::decision::continue_trial;
constexpr auto S = rung::decision::stop_trial;

auto make(rung::median_stopping_options options = {}, rung::mode m = rung::mode::min) {
  return rung::median_stopping(
      rung::fifo(rung::random_searcher(space, {.seed = 1}), {.metric = "y", .mode = m, .max_t = 10}), options);
}

template <class Scheduler>
void start(Scheduler& scheduler, rung::trial_id id) {
  REQUIRE(std::holds_alternative<rung::start_trial<typename Scheduler::config_type>>(scheduler.suggest(id)));
}

template <class Scheduler>
rung::decision report(Scheduler& scheduler, rung::trial_id id, double resource, double metric) {
  return scheduler.on_report({.trial = id, .resource = resource, .metric = metric});
}

}  // namespace

TEST_CASE("median stopping: above the median of the values at a resource stops, once 5 are there") {
  auto scheduler = make({.running_average = false});
  for (rung::trial_id id = 0; id < 8; ++id) start(scheduler, id);
  // Values at resource 2: 0.1, 0.2, 0.3, 0.4 (grace: fewer than 5), then 0.5: 4 better of 5 = 0.8 > 0.5.
  for (rung::trial_id id = 0; id < 4; ++id) CHECK(report(scheduler, id, 2, 0.1 * static_cast<double>(id + 1)) == C);
  CHECK(report(scheduler, 4, 2, 0.5) == S);
  CHECK(report(scheduler, 5, 2, 0.25) == C);  // 2 better of 6 = 0.33
  CHECK(report(scheduler, 6, 2, 0.3) == C);   // 3 strictly better of 7 = 0.43: the tie does not count
  CHECK(report(scheduler, 7, 2, 0.35) == S);  // 5 of 8 = 0.625
  CHECK(scheduler.recorded_at(2) == 8);
  CHECK(scheduler.recorded_at(3) == 0);
}

TEST_CASE("median stopping: grace_time, rank_cutoff, mode max and the wrapped scheduler's own stop") {
  auto scheduler = make({.running_average = false, .grace_time = 3, .grace_population = 2, .rank_cutoff = 0.0},
                        rung::mode::max);
  for (rung::trial_id id = 0; id < 3; ++id) start(scheduler, id);
  CHECK(report(scheduler, 0, 2, 0.9) == C);
  CHECK(report(scheduler, 1, 2, 0.1) == C);  // below grace_time
  CHECK(report(scheduler, 0, 3, 0.9) == C);
  CHECK(report(scheduler, 1, 3, 0.95) == C);  // the best: rank 0
  CHECK(report(scheduler, 2, 3, 0.9) == S);   // one better: any rank above 0 stops
  CHECK(report(scheduler, 1, 10, 0.99) == S);  // max_t: FIFO stops it
}

TEST_CASE("median stopping: the running average ranks a trial by its mean so far; NaN is worst") {
  auto averaged = make({.grace_time = 2, .grace_population = 2});
  auto raw = make({.running_average = false, .grace_time = 2, .grace_population = 2});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Reports below grace_time (2) are never judged, but count in the average.
  const std::vector<std::vector<double>> curves = {{0.2, 0.6}, {0.8, 0.1}, {0.9, 0.3}, {0.5, nan}};
  std::vector<rung::decision> from_averages;
  std::vector<rung::decision> from_values;
  for (rung::trial_id id = 0; id < 4; ++id) {
    start(averaged, id);
    start(raw, id);
  }
  for (std::size_t epoch = 0; epoch < 2; ++epoch) {
    for (rung::trial_id id = 0; id < 4; ++id) {
      const double value = curves[static_cast<std::size_t>(id)][epoch];
      from_averages.push_back(report(averaged, id, static_cast<double>(epoch + 1), value));
      from_values.push_back(report(raw, id, static_cast<double>(epoch + 1), value));
    }
  }
  // At 2 the means are 0.4, 0.45, 0.6: trial 2 ranks behind two of three; its last value, 0.3, would not.
  CHECK(from_averages == std::vector{C, C, C, C, C, C, S, S});
  CHECK(from_values == std::vector{C, C, C, C, C, C, C, S});
}

TEST_CASE("bad median stopping options are refused, naming the field and the value") {
  CHECK_THROWS_WITH_AS(make({.rank_cutoff = 1.5}),
                       "median_stopping: options.rank_cutoff = 1.5: must be between 0 and 1 (0.5: the median)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(make({.grace_population = -1}), "median_stopping: options.grace_population = -1: must be >= 0",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(make({.grace_time = std::numeric_limits<double>::infinity()}),
                       "median_stopping: options.grace_time = Infinity: must be a finite resource (0: none)",
                       std::invalid_argument);
}

TEST_CASE("median stopping in ask/tell: trial ids far apart cost nothing; a negative id is named") {
  auto scheduler = make({.grace_population = 2, .rank_cutoff = 0.4});
  constexpr rung::trial_id far = 1'000'000'000'000'000;  // a vector up to it would not fit in memory
  start(scheduler, far);
  start(scheduler, 0);
  CHECK(report(scheduler, far, 2, 0.1) == C);
  CHECK(report(scheduler, 0, 2, 0.9) == S);  // 1 better of 2 = 0.5 > 0.4
  CHECK(report(scheduler, far, 3, 0.3) == C);
  CHECK(report(scheduler, 0, 3, 0.15) == S);  // its average, 0.525, against far's 0.2
  CHECK_THROWS_WITH_AS(scheduler.suggest(-5), "fifo_scheduler: suggest(): trial id -5: trial ids must be >= 0",
                       std::invalid_argument);
}

TEST_CASE("median stopping passes a resume filter on to the scheduler it wraps, where that one takes it") {
  static_assert(!rung::detail::SchedulerWithResumeFilter<rung::median_stopping_scheduler<fifo>>);
  constexpr auto two = rung::config_space(rung::choice<"x">(1, 2), rung::constant<"epochs">(9));
  auto scheduler = rung::median_stopping(
      rung::asha(rung::grid_searcher(two),
                 {.metric = "y", .max_resource_attr = "epochs", .type = rung::asha_type::promotion}));
  static_assert(rung::detail::SchedulerWithResumeFilter<decltype(scheduler)>);
  start(scheduler, 0);
  start(scheduler, 1);
  REQUIRE(report(scheduler, 0, 1, 0.5) == rung::decision::pause_trial);
  REQUIRE(report(scheduler, 1, 1, 0.6) == rung::decision::pause_trial);  // trial 0 qualifies
  const auto not_zero = [](rung::trial_id id) { return id != 0; };
  CHECK(std::holds_alternative<rung::wait_for_trials>(
      scheduler.suggest(2, rung::trial_admission::new_or_paused, not_zero)));
  CHECK(std::get<rung::resume_trial>(scheduler.suggest(2, rung::trial_admission::new_or_paused, {})).trial == 0);
}

}  // namespace test_median_stopping
