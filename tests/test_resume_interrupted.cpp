// Resume from anywhere, part 2: a tuning that ended while a trial was
// running (request_stop(), as a signal does, or a stop criterion such as
// max_num_evaluations) recorded that trial as cut short by its end. A resume
// carries it on, so that with 1 worker it decides exactly as a tuning never
// interrupted (issue 11, deliverable 2).
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "curve_trial.hpp"
#include "journal_history.hpp"
#include "rung/drivers/tuner.hpp"
#include "rung/results/experiment.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/schedulers/synchronous_hyperband.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "temp_dir.hpp"

namespace test_resume_interrupted {

using rung_test::temp_dir;

namespace {

// The scheduler's decisions, not what the tuning's end did to them.
constexpr rung_test::history_options as_scheduled{.ignored_reports = false, .as_scheduled = true};

constexpr const auto& space = rung_test::curve_space;
using config = rung_test::curve_config;
using searcher = rung_test::curve_searcher;
using rung_test::curve_trial;
constexpr std::int64_t max_epochs = rung_test::curve_epochs;

// The scheduler it wraps, with every on_trial_end it hears written down.
template <class Inner>
struct listening_scheduler {
  using config_type = typename Inner::config_type;
  Inner inner;
  std::shared_ptr<std::vector<std::string>> ends = std::make_shared<std::vector<std::string>>();

  rung::suggestion<config_type> suggest(rung::trial_id id) { return inner.suggest(id); }
  rung::suggestion<config_type> suggest(rung::trial_id id, rung::trial_admission admission)
    requires rung::detail::SchedulerWithAdmission<Inner>
  {
    return inner.suggest(id, admission);
  }
  rung::decision on_report(const rung::observation& observed) { return inner.on_report(observed); }
  void on_trial_end(rung::trial_id id, rung::trial_end how) {
    ends->push_back(std::to_string(id) + (how == rung::trial_end::completed ? " completed"
                                          : how == rung::trial_end::failed  ? " failed"
                                                                            : " stopped"));
    inner.on_trial_end(id, how);
  }
  [[nodiscard]] std::string_view metric() const { return inner.metric(); }
  [[nodiscard]] rung::mode metric_mode() const { return inner.metric_mode(); }
  [[nodiscard]] std::string_view resource_attr() const { return inner.resource_attr(); }
  [[nodiscard]] std::optional<double> max_resource(const config_type& c) const { return inner.max_resource(c); }
  [[nodiscard]] const auto& space() const { return inner.space(); }
};

template <class Inner>
listening_scheduler<Inner> listening(Inner inner) {
  return {std::move(inner)};
}

searcher make_searcher() { return searcher(space, {.seed = 23}); }

auto make_fifo() { return listening(rung::fifo(make_searcher(), {.metric = "loss", .max_t = max_epochs})); }

// The schedulers whose resume the issue names, each with its name.
template <class Body>
void for_each_scheduler(Body body) {
  body("fifo", make_fifo);
  body("asha promotion, 3 brackets, rungs per bracket", [] {
    return listening(rung::asha(make_searcher(), {.metric = "loss",
                                                  .max_t = max_epochs,
                                                  .type = rung::asha_type::promotion,
                                                  .brackets = 3,
                                                  .rung_system_per_bracket = true,
                                                  .seed = 5}));
  });
  body("synchronous hyperband", [] {
    return listening(rung::synchronous_hyperband(make_searcher(), {.metric = "loss", .max_t = max_epochs}));
  });
}

struct run_outcome {
  rung::tuning_result<config> result;
  std::vector<std::string> trial_ends;  // what the scheduler was told, replay included
};

// With 1 worker. With `stop_after` > 0, request_stop() is called from the
// trial right after the stop_after-th report it goes on after (counted over
// this run): the stop lands mid-trial.
template <class Make>
run_outcome tune(Make make, const std::filesystem::path& root, rung::stop_criterion stop, bool resume,
                 std::int64_t stop_after = 0) {
  auto scheduler = make();
  auto ends = scheduler.ends;
  rung::tuner tuner(std::move(scheduler), {.n_workers = 1,
                                           .stop_criterion = std::move(stop),
                                           .name = "run",
                                           .experiment_root = root,
                                           .resume = resume,
                                           .log = nullptr});
  std::int64_t going_on = 0;
  auto result = tuner.run(curve_trial{.after_report = [&](rung::decision decided) {
    if (decided == rung::decision::continue_trial && ++going_on == stop_after) tuner.request_stop();
  }});
  return {std::move(result), *ends};
}

struct cut_count {
  std::size_t reports = 0;  // a report whose decision the tuning's end turned into STOP
  std::size_t ends = 0;     // a trial_finished the tuning's end wrote
};

cut_count count_cuts(const std::filesystem::path& directory) {
  cut_count counted;
  rung::read_journal(directory / "journal.jsonl", [&](const rung::journal_event& event) {
    if (event.kind == rung::journal_event_kind::report && event.cut) ++counted.reports;
    if (event.kind == rung::journal_event_kind::trial_finished && event.cut) ++counted.ends;
  });
  return counted;
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The same history; where not, the first difference is shown.
void check_same(const std::vector<std::string>& got, const std::vector<std::string>& expected) {
  const auto [here, there] = std::mismatch(got.begin(), got.end(), expected.begin(), expected.end());
  INFO("first difference at event ", here - got.begin(), ": ", here == got.end() ? "(none)" : *here, " where ",
       there == expected.end() ? "(none)" : *there, " was expected");
  CHECK(got == expected);
}

}  // namespace

TEST_CASE("resume from anywhere, 1 worker: stopped by request_stop() mid-trial, then resumed, it decides as one never "
          "interrupted") {
  for_each_scheduler([](const std::string& name, auto make) {
    CAPTURE(name);
    const auto budget = rung::stop_criterion{.max_num_trials_started = 12};
    temp_dir reference;
    const auto whole = tune(make, reference.path, budget, false);
    const auto expected = rung_test::journal_history(reference.path / "run", as_scheduled);
    const auto going_on = std::count_if(expected.begin(), expected.end(),
                                        [](const std::string& event) { return event.ends_with(" CONTINUE"); });
    REQUIRE(going_on >= 4);
    for (const std::int64_t stop_after : {std::int64_t{1}, going_on / 3, going_on * 2 / 3, going_on}) {
      CAPTURE(stop_after);
      temp_dir dir;
      const auto first = tune(make, dir.path, budget, false, stop_after);
      REQUIRE(first.result.interrupted);
      // The trial running then is Stopped at the end of that run (as Syne Tune shows it), and marked as cut short.
      REQUIRE(count_cuts(dir.path / "run").ends == 1);
      const auto loaded = rung::load_experiment(dir.path / "run");
      CHECK(std::count_if(loaded.trials.begin(), loaded.trials.end(),
                          [](const auto& trial) { return trial.status == "Stopped"; }) >= 1);
      const auto resumed = tune(make, dir.path, budget, true);
      CHECK_FALSE(resumed.result.interrupted);
      check_same(rung_test::journal_history(dir.path / "run", as_scheduled), expected);
      // The replay tells the scheduler of no end that the run never interrupted has not.
      check_same(resumed.trial_ends, whole.trial_ends);
      CHECK(resumed.result.status.num_trials_started == whole.result.status.num_trials_started);
      CHECK(resumed.result.status.num_trials_stopped == whole.result.status.num_trials_stopped);
      CHECK(resumed.result.status.num_evaluations == whole.result.status.num_evaluations);
    }
  });
}

TEST_CASE("resume from anywhere, 1 worker: ended on max_num_evaluations mid-trial, then resumed with a larger budget, "
          "it decides as one never interrupted") {
  for_each_scheduler([](const std::string& name, auto make) {
    CAPTURE(name);
    temp_dir reference;
    const auto whole = tune(make, reference.path, rung::stop_criterion{.max_num_evaluations = 60}, false);
    const auto expected = rung_test::journal_history(reference.path / "run", as_scheduled);
    std::size_t cut_reports = 0;
    for (const std::int64_t first_evaluations : {4, 11, 17, 26, 38, 45}) {
      CAPTURE(first_evaluations);
      temp_dir dir;
      const auto first = tune(make, dir.path, rung::stop_criterion{.max_num_evaluations = first_evaluations}, false);
      REQUIRE(first.result.status.num_evaluations == first_evaluations);
      cut_reports += count_cuts(dir.path / "run").reports;
      const auto resumed = tune(make, dir.path, rung::stop_criterion{.max_num_evaluations = 60}, true);
      check_same(rung_test::journal_history(dir.path / "run", as_scheduled), expected);
      check_same(resumed.trial_ends, whole.trial_ends);
      CHECK(resumed.result.status.num_evaluations == 60);
      CHECK(resumed.result.status.num_trials_started == whole.result.status.num_trials_started);
    }
    CHECK(cut_reports > 0);  // the limit landed on reports the scheduler let go on or paused
  });
}

TEST_CASE("a report cut short by the tuning's end records the scheduler's own decision") {
  temp_dir dir;
  tune(make_fifo, dir.path, rung::stop_criterion{.max_num_evaluations = 5}, false);  // trial 0 is at epoch 5 of 9
  std::vector<rung::journal_event> last_two;
  rung::read_journal(dir.path / "run" / "journal.jsonl", [&](const rung::journal_event& event) {
    if (event.kind == rung::journal_event_kind::report || event.kind == rung::journal_event_kind::trial_finished) {
      last_two.push_back(event);
    }
  });
  REQUIRE(last_two.size() >= 2);
  const auto& report = last_two[last_two.size() - 2];
  const auto& end = last_two.back();
  CHECK(report.kind == rung::journal_event_kind::report);
  CHECK(report.resource == 5.0);
  CHECK(report.decision == "STOP");
  CHECK(report.cut);
  CHECK(report.scheduler_decision == "CONTINUE");
  CHECK(end.kind == rung::journal_event_kind::trial_finished);
  CHECK(end.status == "Stopped");
  CHECK(end.cut);
  const auto loaded = rung::load_experiment(dir.path / "run");
  REQUIRE(loaded.trials.size() == 1);
  CHECK(loaded.trials[0].status == "Stopped");  // until a resume carries it on
  CHECK(loaded.rows.back().decision == "STOP");
  // Resumed with more, the trial goes on from epoch 5 to its end, and nothing else starts.
  tune(make_fifo, dir.path, rung::stop_criterion{.max_num_evaluations = 9}, true);
  const auto resumed = rung::load_experiment(dir.path / "run");
  REQUIRE(resumed.trials.size() == 1);
  CHECK(resumed.trials[0].status == "Completed");
  CHECK(resumed.rows.size() == 9);
  CHECK(resumed.rows.back().resource == 9.0);
}

TEST_CASE("a cut report whose scheduler decision is missing or STOP is refused, naming the field") {
  temp_dir dir;
  tune(make_fifo, dir.path, rung::stop_criterion{.max_num_evaluations = 3}, false);
  const auto journal = dir.path / "run" / "journal.jsonl";
  const std::string text = read_text(journal);
  const auto edit = [&](const std::string& from, const std::string& to) {
    std::string edited = text;
    const auto at = edited.find(from);
    REQUIRE(at != std::string::npos);
    edited.replace(at, from.size(), to);
    std::ofstream(journal, std::ios::trunc) << edited;
  };
  const auto read = [&] { rung::read_journal(journal, [](const rung::journal_event&) {}); };
  edit(R"("scheduler_decision":"CONTINUE")", R"("scheduler_decision":"STOP")");
  CHECK_THROWS_WITH_AS(read(), doctest::Contains(R"(:5: scheduler_decision = "STOP": must be CONTINUE or PAUSE)"),
                       std::invalid_argument);
  edit(R"(,"scheduler_decision":"CONTINUE")", "");
  CHECK_THROWS_WITH_AS(read(), doctest::Contains("missing field 'scheduler_decision'"), std::invalid_argument);
}

TEST_CASE("a journal that goes on after a cut report within the same run is refused") {
  temp_dir dir;
  tune(make_fifo, dir.path, rung::stop_criterion{.max_num_trials_started = 2}, false);
  const auto journal = dir.path / "run" / "journal.jsonl";
  std::string text = read_text(journal);
  // Trial 0's first report, marked as the tuning's end: yet trial 0 reports again, and trial 1 starts.
  const std::string continued = R"("decision":"CONTINUE","status":"InProgress")";
  const auto at = text.find(continued);
  REQUIRE(at != std::string::npos);
  text.replace(at, continued.size(),
               R"("decision":"STOP","status":"InProgress","cut":true,"scheduler_decision":"CONTINUE")");
  std::ofstream(journal, std::ios::trunc) << text;
  CHECK_THROWS_WITH_AS(tune(make_fifo, dir.path, rung::stop_criterion{.max_num_trials_started = 3}, true),
                       doctest::Contains("cannot resume: the journal records STOP on a report of trial 0 where the "
                                         "scheduler decides otherwise, which only the tuning's end explains, yet the "
                                         "tuning goes on after it"),
                       std::invalid_argument);
}

}  // namespace test_resume_interrupted
