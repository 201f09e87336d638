#include "rung/schedulers/asha.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "rung/concepts/scheduler.hpp"
#include "rung/drivers/simulator.hpp"
#include "rung/searchers/grid_search.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "synthetic_workload.hpp"

namespace test_asha {

namespace {

constexpr auto space27 = rung::config_space(rung::uniform<"x">(0.0, 1.0), rung::constant<"epochs">(27));
constexpr auto space9 = rung::config_space(rung::uniform<"x">(0.0, 1.0), rung::constant<"epochs">(9));
using searcher27 = rung::random_search<std::remove_const_t<decltype(space27)>>;
using config = decltype(space27)::config_type;
static_assert(rung::Scheduler<rung::asha_scheduler<searcher27>>);
static_assert(rung::Scheduler<rung::asha_scheduler<searcher27, rung::percentile_of_others>>);
static_assert(std::is_same_v<decltype(rung::asha(searcher27(space27), {.metric = "y"}, rung::top_k_rank{})),
                             rung::asha_scheduler<searcher27, rung::top_k_rank>>);

constexpr auto C = rung::decision::continue_trial;
constexpr auto P = rung::decision::pause_trial;
constexpr auto S = rung::decision::stop_trial;

// asha.md example A's settings: rungs 3 and 9 below R = 27.
auto example_a(rung::mode m = rung::mode::min) {
  return rung::asha(rung::random_searcher(space27, {.seed = 1}),
                    {.metric = "y", .mode = m, .grace_period = 3, .max_resource_attr = "epochs"});
}
// asha.md example B's settings: rungs 1 and 3 below R = 9, promotion.
auto example_b(rung::mode m = rung::mode::min) {
  return rung::asha(rung::random_searcher(space9, {.seed = 1}), {.metric = "y",
                                                                 .mode = m,
                                                                 .max_resource_attr = "epochs",
                                                                 .type = rung::asha_type::promotion});
}

template <class Scheduler>
void start(Scheduler& scheduler, rung::trial_id id) {
  const auto next = scheduler.suggest(id);
  REQUIRE(std::holds_alternative<rung::start_trial<typename Scheduler::config_type>>(next));
}

template <class Scheduler>
rung::decision report(Scheduler& scheduler, rung::trial_id id, double resource, double metric) {
  return scheduler.on_report({.trial = id, .resource = resource, .metric = metric});
}

// "new" or "resume <id> from <resource>".
template <class Scheduler>
std::string next_job(Scheduler& scheduler, rung::trial_id new_id,
                     rung::trial_admission admission = rung::trial_admission::new_or_paused) {
  const auto next = scheduler.suggest(new_id, admission);
  if (std::holds_alternative<rung::start_trial<typename Scheduler::config_type>>(next)) return "new";
  if (const auto* resume = std::get_if<rung::resume_trial>(&next)) {
    return "resume " + std::to_string(resume->trial) + " from " + rung::detail::to_text(resume->from_resource);
  }
  return std::holds_alternative<rung::wait_for_trials>(next) ? "wait" : "exhausted";
}

const double not_a_number = std::numeric_limits<double>::quiet_NaN();

}  // namespace

TEST_CASE("asha.md example A: stopping, mode min, rungs 3 and 9") {
  auto scheduler = example_a();
  CHECK(scheduler.ladder().levels() == std::vector<std::int64_t>{3, 9});
  for (rung::trial_id id = 0; id < 4; ++id) start(scheduler, id);
  CHECK(report(scheduler, 0, 3, 1.0) == C);
  CHECK(report(scheduler, 1, 3, 0.9) == C);
  CHECK(report(scheduler, 2, 3, 0.8) == C);
  CHECK(report(scheduler, 3, 3, 1.2) == S);
}

TEST_CASE("example A in mode max: the mirrored values get the same decisions") {
  auto scheduler = example_a(rung::mode::max);
  for (rung::trial_id id = 0; id < 4; ++id) start(scheduler, id);
  CHECK(report(scheduler, 0, 3, -1.0) == C);
  CHECK(report(scheduler, 1, 3, -0.9) == C);
  CHECK(report(scheduler, 2, 3, -0.8) == C);
  CHECK(report(scheduler, 3, 3, -1.2) == S);
}

TEST_CASE("stopping: a report between rungs continues; the top stops; the top rung keeps 81/100") {
  auto scheduler = rung::asha(rung::random_searcher(space27), {.metric = "y", .max_t = 100});
  CHECK(scheduler.ladder().levels() == std::vector<std::int64_t>{1, 3, 9, 27, 81});
  for (rung::trial_id id = 0; id < 3; ++id) start(scheduler, id);
  for (rung::trial_id id = 0; id < 3; ++id) {
    for (int epoch = 1; epoch < 81; ++epoch) REQUIRE(report(scheduler, id, epoch, 0.5) == C);
  }
  CHECK(report(scheduler, 0, 81, 0.1) == C);
  CHECK(report(scheduler, 1, 81, 0.2) == S);   // cutoff 0.1 + 0.81 * 0.1 = 0.181
  CHECK(report(scheduler, 2, 81, 0.19) == C);  // cutoff 0.19 + 0.62 * 0.01; with q = 1/3 it would stop
  CHECK(report(scheduler, 0, 100, 0.1) == S);  // the maximum resource: done
  CHECK(scheduler.rung_size(4) == 3);
}

TEST_CASE("stopping: skipped milestones record nothing; a repeated report is recorded once") {
  auto scheduler = example_a();
  start(scheduler, 0);
  start(scheduler, 1);
  CHECK(report(scheduler, 0, 2, 0.5) == C);
  CHECK(report(scheduler, 0, 4, 0.5) == C);   // 3 was skipped
  CHECK(report(scheduler, 0, 10, 0.5) == C);  // and 9
  CHECK(scheduler.rung_size(0) == 0);
  CHECK(scheduler.rung_size(1) == 0);
  CHECK(report(scheduler, 1, 3, 0.5) == C);
  CHECK(report(scheduler, 1, 3, 0.7) == C);  // already recorded at 3
  CHECK(scheduler.rung_size(0) == 1);
}

TEST_CASE("stopping: late reports after a stop change nothing") {
  auto scheduler = example_a();
  for (rung::trial_id id = 0; id < 3; ++id) start(scheduler, id);
  CHECK(report(scheduler, 0, 3, 0.1) == C);
  CHECK(report(scheduler, 1, 3, 0.9) == S);
  CHECK(report(scheduler, 1, 4, 0.0) == S);
  CHECK(report(scheduler, 1, 9, 0.0) == S);
  scheduler.on_trial_end(1, rung::trial_end::stopped);
  CHECK(report(scheduler, 1, 9, 0.0) == S);
  CHECK(scheduler.rung_size(0) == 2);
  CHECK(scheduler.rung_size(1) == 0);
}

TEST_CASE("stopping: ties with the cutoff are good enough") {
  auto scheduler = example_a();
  for (rung::trial_id id = 0; id < 6; ++id) {
    start(scheduler, id);
    CHECK(report(scheduler, id, 3, 0.3) == C);
  }
}

TEST_CASE("stopping: NaN is the worst value and never disables stopping") {
  auto scheduler = example_a();
  for (rung::trial_id id = 0; id < 6; ++id) start(scheduler, id);
  CHECK(report(scheduler, 0, 3, not_a_number) == C);  // alone at the rung: no cutoff yet
  CHECK(report(scheduler, 1, 3, 0.1) == C);
  CHECK(report(scheduler, 2, 3, not_a_number) == S);
  CHECK(report(scheduler, 3, 3, 0.2) == C);
  CHECK(report(scheduler, 4, 3, 0.3) == S);  // [0.1, 0.2, 0.3, NaN, NaN]: cutoff 0.233
  CHECK(report(scheduler, 5, 3, 0.2) == C);
}

TEST_CASE("the cutoff rule is a policy: Syne Tune's quantile, the paper's top k, Ray's percentile") {
  constexpr auto space = rung::config_space(rung::uniform<"x">(0.0, 1.0));
  const rung::asha_options options{.metric = "y", .reduction_factor = 2, .max_t = 4};  // rungs 1, 2
  auto decisions = [&](auto scheduler) {
    std::vector<rung::decision> made;
    const double values[] = {0.5, 0.7, 0.65};
    for (rung::trial_id id = 0; id < 3; ++id) {
      start(scheduler, id);
      made.push_back(report(scheduler, id, 1, values[id]));
    }
    return made;
  };
  using searcher = rung::random_search<std::remove_const_t<decltype(space)>>;
  CHECK(decisions(rung::asha(searcher(space), options)) == std::vector{C, S, C});  // quantile of all: 0.65
  CHECK(decisions(rung::asha(searcher(space), options, rung::top_k_rank{})) == std::vector{C, S, S});
  CHECK(decisions(rung::asha(searcher(space), options, rung::percentile_of_others{})) == std::vector{C, S, S});
}

TEST_CASE("asha.md example B: promotion, mode min and mode max") {
  for (const auto m : {rung::mode::min, rung::mode::max}) {
    const double sign = m == rung::mode::min ? 1 : -1;
    auto scheduler = example_b(m);
    for (rung::trial_id id = 0; id < 3; ++id) start(scheduler, id);
    CHECK(report(scheduler, 0, 1, sign * 0.5) == P);
    CHECK(next_job(scheduler, 3) == "new");
    CHECK(report(scheduler, 1, 1, sign * 0.3) == P);
    CHECK(next_job(scheduler, 4) == "resume 1 from 1");
    CHECK(report(scheduler, 2, 1, sign * 0.4) == P);
    CHECK(next_job(scheduler, 4) == "new");
    CHECK(report(scheduler, 3, 1, sign * 0.2) == P);
    CHECK(next_job(scheduler, 5) == "resume 3 from 1");
    CHECK(report(scheduler, 1, 2, sign * 0.25) == C);
    CHECK(report(scheduler, 1, 3, sign * 0.2) == P);
    CHECK(next_job(scheduler, 5) == "new");
  }
}

TEST_CASE("promotion: a promoted trial runs to the next rung, then to the top; a late report keeps the pause") {
  auto scheduler = example_b();
  for (rung::trial_id id = 0; id < 3; ++id) start(scheduler, id);
  CHECK(report(scheduler, 0, 2, 0.1) == P);  // a report past the milestone counts for it
  CHECK(report(scheduler, 0, 3, 0.0) == P);  // late: the trial is paused
  CHECK(report(scheduler, 1, 1, 0.5) == P);
  CHECK(next_job(scheduler, 3) == "resume 0 from 2");
  CHECK(report(scheduler, 0, 3, 0.1) == P);
  CHECK(report(scheduler, 2, 1, 0.6) == P);  // rung 1: [0.1 promoted, 0.5, 0.6], cutoff 0.367
  CHECK(next_job(scheduler, 3) == "new");
  CHECK(report(scheduler, 3, 1, 0.05) == P);
  CHECK(next_job(scheduler, 4) == "resume 3 from 1");  // rung 3 has one entry: no cutoff there yet
  CHECK(report(scheduler, 3, 3, 0.08) == P);
  CHECK(next_job(scheduler, 4) == "resume 3 from 3");  // rung 3: [0.08, 0.1], cutoff 0.087
  CHECK(report(scheduler, 3, 8, 0.04) == C);
  CHECK(report(scheduler, 3, 9, 0.03) == S);
  CHECK(scheduler.rung_size(0) == 4);
  CHECK(scheduler.rung_size(1) == 2);
}

TEST_CASE("promotion: among equal values the earlier trial is promoted first, and ties qualify") {
  auto scheduler = example_b();
  for (rung::trial_id id = 0; id < 3; ++id) start(scheduler, id);
  for (rung::trial_id id = 0; id < 3; ++id) CHECK(report(scheduler, id, 1, 0.4) == P);
  CHECK(next_job(scheduler, 3) == "resume 0 from 1");
  CHECK(next_job(scheduler, 3) == "resume 1 from 1");
  CHECK(next_job(scheduler, 3) == "resume 2 from 1");
  CHECK(next_job(scheduler, 3) == "new");
}

TEST_CASE("promotion: a paused trial that ends is never promoted; NaN is never promoted") {
  auto scheduler = example_b();
  for (rung::trial_id id = 0; id < 3; ++id) start(scheduler, id);
  CHECK(report(scheduler, 0, 1, 0.1) == P);
  CHECK(report(scheduler, 1, 1, 0.2) == P);
  scheduler.on_trial_end(0, rung::trial_end::failed);
  CHECK(report(scheduler, 2, 1, 0.3) == P);  // cutoff 0.167: trial 0 would go, trial 1 does not
  CHECK(next_job(scheduler, 3) == "new");

  auto with_nan = example_b();
  for (rung::trial_id id = 0; id < 3; ++id) {
    start(with_nan, id);
    CHECK(report(with_nan, id, 1, not_a_number) == P);
  }
  CHECK(next_job(with_nan, 3) == "new");
}

TEST_CASE("promotion: when the searcher runs out, wait while trials run, then stop") {
  constexpr auto space = rung::config_space(rung::choice<"x">(1, 2), rung::constant<"epochs">(9));
  auto scheduler = rung::asha(rung::grid_searcher(space),
                              {.metric = "y", .max_resource_attr = "epochs", .type = rung::asha_type::promotion});
  start(scheduler, 0);
  start(scheduler, 1);
  CHECK(next_job(scheduler, 2) == "wait");
  CHECK(report(scheduler, 0, 1, 0.5) == P);
  CHECK(next_job(scheduler, 2) == "wait");
  CHECK(report(scheduler, 1, 1, 0.6) == P);
  CHECK(next_job(scheduler, 2) == "resume 0 from 1");
  CHECK(report(scheduler, 0, 3, 0.4) == P);
  CHECK(next_job(scheduler, 2) == "exhausted");  // nothing runs, and nothing qualifies for promotion
}

TEST_CASE("Hyperband brackets: the draw follows the distribution; a trial skips its bracket's lowest rungs") {
  auto make = [](rung::asha_type type, bool per_bracket, std::uint64_t seed) {
    return rung::asha(rung::random_searcher(space27), {.metric = "y",
                                                       .max_t = 81,
                                                       .type = type,
                                                       .brackets = 3,
                                                       .rung_system_per_bracket = per_bracket,
                                                       .seed = seed});
  };
  auto stopping = make(rung::asha_type::stopping, false, 7);
  REQUIRE(stopping.num_brackets() == 3);
  std::vector<int> counts(3, 0);
  constexpr int draws = 20'000;
  for (rung::trial_id id = 0; id < draws; ++id) {
    start(stopping, id);
    ++counts[*stopping.bracket_of(id)];
  }
  for (std::size_t s = 0; s < 3; ++s) {
    CHECK(counts[s] / double{draws} == doctest::Approx(stopping.bracket_distribution()[s]).epsilon(0.05));
  }
  rung::trial_id in_bracket_one = 0;
  while (*stopping.bracket_of(in_bracket_one) != 1) ++in_bracket_one;
  CHECK(report(stopping, in_bracket_one, 1, 0.5) == C);
  CHECK(stopping.rung_size(0) == 0);
  CHECK(report(stopping, in_bracket_one, 3, 0.5) == C);
  CHECK(stopping.rung_size(1) == 1);

  auto promotion = make(rung::asha_type::promotion, true, 7);
  rung::trial_id id = 0;
  for (;; ++id) {
    start(promotion, id);
    if (*promotion.bracket_of(id) == 2) break;
  }
  CHECK(report(promotion, id, 3, 0.5) == C);
  CHECK(report(promotion, id, 9, 0.5) == P);  // bracket 2 pauses first at 9
  CHECK(promotion.rung_size(2, 2) == 1);
  CHECK(promotion.rung_size(2, 0) == 0);  // brackets keep their rungs apart
  CHECK(make(rung::asha_type::stopping, false, 8).bracket_distribution() == stopping.bracket_distribution());
}

TEST_CASE("Hyperband brackets: a suggestion that hands out nothing uses up no draw, so a journal replays in step") {
  for (const auto type : {rung::asha_type::stopping, rung::asha_type::promotion}) {
    for (const bool per_bracket : {false, true}) {
      CAPTURE(per_bracket);
      const rung::asha_options options{.metric = "y",
                                       .max_t = 81,
                                       .type = type,
                                       .brackets = 3,
                                       .rung_system_per_bracket = per_bracket,
                                       .seed = 5};
      auto live = rung::asha(rung::random_searcher(space27), options);
      auto replayed = rung::asha(rung::random_searcher(space27), options);  // sees only what a journal records
      for (rung::trial_id id = 0; id < 40; ++id) {
        // Capped: nothing is paused, so nothing to hand out (the journal records nothing).
        CHECK(next_job(live, id) == "new");
        CHECK(next_job(live, id + 1000, rung::trial_admission::paused_only) ==
              (type == rung::asha_type::promotion ? "wait" : "exhausted"));
        start(replayed, id);
        CHECK(live.bracket_of(id) == replayed.bracket_of(id));
      }
    }
  }
}

TEST_CASE("bad options are refused, naming the field and the value") {
  constexpr auto free_epochs = rung::config_space(rung::uniform<"x">(0.0, 1.0), rung::randint<"epochs">(1, 27));
  const auto make = [](const rung::asha_options& options) { return rung::asha(rung::random_searcher(space27), options); };
  CHECK_THROWS_WITH_AS(make({.max_t = 27}),
                       "asha: options.metric = \"\": name the metric the trials report, e.g. .metric = "
                       "\"validation_error\"",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(make({.metric = "y"}),
                       "asha: options.max_t = unset: set max_t, or max_resource_attr to the hyperparameter holding "
                       "the maximum resource (e.g. .max_resource_attr = \"max_epochs\")",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(make({.metric = "y", .max_resource_attr = "max_epochs"}),
                       "asha: options.max_resource_attr = max_epochs: not a hyperparameter of the space (x, epochs)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::asha(rung::random_searcher(free_epochs), {.metric = "y", .max_resource_attr = "epochs"}),
                       "asha: options.max_resource_attr = epochs: the hyperparameter must be a constant, e.g. "
                       "rung::constant<\"epochs\">(81): the rung levels are the same for every trial",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(make({.metric = "y", .grace_period = 27, .max_t = 27}),
                       "asha: options.grace_period = 27: must be below the maximum resource, 27", std::invalid_argument);
  CHECK_THROWS_WITH_AS(make({.metric = "y", .grace_period = 30, .max_resource_attr = "epochs"}),
                       "asha: options.grace_period = 30: must be below the maximum resource, 27", std::invalid_argument);
  CHECK_THROWS_WITH_AS(make({.metric = "y", .reduction_factor = 1.9, .max_t = 27}),
                       "asha: options.reduction_factor = 1.9: must be a number >= 2", std::invalid_argument);
  CHECK_THROWS_WITH_AS(make({.metric = "y", .max_t = 27, .brackets = 0}),
                       "asha: options.brackets = 0: must be at least 1 (1: successive halving)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(make({.metric = "y", .max_t = 0}), "asha: options.max_t = 0: must be positive",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(make({.metric = "y", .max_t = 27, .rung_levels = {3, 3}}),
                       "asha: options.rung_levels = [3, 3]: rung levels must be strictly increasing",
                       std::invalid_argument);
  CHECK(make({.metric = "y", .max_t = 27, .rung_levels = {2, 5, 27}}).ladder().levels() ==
        std::vector<std::int64_t>{2, 5});
}

TEST_CASE("a report at a resource that is not a whole number >= 1 throws and changes nothing") {
  for (const auto type : {rung::asha_type::stopping, rung::asha_type::promotion}) {
    auto scheduler = rung::asha(rung::random_searcher(space27),
                                {.metric = "y", .max_resource_attr = "epochs", .type = type});
    start(scheduler, 0);
    start(scheduler, 1);
    CHECK(report(scheduler, 0, 1, 0.1) == (type == rung::asha_type::stopping ? C : P));
    for (const double bad : {2.5, 0.0, -1.0, not_a_number, std::numeric_limits<double>::infinity(), 1e300}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(report(scheduler, 1, bad, 0.0), std::invalid_argument);
    }
    CHECK_THROWS_WITH_AS(report(scheduler, 1, 1.5, 0.0),
                         "asha: trial 1 reported epoch = 1.5: the resource must be a whole number >= 1, as rung "
                         "levels are",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(report(scheduler, 7, 1, 0.0), "asha: report for trial 7, which suggest() never started",
                         std::invalid_argument);
    CHECK(scheduler.rung_size(0) == 1);
    CHECK(report(scheduler, 1, 1, 0.9) == (type == rung::asha_type::stopping ? S : P));  // as if nothing happened
  }
}

namespace {
template <class Scheduler>
auto simulate_synthetic(Scheduler& scheduler, std::size_t workers, std::int64_t trials) {
  return rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{},
                        {.n_workers = workers,
                         .stop_criterion = rung::stop_criterion{.max_num_trials_started = trials},
                         .record_schedule = true});
}
// The synthetic workload with 4 workers: every stretch of work, in the order it ended.
template <class Scheduler>
std::vector<std::string> synthetic_run(Scheduler& scheduler, std::int64_t trials) {
  using rung::detail::to_text;
  std::vector<std::string> log;
  for (const auto& span : simulate_synthetic(scheduler, 4, trials).statistics.schedule) {
    log.push_back(to_text(span.end) + " worker " + to_text(span.worker) + " trial " + to_text(span.trial) +
                  " epochs " + to_text(span.first_epoch) + ".." + to_text(span.last_epoch));
  }
  return log;
}
auto synthetic_asha(rung::asha_type type, std::uint64_t seed) {
  namespace lc = rung::bench::synthetic_lc;
  return rung::asha(rung::random_searcher(lc::space, {.seed = 1}),
                    {.metric = "error", .max_t = lc::max_resource, .type = type, .brackets = 4, .seed = seed});
}
}  // namespace

TEST_CASE("determinism: the same seeds and events give the same decisions") {
  for (const auto type : {rung::asha_type::stopping, rung::asha_type::promotion}) {
    auto first = synthetic_asha(type, 3);
    auto second = synthetic_asha(type, 3);
    auto other_seed = synthetic_asha(type, 4);
    const auto log = synthetic_run(first, 300);
    CHECK(log.size() >= 300);  // every trial ran; promoted ones more than once
    CHECK(log == synthetic_run(second, 300));
    CHECK(log != synthetic_run(other_seed, 300));
  }
}

TEST_CASE("promotion on the synthetic workload: trials pause at rungs, the best reach 81 epochs") {
  auto scheduler = synthetic_asha(rung::asha_type::promotion, 5);
  const auto run = simulate_synthetic(scheduler, 8, 400);
  std::int64_t at_top = 0;
  for (const auto& trial : run.trials) {
    const auto epoch = trial.iterations;
    if (epoch == 81) ++at_top;
    // A trial stops only at a rung level of its bracket or at the top.
    CHECK((epoch == 1 || epoch == 3 || epoch == 9 || epoch == 27 || epoch == 81));
  }
  CHECK(at_top > 0);
  CHECK(at_top < 100);  // of 400 started
  CHECK(run.statistics.utilization() > 0.9);  // asynchronous: workers rarely idle
}

TEST_CASE("ask/tell: trial ids may be far apart and ids never used cost nothing; a negative id is named") {
  auto scheduler = example_b();  // promotion: rungs 1 and 3 below 9
  constexpr rung::trial_id far = 1'000'000'000'000'000;  // a vector up to it would not fit in memory
  for (const rung::trial_id id : {rung::trial_id{0}, far, rung::trial_id{1000}}) start(scheduler, id);
  // Ids counted up from 1 to past 1000: trial 1000's state moves in among them and is kept.
  for (rung::trial_id id = 1; id <= 1100; ++id) {
    if (id != 1000) start(scheduler, id);
  }
  CHECK(report(scheduler, far, 1, 0.1) == P);
  CHECK(report(scheduler, 1000, 1, 0.2) == P);
  for (rung::trial_id id = 0; id <= 1100; ++id) {
    if (id != 1000) REQUIRE(report(scheduler, id, 1, 0.6) == P);
  }
  CHECK(next_job(scheduler, 1101) == "resume " + std::to_string(far) + " from 1");  // the best two first
  CHECK(next_job(scheduler, 1101) == "resume 1000 from 1");
  CHECK(report(scheduler, 1000, 3, 0.2) == P);
  CHECK(report(scheduler, far, 2, 0.1) == C);
  CHECK(*scheduler.bracket_of(far) == 0);
  CHECK_FALSE(scheduler.bracket_of(far + 1));
  CHECK_THROWS_WITH_AS(report(scheduler, far + 1, 1, 0.1),
                       "asha: report for trial 1000000000000001, which suggest() never started", std::invalid_argument);

  CHECK_THROWS_WITH_AS(scheduler.suggest(-5), "asha: suggest(): trial id -5: trial ids must be >= 0",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(report(scheduler, -5, 1, 0.1), "asha: report for trial -5, which suggest() never started",
                       std::invalid_argument);
}

TEST_CASE("promotion: every start and resume says where the trial will pause next; stopping plans no pause") {
  const auto run_to = [](const auto& next) -> std::optional<double> {
    if (const auto* resume = std::get_if<rung::resume_trial>(&next)) return resume->run_to;
    return std::get<rung::start_trial<config>>(next).run_to;
  };
  auto scheduler = example_b();  // rungs 1 and 3 below 9
  for (rung::trial_id id = 0; id < 9; ++id) CHECK(run_to(scheduler.suggest(id)) == 1.0);
  for (rung::trial_id id = 0; id < 9; ++id) REQUIRE(report(scheduler, id, 1, 0.1 * static_cast<double>(id)) == P);
  for (rung::trial_id id = 0; id < 3; ++id) {
    const auto next = scheduler.suggest(9);
    REQUIRE(std::get<rung::resume_trial>(next).trial == id);
    CHECK(run_to(next) == 3.0);
  }
  for (rung::trial_id id = 0; id < 3; ++id) REQUIRE(report(scheduler, id, 3, 0.1 * static_cast<double>(id)) == P);
  const auto to_the_top = scheduler.suggest(9);
  REQUIRE(std::get<rung::resume_trial>(to_the_top).trial == 0);
  CHECK(run_to(to_the_top) == 9.0);  // the last stretch: to the maximum resource

  // Stopping plans no pause: a trial no rung stops runs to the maximum resource.
  auto stopping = example_a();
  CHECK(run_to(stopping.suggest(0)) == static_cast<double>(stopping.ladder().max_resource()));
  CHECK(stopping.ladder().max_resource() == 27);  // space27's "epochs"
}

namespace {
static_assert(rung::detail::SchedulerWithResumeFilter<rung::asha_scheduler<searcher27>>);
static_assert(rung::detail::SchedulerWithResumeFilter<rung::asha_scheduler<searcher27, rung::percentile_of_others>>);

// next_job through suggest(new_id, admission, may_resume).
template <class Scheduler>
std::string next_job_for(Scheduler& scheduler, rung::trial_id new_id, rung::resume_filter may_resume,
                         rung::trial_admission admission = rung::trial_admission::new_or_paused) {
  const auto next = scheduler.suggest(new_id, admission, may_resume);
  if (std::holds_alternative<rung::start_trial<typename Scheduler::config_type>>(next)) return "new";
  if (const auto* resume = std::get_if<rung::resume_trial>(&next)) {
    return "resume " + std::to_string(resume->trial) + " from " + rung::detail::to_text(resume->from_resource);
  }
  return std::holds_alternative<rung::wait_for_trials>(next) ? "wait" : "exhausted";
}

// One worker feeding asynchronous Hyperband (promotion) on the synthetic
// workload, each suggestion through `ask`: every job and decision, in order.
template <class Ask>
std::vector<std::string> one_worker_log(std::int64_t trials, Ask ask) {
  namespace lc = rung::bench::synthetic_lc;
  auto scheduler = synthetic_asha(rung::asha_type::promotion, 7);
  std::vector<lc::config> configs;
  std::vector<std::string> log;
  for (;;) {
    const auto new_id = static_cast<rung::trial_id>(configs.size());
    const auto admission =
        new_id < trials ? rung::trial_admission::new_or_paused : rung::trial_admission::paused_only;
    auto next = ask(scheduler, new_id, admission);
    rung::trial_id id = new_id;
    std::int64_t epoch = 1;
    if (auto* fresh = std::get_if<rung::start_trial<lc::config>>(&next)) {
      configs.push_back(std::move(fresh->config));
      log.push_back("start " + std::to_string(id));
    } else if (const auto* resume = std::get_if<rung::resume_trial>(&next)) {
      id = resume->trial;
      epoch = static_cast<std::int64_t>(resume->from_resource) + 1;
      log.push_back("resume " + std::to_string(id) + " at " + std::to_string(epoch));
    } else {
      return log;
    }
    rung::decision outcome = C;
    for (; outcome == C; ++epoch) {
      const double error = lc::error(configs[static_cast<std::size_t>(id)], epoch);
      outcome = report(scheduler, id, static_cast<double>(epoch), error);
    }
    log.push_back(std::string(rung::to_string(outcome)) + " at " + std::to_string(epoch - 1));
    if (outcome == S) scheduler.on_trial_end(id, rung::trial_end::stopped);
  }
}
}  // namespace

TEST_CASE("resume filter: the best promotable trial the filter allows is resumed; refused ones wait for their worker") {
  auto scheduler = example_b();  // rungs 1 and 3 below 9
  for (rung::trial_id id = 0; id < 9; ++id) start(scheduler, id);
  // Rung 1 holds 0.0 .. 0.8: the cutoff, the 1/3 quantile, is 0.267; trials 0, 1, 2 qualify.
  for (rung::trial_id id = 0; id < 9; ++id) REQUIRE(report(scheduler, id, 1, 0.1 * static_cast<double>(id)) == P);
  const auto odd = [](rung::trial_id id) { return id % 2 == 1; };
  const auto even = [](rung::trial_id id) { return id % 2 == 0; };
  CHECK(next_job_for(scheduler, 9, odd) == "resume 1 from 1");  // 0 is better, but refused
  CHECK(next_job_for(scheduler, 9, odd) == "new");  // 3 does not qualify; 2 is refused
  CHECK(next_job_for(scheduler, 10, odd, rung::trial_admission::paused_only) == "wait");
  CHECK(next_job_for(scheduler, 10, even) == "resume 0 from 1");  // the refused ones, when their worker asks
  CHECK(next_job_for(scheduler, 10, even) == "resume 2 from 1");
  CHECK(next_job_for(scheduler, 10, even) == "new");
}

TEST_CASE("resume filter: a trial held back by the filter makes a worker wait, not give up") {
  constexpr auto space = rung::config_space(rung::choice<"x">(1, 2), rung::constant<"epochs">(9));
  auto scheduler = rung::asha(rung::grid_searcher(space),
                              {.metric = "y", .max_resource_attr = "epochs", .type = rung::asha_type::promotion});
  start(scheduler, 0);
  start(scheduler, 1);
  CHECK(report(scheduler, 0, 1, 0.5) == P);
  CHECK(report(scheduler, 1, 1, 0.6) == P);  // nothing runs; the searcher is out; trial 0 qualifies
  const auto not_zero = [](rung::trial_id id) { return id != 0; };
  CHECK(next_job_for(scheduler, 2, not_zero) == "wait");
  CHECK(next_job_for(scheduler, 2, [](rung::trial_id) { return true; }) == "resume 0 from 1");
  CHECK(report(scheduler, 0, 3, 0.4) == P);
  CHECK(next_job_for(scheduler, 2, not_zero) == "exhausted");  // trial 1 does not qualify, none is held back
}

TEST_CASE("resume filter: the pick is the first allowed trial of the order the plain suggest promotes in") {
  namespace lc = rung::bench::synthetic_lc;
  // 60 trials paused at epoch 1, 10 promotions each paused at its next rung: rungs 1, 3 and up to promote from.
  auto scheduler =
      rung::asha(rung::random_searcher(lc::space, {.seed = 1}), lc::asha_settings(rung::asha_type::promotion));
  std::vector<lc::config> configs;
  for (rung::trial_id id = 0; id < 60; ++id) {
    auto next = scheduler.suggest(id);
    configs.push_back(std::get<rung::start_trial<lc::config>>(std::move(next)).config);
  }
  for (rung::trial_id id = 0; id < 60; ++id) {
    REQUIRE(report(scheduler, id, 1, lc::error(configs[static_cast<std::size_t>(id)], 1)) == P);
  }
  constexpr auto paused_only = rung::trial_admission::paused_only;
  for (int k = 0; k < 10; ++k) {
    const auto resume = std::get<rung::resume_trial>(scheduler.suggest(60, paused_only));
    const auto epoch = static_cast<std::int64_t>(*resume.run_to);  // its next rung
    const double error = lc::error(configs[static_cast<std::size_t>(resume.trial)], epoch);
    REQUIRE(report(scheduler, resume.trial, *resume.run_to, error) == P);
  }
  // The order the plain suggest promotes in: the higher rung first, best first.
  auto plain = scheduler;
  std::vector<rung::trial_id> order;
  for (auto next = plain.suggest(60, paused_only); std::holds_alternative<rung::resume_trial>(next);
       next = plain.suggest(60, paused_only)) {
    order.push_back(std::get<rung::resume_trial>(next).trial);
  }
  const auto allowed = [](rung::trial_id id) { return id % 3 == 1; };
  std::vector<rung::trial_id> expected;
  for (const rung::trial_id id : order) {
    if (allowed(id)) expected.push_back(id);
  }
  REQUIRE(order.size() > expected.size());
  REQUIRE(expected.size() >= 2);
  REQUIRE_FALSE(allowed(order.front()));  // the walk must pass over the best
  std::vector<rung::trial_id> picked;
  for (auto next = scheduler.suggest(60, paused_only, allowed); std::holds_alternative<rung::resume_trial>(next);
       next = scheduler.suggest(60, paused_only, allowed)) {
    picked.push_back(std::get<rung::resume_trial>(next).trial);
  }
  CHECK(picked == expected);
}

TEST_CASE("resume filter: one that allows every trial decides exactly as the plain suggest") {
  const auto plain = one_worker_log(200, [](auto& scheduler, rung::trial_id id, rung::trial_admission admission) {
    return scheduler.suggest(id, admission);
  });
  const auto everyone = [](rung::trial_id) { return true; };
  const auto filtered = one_worker_log(200, [&](auto& scheduler, rung::trial_id id, rung::trial_admission admission) {
    return scheduler.suggest(id, admission, everyone);
  });
  CHECK(plain.size() > 400);  // 200 starts, resumes, and a decision after each
  CHECK(filtered == plain);
}

TEST_CASE("resume filter: stopping ASHA resumes nothing and decides as without it") {
  auto scheduler = example_a();
  const auto nobody = [](rung::trial_id) { return false; };
  CHECK(next_job_for(scheduler, 0, nobody) == "new");
  CHECK(report(scheduler, 0, 3, 0.5) == C);
}

}  // namespace test_asha
