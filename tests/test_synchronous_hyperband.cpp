#include "rung/schedulers/synchronous_hyperband.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "rung/concepts/scheduler.hpp"
#include "rung/searchers/grid_search.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"

namespace test_synchronous_hyperband {

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(0.0, 1.0), rung::constant<"epochs">(9));
using searcher = rung::random_search<std::remove_const_t<decltype(space)>>;
static_assert(rung::Scheduler<rung::synchronous_hyperband_scheduler<searcher>>);

constexpr auto C = rung::decision::continue_trial;
constexpr auto P = rung::decision::pause_trial;
constexpr auto S = rung::decision::stop_trial;

// R = 9, eta = 3: brackets 9@1 3@3 1@9 | 5@3 1@9 | 3@9.
auto make(std::optional<std::int64_t> brackets = std::nullopt, std::int64_t iterations = 0,
          bool parallel_brackets = false) {
  return rung::synchronous_hyperband(rung::random_searcher(space, {.seed = 2}), {.metric = "y",
                                                                                .max_resource_attr = "epochs",
                                                                                .brackets = brackets,
                                                                                .iterations = iterations,
                                                                                .parallel_brackets = parallel_brackets});
}

template <class Scheduler>
std::string next_job(Scheduler& scheduler, rung::trial_id new_id,
                     rung::trial_admission admission = rung::trial_admission::new_or_paused) {
  const auto next = scheduler.suggest(new_id, admission);
  if (std::holds_alternative<rung::start_trial<typename Scheduler::config_type>>(next)) {
    return "start " + std::to_string(new_id);
  }
  if (const auto* resume = std::get_if<rung::resume_trial>(&next)) {
    return "resume " + std::to_string(resume->trial) + " from " + rung::detail::to_text(resume->from_resource);
  }
  return std::holds_alternative<rung::wait_for_trials>(next) ? "wait" : "exhausted";
}

template <class Scheduler>
rung::decision report(Scheduler& scheduler, rung::trial_id id, double resource, double metric) {
  return scheduler.on_report({.trial = id, .resource = resource, .metric = metric});
}

// Trial i's value at rung 1: 0.9, 0.1, 0.8, 0.2, ... : the odd trials are best.
double value_of(rung::trial_id id) { return id % 2 == 1 ? 0.1 * static_cast<double>(id) : 1.0 - 0.01 * static_cast<double>(id); }

}  // namespace

TEST_CASE("synchronous successive halving: workers wait for the rung; its best floor(n/eta) go on") {
  auto scheduler = make(1);
  REQUIRE(scheduler.brackets().size() == 1);
  for (rung::trial_id id = 0; id < 9; ++id) CHECK(next_job(scheduler, id) == "start " + std::to_string(id));
  CHECK(next_job(scheduler, 9) == "wait");  // 9 trials in rung 1: no tenth
  for (rung::trial_id id = 0; id < 8; ++id) CHECK(report(scheduler, id, 1, value_of(id)) == P);
  CHECK(next_job(scheduler, 9) == "wait");  // trial 8 is the straggler: everyone waits
  CHECK(report(scheduler, 8, 1, value_of(8)) == P);
  CHECK(next_job(scheduler, 9) == "resume 1 from 1");  // 0.1, 0.3, 0.5: best first
  CHECK(next_job(scheduler, 9) == "resume 3 from 1");
  CHECK(next_job(scheduler, 9) == "resume 5 from 1");
  CHECK(next_job(scheduler, 9) == "wait");
  CHECK(report(scheduler, 1, 2, 0.5) == C);
  CHECK(report(scheduler, 1, 3, 0.5) == P);
  CHECK(report(scheduler, 3, 3, 0.4) == P);
  CHECK(report(scheduler, 0, 2, 0.0) == P);  // a late report from a trial left behind
  CHECK(next_job(scheduler, 9) == "wait");
  CHECK(report(scheduler, 5, 3, 0.6) == P);
  CHECK(next_job(scheduler, 9) == "resume 3 from 3");
  CHECK(report(scheduler, 3, 9, 0.3) == S);
  CHECK(scheduler.iteration() == 1);
  CHECK(next_job(scheduler, 9) == "start 9");  // the pass repeats
}

TEST_CASE("synchronous Hyperband runs the brackets in turn, then stops after its iterations") {
  auto scheduler = make(std::nullopt, 1);
  REQUIRE(scheduler.brackets().size() == 3);
  rung::trial_id next_id = 0;
  // Bracket s = 2: 9 trials to 1, 3 to 3, 1 to 9.
  for (; next_id < 9; ++next_id) REQUIRE(next_job(scheduler, next_id) == "start " + std::to_string(next_id));
  for (rung::trial_id id = 0; id < 9; ++id) REQUIRE(report(scheduler, id, 1, value_of(id)) == P);
  for (rung::trial_id id : {1, 3, 5}) {
    REQUIRE(next_job(scheduler, next_id) == "resume " + std::to_string(id) + " from 1");
    REQUIRE(report(scheduler, id, 3, value_of(id)) == P);
  }
  REQUIRE(next_job(scheduler, next_id) == "resume 1 from 3");
  CHECK(report(scheduler, 1, 9, 0.1) == S);
  // Bracket s = 1: 5 new trials that first pause at 3, then 1 to 9.
  CHECK(scheduler.bracket_index() == 1);
  for (int k = 0; k < 5; ++k, ++next_id) REQUIRE(next_job(scheduler, next_id) == "start " + std::to_string(next_id));
  CHECK(next_job(scheduler, next_id) == "wait");
  CHECK(report(scheduler, 9, 1, 0.5) == C);
  for (rung::trial_id id = 9; id < 14; ++id) REQUIRE(report(scheduler, id, 3, 1.0 - 0.1 * static_cast<double>(id - 9)) == P);
  CHECK(next_job(scheduler, next_id) == "resume 13 from 3");
  CHECK(report(scheduler, 13, 9, 0.1) == S);
  // Bracket s = 0: 3 trials straight to 9.
  for (int k = 0; k < 3; ++k, ++next_id) REQUIRE(next_job(scheduler, next_id) == "start " + std::to_string(next_id));
  for (rung::trial_id id = 14; id < 17; ++id) CHECK(report(scheduler, id, 9, 0.5) == S);
  CHECK(next_job(scheduler, next_id) == "exhausted");
}

TEST_CASE("trials that end early settle their slot; NaN goes last; ties go by arrival") {
  auto scheduler = make(1);
  for (rung::trial_id id = 0; id < 9; ++id) REQUIRE(next_job(scheduler, id) == "start " + std::to_string(id));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double values[] = {nan, 0.5, 0.5, 0.7, 0.7, 0.9, 0.9, 0.9, 0.9};
  for (rung::trial_id id = 0; id < 8; ++id) REQUIRE(report(scheduler, id, 1, values[id]) == P);
  scheduler.on_trial_end(1, rung::trial_end::failed);  // paused, then failed: not promoted
  CHECK(next_job(scheduler, 9) == "wait");
  scheduler.on_trial_end(8, rung::trial_end::failed);  // never reported: its slot settles
  CHECK(next_job(scheduler, 9) == "resume 2 from 1");
  CHECK(next_job(scheduler, 9) == "resume 3 from 1");
  scheduler.on_trial_end(4, rung::trial_end::stopped);  // promoted, then ended before it resumed
  CHECK(next_job(scheduler, 9) == "wait");
  CHECK(report(scheduler, 2, 3, 0.4) == P);
  CHECK(report(scheduler, 3, 3, 0.3) == P);
  CHECK(next_job(scheduler, 9) == "resume 3 from 3");
}

TEST_CASE("a searcher that runs out closes the rung with the trials it has") {
  constexpr auto small = rung::config_space(rung::choice<"x">(1, 2, 3, 4), rung::constant<"epochs">(9));
  auto scheduler = rung::synchronous_hyperband(rung::grid_searcher(small),
                                               {.metric = "y", .max_resource_attr = "epochs", .brackets = 1});
  for (rung::trial_id id = 0; id < 4; ++id) REQUIRE(next_job(scheduler, id) == "start " + std::to_string(id));
  CHECK(next_job(scheduler, 4) == "wait");
  for (rung::trial_id id = 0; id < 4; ++id) REQUIRE(report(scheduler, id, 1, static_cast<double>(id)) == P);
  CHECK(next_job(scheduler, 4) == "resume 0 from 1");  // 4 closed the rung: 3 go on
  CHECK(next_job(scheduler, 4) == "resume 1 from 1");
  CHECK(next_job(scheduler, 4) == "resume 2 from 1");
  for (rung::trial_id id = 0; id < 3; ++id) REQUIRE(report(scheduler, id, 3, static_cast<double>(id)) == P);
  CHECK(next_job(scheduler, 4) == "resume 0 from 3");
  CHECK(report(scheduler, 0, 9, 0.0) == S);
  CHECK(next_job(scheduler, 4) == "exhausted");
}

TEST_CASE("once no more trials may start, the first rung waits for them: a larger budget goes on from there") {
  constexpr auto paused_only = rung::trial_admission::paused_only;
  auto scheduler = make(1);
  for (rung::trial_id id = 0; id < 4; ++id) REQUIRE(next_job(scheduler, id) == "start " + std::to_string(id));
  CHECK(next_job(scheduler, 4, paused_only) == "wait");
  for (rung::trial_id id = 0; id < 4; ++id) REQUIRE(report(scheduler, id, 1, value_of(id)) == P);
  CHECK(next_job(scheduler, 4, paused_only) == "wait");  // the rung holds 4 of its 9: nothing to promote yet
  // As if the tuning went on with a larger budget: the rung fills, then its best go on.
  for (rung::trial_id id = 4; id < 9; ++id) REQUIRE(next_job(scheduler, id) == "start " + std::to_string(id));
  for (rung::trial_id id = 4; id < 9; ++id) REQUIRE(report(scheduler, id, 1, value_of(id)) == P);
  CHECK(next_job(scheduler, 9, paused_only) == "resume 1 from 1");
  CHECK(next_job(scheduler, 9, paused_only) == "resume 3 from 1");
}

TEST_CASE("every start and resume runs the trial to its rung's level") {
  auto scheduler = make(1);  // 9 trials to 1, 3 to 3, 1 to 9
  for (rung::trial_id id = 0; id < 9; ++id) {
    CHECK(std::get<rung::start_trial<searcher::config_type>>(scheduler.suggest(id)).run_to == 1.0);
  }
  for (rung::trial_id id = 0; id < 9; ++id) REQUIRE(report(scheduler, id, 1, value_of(id)) == P);
  for (const rung::trial_id id : {1, 3, 5}) {
    const auto next = std::get<rung::resume_trial>(scheduler.suggest(9));
    CHECK(next.trial == id);
    CHECK(next.run_to == 3.0);
    REQUIRE(report(scheduler, id, 3, value_of(id)) == P);
  }
  const auto last = std::get<rung::resume_trial>(scheduler.suggest(9));
  CHECK(last.trial == 1);
  CHECK(last.run_to == 9.0);
}

TEST_CASE("bad synchronous Hyperband options are refused, naming the field and the value") {
  const auto make_with = [](const rung::synchronous_hyperband_options& options) {
    return rung::synchronous_hyperband(rung::random_searcher(space), options);
  };
  CHECK_THROWS_WITH_AS(make_with({.metric = "y", .reduction_factor = 2.5, .max_t = 81}),
                       "synchronous_hyperband: options.reduction_factor = 2.5: synchronous Hyperband needs a whole "
                       "number (its brackets keep floor(n / eta^i) trials)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(make_with({.metric = "y", .max_t = 81, .brackets = 0}),
                       "synchronous_hyperband: options.brackets = 0: must be at least 1 (1: successive halving)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(make_with({.metric = "y", .max_t = 81, .iterations = -1}),
                       "synchronous_hyperband: options.iterations = -1: must be >= 0 (0: until stopped)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(make_with({.metric = "y", .grace_period = 4, .max_t = 4}),
                       "synchronous_hyperband: options.grace_period = 4: must be below the maximum resource, 4",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(make_with({.metric = "y", .max_resource_attr = "max_epochs"}),
                       "synchronous_hyperband: options.max_resource_attr = max_epochs: not a hyperparameter of the "
                       "space (x, epochs)",
                       std::invalid_argument);
  auto scheduler = make();
  CHECK_THROWS_WITH_AS(scheduler.suggest(-5), "synchronous_hyperband: suggest(): trial id -5: trial ids must be >= 0",
                       std::invalid_argument);
  REQUIRE(next_job(scheduler, 0) == "start 0");
  CHECK_THROWS_WITH_AS(report(scheduler, 0, 0.5, 1.0),
                       "synchronous_hyperband: trial 0 reported epoch = 0.5: the resource must be a whole number >= "
                       "1, as rung levels are",
                       std::invalid_argument);
  CHECK(report(scheduler, 0, 1, 1.0) == P);
}


TEST_CASE("parallel brackets: a worker that would wait starts the next bracket; each bracket stays synchronous") {
  auto scheduler = make(1, 0, true);
  for (rung::trial_id id = 0; id < 9; ++id) REQUIRE(next_job(scheduler, id) == "start " + std::to_string(id));
  CHECK(scheduler.open_brackets() == 1);
  CHECK(next_job(scheduler, 9) == "start 9");  // bracket A's rung is full: bracket B begins
  CHECK(next_job(scheduler, 10) == "start 10");
  CHECK(scheduler.open_brackets() == 2);
  for (rung::trial_id id = 0; id < 9; ++id) REQUIRE(report(scheduler, id, 1, value_of(id)) == P);
  // A's rung is complete: its best go on first, although B has room for new trials.
  CHECK(next_job(scheduler, 11) == "resume 1 from 1");
  CHECK(next_job(scheduler, 11) == "resume 3 from 1");
  CHECK(next_job(scheduler, 11) == "resume 5 from 1");
  CHECK(next_job(scheduler, 11) == "start 11");  // then B fills its first rung
  CHECK(report(scheduler, 9, 1, 0.0) == P);      // B's best so far, but B's rung is not complete
  CHECK(report(scheduler, 10, 1, 0.0) == P);
  CHECK(report(scheduler, 11, 1, 0.0) == P);
  for (rung::trial_id id = 12; id < 18; ++id) REQUIRE(next_job(scheduler, id) == "start " + std::to_string(id));
  CHECK(scheduler.open_brackets() == 2);
  CHECK(next_job(scheduler, 18) == "start 18");  // A and B both wait: a third bracket
  CHECK(scheduler.open_brackets() == 3);
  for (rung::trial_id id : {1, 3}) REQUIRE(report(scheduler, id, 3, value_of(id)) == P);
  CHECK(report(scheduler, 5, 3, value_of(5)) == P);
  CHECK(next_job(scheduler, 19) == "resume 1 from 3");
  CHECK(report(scheduler, 1, 9, 0.1) == S);
  CHECK(scheduler.open_brackets() == 2);  // A is done; B is now the oldest
  CHECK(scheduler.bracket_index() == 0);
}

TEST_CASE("parallel brackets stop opening brackets after the iterations and when the searcher runs out") {
  auto scheduler = make(1, 1, true);  // one bracket in all
  for (rung::trial_id id = 0; id < 9; ++id) REQUIRE(next_job(scheduler, id) == "start " + std::to_string(id));
  CHECK(next_job(scheduler, 9) == "wait");
  CHECK(scheduler.open_brackets() == 1);
}

namespace {
static_assert(rung::detail::SchedulerWithResumeFilter<rung::synchronous_hyperband_scheduler<searcher>>);

template <class Scheduler>
std::string next_job_for(Scheduler& scheduler, rung::trial_id new_id, rung::resume_filter may_resume) {
  const auto next = scheduler.suggest(new_id, rung::trial_admission::new_or_paused, may_resume);
  if (std::holds_alternative<rung::start_trial<typename Scheduler::config_type>>(next)) {
    return "start " + std::to_string(new_id);
  }
  if (const auto* resume = std::get_if<rung::resume_trial>(&next)) {
    return "resume " + std::to_string(resume->trial) + " from " + rung::detail::to_text(resume->from_resource);
  }
  return std::holds_alternative<rung::wait_for_trials>(next) ? "wait" : "exhausted";
}

// One worker through a pass of every bracket, each suggestion through
// `ask`; a trial reports its x plus a tenth of its level: every job and decision.
template <class Ask>
std::vector<std::string> one_worker_log(Ask ask) {
  auto scheduler = make(std::nullopt, 1);
  std::vector<double> x_of;
  std::vector<std::string> log;
  for (;;) {
    const auto new_id = static_cast<rung::trial_id>(x_of.size());
    const auto next = ask(scheduler, new_id);
    rung::trial_id id = new_id;
    double level = 0;
    if (const auto* fresh = std::get_if<rung::start_trial<searcher::config_type>>(&next)) {
      x_of.push_back(fresh->config.template get<"x">());
      level = *fresh->run_to;
      log.push_back("start " + std::to_string(id));
    } else if (const auto* resume = std::get_if<rung::resume_trial>(&next)) {
      id = resume->trial;
      level = *resume->run_to;
      log.push_back("resume " + std::to_string(id));
    } else {
      log.push_back(std::holds_alternative<rung::wait_for_trials>(next) ? "wait" : "exhausted");
      return log;
    }
    const auto outcome = report(scheduler, id, level, x_of[static_cast<std::size_t>(id)] + 0.1 * level);
    log.push_back(std::string(rung::to_string(outcome)) + " at " + rung::detail::to_text(level));
    if (outcome == S) scheduler.on_trial_end(id, rung::trial_end::stopped);
  }
}
}  // namespace

TEST_CASE("resume filter: only allowed promoted trials resume, best first; a refused one waits for its worker") {
  auto scheduler = make(1);
  for (rung::trial_id id = 0; id < 9; ++id) REQUIRE(next_job(scheduler, id) == "start " + std::to_string(id));
  for (rung::trial_id id = 0; id < 9; ++id) REQUIRE(report(scheduler, id, 1, value_of(id)) == P);
  const auto not_one = [](rung::trial_id id) { return id != 1; };  // 1, 3 and 5 go on, 1 first
  CHECK(next_job_for(scheduler, 9, not_one) == "resume 3 from 1");
  CHECK(next_job_for(scheduler, 9, not_one) == "resume 5 from 1");
  CHECK(next_job_for(scheduler, 9, not_one) == "wait");  // trial 1 stays promoted
  CHECK(next_job_for(scheduler, 9, [](rung::trial_id id) { return id == 1; }) == "resume 1 from 1");
  CHECK(next_job(scheduler, 9) == "wait");
  for (rung::trial_id id : {1, 3, 5}) REQUIRE(report(scheduler, id, 3, value_of(id)) == P);
  CHECK(next_job_for(scheduler, 9, not_one) == "wait");  // the rung's best is 1: none other goes on
  CHECK(next_job(scheduler, 9) == "resume 1 from 3");
}

TEST_CASE("resume filter: one that allows every trial decides exactly as the plain suggest") {
  const auto plain = one_worker_log([](auto& scheduler, rung::trial_id id) { return scheduler.suggest(id); });
  const auto everyone = [](rung::trial_id) { return true; };
  const auto filtered = one_worker_log([&](auto& scheduler, rung::trial_id id) {
    return scheduler.suggest(id, rung::trial_admission::new_or_paused, everyone);
  });
  CHECK(plain.size() == 2 * (9 + 3 + 1 + 5 + 1 + 3) + 1);  // every job of the pass, its decision, then the end
  CHECK(plain.back() == "exhausted");
  CHECK(filtered == plain);
}

}  // namespace test_synchronous_hyperband
