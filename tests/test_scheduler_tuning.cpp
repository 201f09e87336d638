#include "rung/drivers/tuner.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <set>

#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/schedulers/median_stopping.hpp"
#include "rung/schedulers/synchronous_hyperband.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "synthetic_workload.hpp"

namespace test_scheduler_tuning {

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
  const auto median = tune(rung::median_stopping(rung::fifo(rung::random_searcher(lc::space, {.seed = 3}),
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
  // Nothing runs at the end; the rest stay paused, for a resume with a larger budget.
  CHECK(result.status.num_trials_stopped == 0);
  CHECK(result.status.num_trials_paused == 30 - result.status.num_trials_completed);
}

// Trains as train() does, and counts reports that break reporter.run_to():
// each stretch must end with a pause or a stop exactly at run_to.
struct run_to_check {
  std::int64_t reports = 0;
  std::int64_t stretches = 0;  // ended by a pause or a stop
  std::int64_t off = 0;        // past run_to, or a pause or stop anywhere else
  std::int64_t beyond = 0;     // a report past run_to, or with none
  std::set<double> targets;    // every run_to seen

  rung::awaitable<void> operator()(const lc::config& config, rung::async_reporter& reporter) {
    for (auto epoch = static_cast<std::int64_t>(reporter.resume_from()) + 1; epoch <= lc::max_resource; ++epoch) {
      const auto run_to = reporter.run_to();
      const auto resource = static_cast<double>(epoch);
      const auto decision = co_await reporter.report(resource, lc::error(config, epoch));
      ++reports;
      // Paused in memory, report() returns once the trial is resumed, with run_to set anew.
      const bool ends_here = decision != rung::decision::continue_trial || reporter.run_to() != run_to;
      if (!run_to || resource > *run_to || ends_here != (resource == *run_to)) ++off;
      if (!run_to || resource > *run_to) {
        ++beyond;
      } else {
        targets.insert(*run_to);
      }
      if (ends_here) ++stretches;
      if (decision == rung::decision::pause_trial || decision == rung::decision::stop_trial) co_return;
    }
  }
};

TEST_CASE("reporter.run_to() is where the scheduler pauses the trial next, or its maximum resource") {
  for (const bool in_memory : {true, false}) {
    CAPTURE(in_memory);
    run_to_check promotion;
    rung::tuner asha(rung::asha(rung::random_searcher(lc::space, {.seed = 3}),
                                {.metric = "error", .max_t = 81, .type = rung::asha_type::promotion, .brackets = 2}),
                     {.n_workers = 3,
                      .stop_criterion = rung::stop_criterion{.max_num_trials_started = 40},
                      .record_results = false,
                      .log = nullptr,
                      .pause_in_memory = in_memory});
    const auto promoted = asha.run(std::ref(promotion));
    CHECK(promoted.status.num_evaluations == promotion.reports);
    CHECK(promotion.stretches > 40);  // resumed ones too
    CHECK(promotion.off == 0);
    run_to_check synchronous;
    rung::tuner hyperband(rung::synchronous_hyperband(rung::random_searcher(lc::space, {.seed = 3}),
                                                      {.metric = "error", .max_t = 81, .iterations = 1}),
                          {.n_workers = 3,
                           .stop_criterion = rung::stop_criterion{.max_num_trials_started = 200},
                           .record_results = false,
                           .log = nullptr,
                           .pause_in_memory = in_memory});
    hyperband.run(std::ref(synchronous));
    CHECK(synchronous.stretches > 0);
    CHECK(synchronous.off == 0);
  }
  run_to_check stopping;
  rung::tuner asha(rung::asha(rung::random_searcher(lc::space, {.seed = 3}), {.metric = "error", .max_t = 81}),
                   {.n_workers = 3,
                    .stop_criterion = rung::stop_criterion{.max_num_trials_started = 10},
                    .record_results = false,
                    .log = nullptr});
  asha.run(std::ref(stopping));
  // Stopping ASHA plans no pause: run_to is the maximum resource throughout.
  CHECK(stopping.reports > 0);
  CHECK(stopping.beyond == 0);
  CHECK(stopping.targets == std::set<double>{81});
}

TEST_CASE("metadata names the scheduler's variant") {
  using searcher = rung::random_search<std::remove_const_t<decltype(lc::space)>>;
  CHECK(rung::asha(searcher(lc::space), {.metric = "error", .max_t = 81}).variant() == "asha-stopping");
  CHECK(rung::asha(searcher(lc::space), {.metric = "error", .max_t = 81, .type = rung::asha_type::promotion})
            .variant() == "asha-promotion");
  CHECK(rung::asha(searcher(lc::space), {.metric = "error", .max_t = 81, .brackets = 3}).variant() ==
        "hyperband-stopping");
  CHECK(rung::synchronous_hyperband(searcher(lc::space), {.metric = "error", .max_t = 81, .brackets = 1}).variant() ==
        "synchronous-successive-halving");
  CHECK(rung::synchronous_hyperband(searcher(lc::space), {.metric = "error", .max_t = 81}).variant() ==
        "synchronous-hyperband");
}

}  // namespace test_scheduler_tuning
