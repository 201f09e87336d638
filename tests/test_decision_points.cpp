// continues_below(id), the promise of detail::SchedulerWithDecisionPoints:
// driven the way the MPI worker ranks use it (a trial asks for the promise
// when it starts or resumes, and again only after a report at or above it),
// every report below the promise must be answered CONTINUE, and every report
// that cannot be a decision point (between rung levels) must fall below it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <variant>
#include <vector>

#include "rung/concepts/scheduler.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/schedulers/median_stopping.hpp"
#include "rung/schedulers/scheduler_ref.hpp"
#include "rung/schedulers/synchronous_hyperband.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"

namespace test_decision_points {

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(0.0, 1.0), rung::constant<"epochs">(27));
constexpr auto varying = rung::config_space(rung::uniform<"x">(0.0, 1.0), rung::randint<"epochs">(1, 20));
using searcher = rung::random_search<std::remove_const_t<decltype(space)>>;

struct tally {
  int below = 0;             // reports below the promise: each answered CONTINUE
  int at_or_above = 0;       // reports that waited for their answer
  int stopped_or_paused = 0;
};

// Four trials at a time, each reporting its next epoch in a seeded random
// order with a random metric; `decision_point(resource)` says where the
// scheduler may decide anything but CONTINUE (for the tightness check).
template <class S, class IsDecisionPoint>
tally drive(S& scheduler, std::uint64_t seed, IsDecisionPoint decision_point) {
  struct running {
    rung::trial_id id;
    double resource;
    double promise;
  };
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> metric(0.0, 1.0);
  std::vector<running> active;
  rung::trial_id next_id = 0;
  tally seen;
  for (int step = 0; step < 3000; ++step) {
    while (active.size() < 4 && next_id < 200) {
      const auto job = scheduler.suggest(next_id);
      if (std::holds_alternative<rung::start_trial<typename S::config_type>>(job)) {
        active.push_back({next_id, 0.0, scheduler.continues_below(next_id)});
        ++next_id;
      } else if (const auto* resumed = std::get_if<rung::resume_trial>(&job)) {
        active.push_back({resumed->trial, resumed->from_resource, scheduler.continues_below(resumed->trial)});
      } else {
        break;
      }
    }
    if (active.empty()) break;
    const auto picked = std::uniform_int_distribution<std::size_t>(0, active.size() - 1)(rng);
    auto& trial = active[picked];
    trial.resource += 1.0;
    CAPTURE(trial.id);
    CAPTURE(trial.resource);
    CAPTURE(trial.promise);
    if (!decision_point(trial.id, trial.resource)) CHECK(trial.resource < trial.promise);
    const auto outcome = scheduler.on_report({.trial = trial.id, .resource = trial.resource, .metric = metric(rng)});
    if (trial.resource < trial.promise) {
      CHECK(outcome == rung::decision::continue_trial);
      ++seen.below;
    } else {
      ++seen.at_or_above;
      trial.promise = scheduler.continues_below(trial.id);  // the answer to a waited-for report brings it
    }
    if (outcome == rung::decision::continue_trial) continue;
    ++seen.stopped_or_paused;
    if (outcome == rung::decision::stop_trial) scheduler.on_trial_end(trial.id, rung::trial_end::stopped);
    active.erase(active.begin() + static_cast<std::ptrdiff_t>(picked));
  }
  return seen;
}

// Rung levels (and the maximum) are where ASHA decides.
template <class S>
auto at_a_level(const S& scheduler) {
  return [&scheduler](rung::trial_id /*id*/, double resource) {
    const auto& ladder = scheduler.ladder();
    if (resource >= static_cast<double>(ladder.max_resource())) return true;
    for (std::size_t j = 0; j < ladder.size(); ++j) {
      if (static_cast<double>(ladder.level(j)) == resource) return true;
    }
    return false;
  };
}

}  // namespace

static_assert(rung::detail::SchedulerWithDecisionPoints<rung::asha_scheduler<searcher>>);
static_assert(rung::detail::SchedulerWithDecisionPoints<rung::fifo_scheduler<searcher>>);
static_assert(rung::detail::SchedulerWithDecisionPoints<rung::scheduler_ref<std::remove_const_t<decltype(space)>>>);
// A bracket of synchronous Hyperband can close, and median stopping may stop any report: no promise.
static_assert(!rung::detail::SchedulerWithDecisionPoints<rung::synchronous_hyperband_scheduler<searcher>>);
static_assert(!rung::detail::SchedulerWithDecisionPoints<rung::median_stopping_scheduler<rung::fifo_scheduler<searcher>>>);

TEST_CASE("ASHA keeps its promise: below continues_below every report continues, between rungs every report is below") {
  for (const auto type : {rung::asha_type::stopping, rung::asha_type::promotion}) {
    for (const std::int64_t brackets : {1, 3}) {
      CAPTURE(static_cast<int>(type));
      CAPTURE(brackets);
      auto scheduler = rung::asha(rung::random_searcher(space, {.seed = 5}),
                                  {.metric = "y", .max_resource_attr = "epochs", .type = type, .brackets = brackets,
                                   .seed = 11});
      const auto seen = drive(scheduler, 7, at_a_level(scheduler));
      CHECK(seen.below > seen.at_or_above);  // most epochs of 27 lie between rungs 1, 3 and 9
      CHECK(seen.stopped_or_paused > 10);    // and the rest were decided
    }
  }
}

TEST_CASE("ASHA stopping: a skipped rung level stays the promise, so a later report at it waits") {
  auto scheduler = rung::asha(rung::random_searcher(space, {.seed = 5}),
                              {.metric = "y", .max_resource_attr = "epochs"});  // rungs 1, 3, 9
  REQUIRE(std::holds_alternative<rung::start_trial<searcher::config_type>>(scheduler.suggest(0)));
  CHECK(scheduler.continues_below(0) == 1.0);
  CHECK(scheduler.on_report({.trial = 0, .resource = 1.0, .metric = 0.5}) == rung::decision::continue_trial);
  CHECK(scheduler.continues_below(0) == 3.0);
  CHECK(scheduler.on_report({.trial = 0, .resource = 4.0, .metric = 0.5}) == rung::decision::continue_trial);
  CHECK(scheduler.continues_below(0) == 3.0);  // rung 3 was skipped: nothing recorded there
  CHECK(scheduler.on_report({.trial = 0, .resource = 27.0, .metric = 0.5}) == rung::decision::stop_trial);
  CHECK(scheduler.continues_below(0) == 0.0);  // a trial that no longer runs is promised nothing
  CHECK(scheduler.continues_below(99) == 0.0);  // never started
}

TEST_CASE("FIFO promises CONTINUE up to each trial's maximum resource, and everywhere without one") {
  auto fixed = rung::fifo(rung::random_searcher(space, {.seed = 2}), {.metric = "y", .max_resource_attr = "epochs"});
  const auto seen = drive(fixed, 3, [](rung::trial_id /*id*/, double resource) { return resource >= 27.0; });
  CHECK(seen.stopped_or_paused > 10);

  auto per_trial = rung::fifo(rung::random_searcher(varying, {.seed = 2}), {.metric = "y", .max_resource_attr = "epochs"});
  for (rung::trial_id id = 0; id < 5; ++id) {
    const auto job = per_trial.suggest(id);
    const auto& started = std::get<rung::start_trial<decltype(varying)::config_type>>(job);
    CHECK(per_trial.continues_below(id) == started.run_to.value());  // its own epochs
    CHECK(per_trial.continues_below(id) == static_cast<double>(started.config.get<"epochs">()));
  }

  auto endless = rung::fifo(rung::random_searcher(space, {.seed = 2}), {.metric = "y"});
  REQUIRE(std::holds_alternative<rung::start_trial<searcher::config_type>>(endless.suggest(0)));
  CHECK(endless.continues_below(0) == std::numeric_limits<double>::infinity());
}

TEST_CASE("scheduler_ref passes the promise on, and promises nothing for a scheduler that makes none") {
  auto asha = rung::asha(rung::random_searcher(space, {.seed = 5}), {.metric = "y", .max_resource_attr = "epochs"});
  rung::scheduler_ref<std::remove_const_t<decltype(space)>> erased(asha);
  REQUIRE(std::holds_alternative<rung::start_trial<searcher::config_type>>(erased.suggest(0)));
  CHECK(erased.continues_below(0) == asha.continues_below(0));
  CHECK(erased.continues_below(0) == 1.0);

  auto median = rung::median_stopping(rung::fifo(rung::random_searcher(space, {.seed = 5}), {.metric = "y", .max_t = 9}));
  rung::scheduler_ref<std::remove_const_t<decltype(space)>> no_promise(median);
  REQUIRE(std::holds_alternative<rung::start_trial<searcher::config_type>>(no_promise.suggest(0)));
  CHECK(no_promise.continues_below(0) == 0.0);
}

}  // namespace test_decision_points
