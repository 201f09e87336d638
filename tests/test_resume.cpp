#include "rung/drivers/detail/journal_replay.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "curve_trial.hpp"
#include "journal_history.hpp"
#include "rung/drivers/tuner.hpp"
#include "rung/results/experiment.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/schedulers/median_stopping.hpp"
#include "rung/schedulers/synchronous_hyperband.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "temp_dir.hpp"

namespace test_resume {

using rung_test::temp_dir;

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(-1.0, 1.0), rung::randint<"epochs">(1, 6));
using config = decltype(space)::config_type;

// Deterministic, and continues from resume_from() as a checkpointed trial would.
rung::awaitable<void> trial(const config& c, rung::async_reporter& reporter) {
  for (auto epoch = static_cast<std::int64_t>(reporter.resume_from()) + 1; epoch <= c.get<"epochs">(); ++epoch) {
    const double loss = c.get<"x">() * c.get<"x">() + 1.0 / static_cast<double>(epoch);
    if (co_await reporter.report(static_cast<double>(epoch), loss) != rung::decision::continue_trial) co_return;
  }
}

rung::tuner<rung::fifo_scheduler<rung::random_search<std::remove_const_t<decltype(space)>>>> make_tuner(
    const std::filesystem::path& root, std::int64_t trials, bool resume) {
  return {rung::fifo(rung::random_searcher(space, {.seed = 11}), {.metric = "loss"}),
          {.n_workers = 1,
           .stop_criterion = rung::stop_criterion{.max_num_trials_started = trials},
           .name = "run",
           .experiment_root = root,
           .record_results = true,
           .resume = resume,
           .log = nullptr}};
}

std::vector<std::string> lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  return all;
}

// The experiment `from` as a crash after its first `keep` journal lines would
// have left it, in `to`.
void copy_cut(const std::filesystem::path& from, const std::filesystem::path& to, std::size_t keep) {
  std::filesystem::create_directories(to);
  std::filesystem::copy_file(from / "metadata.json", to / "metadata.json");
  const auto journal = lines(from / "journal.jsonl");
  std::ofstream out(to / "journal.jsonl");
  for (std::size_t i = 0; i < keep; ++i) out << journal.at(i) << '\n';
}

// The number of journal lines up to and including the first event `is` accepts.
template <class Predicate>
std::size_t lines_through(const std::filesystem::path& directory, Predicate is) {
  std::size_t count = 0;
  bool found = false;
  rung::read_journal(directory / "journal.jsonl", [&](const rung::journal_event& event) {
    if (found) return;
    ++count;
    found = is(event);
  });
  REQUIRE(found);
  return count;
}

}  // namespace

TEST_CASE("a tuning cut off mid-trial and resumed decides exactly as one that never stopped") {
  temp_dir whole_dir;
  temp_dir cut_dir;
  auto whole = make_tuner(whole_dir.path, 12, false);
  whole.run(trial);

  // The cut run: the whole run's journal up to the middle of trial 5, as a
  // crash would leave it (trial 5 running, nothing after).
  std::filesystem::create_directories(cut_dir.path / "run");
  std::filesystem::copy_file(whole_dir.path / "run" / "metadata.json", cut_dir.path / "run" / "metadata.json");
  const auto journal = lines(whole_dir.path / "run" / "journal.jsonl");
  std::size_t keep = 0;
  int reports_of_trial_5 = 0;
  while (reports_of_trial_5 < 1) {
    if (journal.at(keep).find(R"("event":"report","trial_id":5)") != std::string::npos) ++reports_of_trial_5;
    ++keep;
  }
  {
    std::ofstream out(cut_dir.path / "run" / "journal.jsonl");
    for (std::size_t i = 0; i < keep; ++i) out << journal[i] << '\n';
  }
  auto resumed = make_tuner(cut_dir.path, 12, true);
  const auto result = resumed.run(trial);

  CHECK(rung_test::journal_history(cut_dir.path / "run") == rung_test::journal_history(whole_dir.path / "run"));
  CHECK(result.status.num_trials_started == 12);
  CHECK(result.status.num_trials_completed == 12);
  const auto loaded = rung::load_experiment(cut_dir.path / "run");
  CHECK(loaded.finished);
  // results.csv is rewritten from the journal: one row per report, before and after the cut.
  CHECK(lines(cut_dir.path / "run" / "results.csv").size() == loaded.rows.size() + 1);
  CHECK(loaded.rows.size() == rung::load_experiment(whole_dir.path / "run").rows.size());
}

TEST_CASE("a trial that started but had not reported when the run died is called again from 0") {
  temp_dir whole_dir;
  temp_dir cut_dir;
  make_tuner(whole_dir.path, 12, false).run(trial);
  const std::size_t keep = lines_through(whole_dir.path / "run", [](const rung::journal_event& event) {
    return event.kind == rung::journal_event_kind::trial_started && event.trial == 5;
  });
  copy_cut(whole_dir.path / "run", cut_dir.path / "run", keep);
  std::vector<double> resumed_from;  // trial 5's calls
  auto recording = [&](const config& c, rung::async_reporter& reporter) -> rung::awaitable<void> {
    if (reporter.trial() == 5) resumed_from.push_back(reporter.resume_from());
    co_await trial(c, reporter);
  };
  const auto result = make_tuner(cut_dir.path, 12, true).run(recording);
  CHECK(resumed_from == std::vector<double>{0.0});
  CHECK(result.status.num_trials_failed == 0);
  CHECK(rung_test::journal_history(cut_dir.path / "run") == rung_test::journal_history(whole_dir.path / "run"));
}

TEST_CASE("a finished tuning resumed with a larger budget goes on where it ended") {
  temp_dir dir;
  auto first = make_tuner(dir.path, 5, false);
  first.run(trial);
  auto more = make_tuner(dir.path, 9, true);
  const auto result = more.run(trial);
  CHECK(result.status.num_trials_started == 9);
  temp_dir reference_dir;
  auto reference = make_tuner(reference_dir.path, 9, false);
  reference.run(trial);
  CHECK(rung_test::journal_history(dir.path / "run") == rung_test::journal_history(reference_dir.path / "run"));
}

TEST_CASE("resuming with another seed is refused, naming the first difference") {
  temp_dir dir;
  auto first = make_tuner(dir.path, 3, false);
  first.run(trial);
  rung::tuner other(rung::fifo(rung::random_searcher(space, {.seed = 12}), {.metric = "loss"}),
                    {.n_workers = 1,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 6},
                     .name = "run",
                     .experiment_root = dir.path,
                     .resume = true,
                     .log = nullptr});
  CHECK_THROWS_WITH_AS(other.run(trial), doctest::Contains("cannot resume: the scheduler proposes"),
                       std::invalid_argument);
}

TEST_CASE("a resume with a smaller budget replays the whole journal and starts nothing more") {
  temp_dir dir;
  make_tuner(dir.path, 9, false).run(trial);
  const auto before = rung_test::journal_history(dir.path / "run");
  const auto result = make_tuner(dir.path, 5, true).run(trial);
  CHECK(result.status.num_trials_started == 9);
  CHECK(rung_test::journal_history(dir.path / "run") == before);
}

TEST_CASE("a STOP in the journal that the scheduler did not decide is refused when the tuning went on after it") {
  temp_dir dir;
  make_tuner(dir.path, 4, false).run(trial);
  auto journal = lines(dir.path / "run" / "journal.jsonl");
  const auto continued = std::find_if(journal.begin(), journal.end(), [](const std::string& line) {
    return line.find(R"("decision":"CONTINUE")") != std::string::npos;
  });
  REQUIRE(continued != journal.end());
  continued->replace(continued->find("CONTINUE"), 8, "STOP");
  {
    std::ofstream out(dir.path / "run" / "journal.jsonl");
    for (const auto& line : journal) out << line << '\n';
  }
  CHECK_THROWS_WITH_AS(make_tuner(dir.path, 6, true).run(trial),
                       doctest::Contains("cannot resume: the journal records STOP on a report of trial 0 where the "
                                         "scheduler decides otherwise, which only the tuning's end explains, yet the "
                                         "tuning goes on after it"),
                       std::invalid_argument);
}

TEST_CASE("resume needs a named experiment with a journal") {
  temp_dir dir;
  CHECK_THROWS_WITH_AS(make_tuner(dir.path, 3, true).run(trial), doctest::Contains("nothing to resume"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      rung::tuner(rung::fifo(rung::random_searcher(space), {.metric = "loss"}),
                  {.stop_criterion = rung::stop_criterion{.max_num_trials_started = 1}, .resume = true}),
      "tuner_options.resume = true: name the experiment to resume (.name) and keep record_results on",
      std::invalid_argument);
}

// Resume from anywhere: every scheduler and option, interrupted by a limit
// or cut by a crash, then resumed with the full budget.
namespace {

using rung_test::curve_config;
using rung_test::curve_searcher;
using rung_test::curve_space;
using rung_test::curve_trial;
constexpr std::int64_t max_epochs = rung_test::curve_epochs;

// Every scheduler and option, each with its name: body(name, make) is called
// with a callable making a fresh scheduler.
template <class Body>
void for_each_scheduler(Body body) {
  const auto searcher = [] { return curve_searcher(curve_space, {.seed = 17}); };
  const auto asha = [&](rung::asha_type type, std::int64_t brackets, bool per_bracket) {
    return [=] {
      return rung::asha(searcher(), {.metric = "loss",
                                     .max_t = max_epochs,
                                     .type = type,
                                     .brackets = brackets,
                                     .rung_system_per_bracket = per_bracket,
                                     .seed = 3});
    };
  };
  const auto hyperband = [&](bool parallel_brackets) {
    return [=] {
      return rung::synchronous_hyperband(searcher(),
                                         {.metric = "loss", .max_t = max_epochs, .parallel_brackets = parallel_brackets});
    };
  };
  const auto fifo = [&] { return rung::fifo(searcher(), {.metric = "loss", .max_t = max_epochs}); };
  body("fifo", fifo);
  body("asha stopping", asha(rung::asha_type::stopping, 1, false));
  body("asha promotion", asha(rung::asha_type::promotion, 1, false));
  body("hyperband stopping, shared rungs", asha(rung::asha_type::stopping, 3, false));
  body("hyperband stopping, rungs per bracket", asha(rung::asha_type::stopping, 3, true));
  body("hyperband promotion, shared rungs", asha(rung::asha_type::promotion, 3, false));
  body("hyperband promotion, rungs per bracket", asha(rung::asha_type::promotion, 3, true));
  body("synchronous hyperband", hyperband(false));
  body("synchronous hyperband, parallel brackets", hyperband(true));
  body("median stopping", [&] { return rung::median_stopping(fifo(), {.grace_population = 3}); });
}

// With `interrupt_after` reports, request_stop() ends the tuning as a signal would.
template <class Make>
rung::tuning_result<curve_config> tune(Make make, const std::filesystem::path& root, std::size_t workers,
                                       rung::stop_criterion stop, bool resume, std::int64_t interrupt_after = 0) {
  rung::tuner tuner(make(), {.n_workers = workers,
                             .stop_criterion = std::move(stop),
                             .name = "run",
                             .experiment_root = root,
                             .resume = resume,
                             .log = nullptr});
  std::int64_t reports = 0;
  return tuner.run(curve_trial{.after_report = [&](rung::decision) {
    if (++reports == interrupt_after) tuner.request_stop();
  }});
}

// Nothing recorded lost or duplicated: each trial started once, ids counted
// up from 0, and its reports going up one epoch at a time from 1 (a resumed
// or relaunched trial goes on where it was), none after its end (an end the
// tuning's end cut short is carried on).
struct tally {
  std::int64_t trials = 0;
  std::int64_t reports = 0;
};
tally check_nothing_lost_or_duplicated(const std::filesystem::path& directory) {
  std::vector<double> last_resource;
  std::vector<bool> ended;
  tally counted;
  rung::read_journal(directory / "journal.jsonl", [&](const rung::journal_event& event) {
    const auto index = static_cast<std::size_t>(event.trial);
    if (event.kind == rung::journal_event_kind::trial_started) {
      CHECK(index == last_resource.size());
      last_resource.push_back(0.0);
      ended.push_back(false);
      ++counted.trials;
    } else if (event.kind == rung::journal_event_kind::report) {
      REQUIRE(index < last_resource.size());
      CHECK_FALSE(ended[index]);
      CHECK(event.resource == last_resource[index] + 1.0);
      last_resource[index] = event.resource;
      ++counted.reports;
    } else if (event.kind == rung::journal_event_kind::trial_finished) {
      REQUIRE(index < ended.size());
      CHECK_FALSE(ended[index]);
      ended[index] = !event.cut;  // cut short by the tuning's end: a resume carries it on
    }
  });
  const auto loaded = rung::load_experiment(directory);
  CHECK(loaded.finished);
  CHECK(static_cast<std::int64_t>(loaded.trials.size()) == counted.trials);
  CHECK(static_cast<std::int64_t>(loaded.rows.size()) == counted.reports);
  CHECK(lines(directory / "results.csv").size() == loaded.rows.size() + 1);  // rewritten from the journal
  return counted;
}

// The same history; where not, the first difference is shown.
void check_same(const std::vector<std::string>& got, const std::vector<std::string>& expected) {
  const auto [here, there] = std::mismatch(got.begin(), got.end(), expected.begin(), expected.end());
  INFO("first difference at event ", here - got.begin(), ": ", here == got.end() ? "(none)" : *here, " where ",
       there == expected.end() ? "(none)" : *there, " was expected");
  CHECK(got == expected);
}

bool starts_with(const std::vector<std::string>& whole, const std::vector<std::string>& prefix) {
  return prefix.size() <= whole.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}

}  // namespace

TEST_CASE("resume from anywhere, 1 worker: ended by a limit, then resumed with the full budget, it decides as one "
          "never interrupted") {
  for_each_scheduler([](const std::string& name, auto make) {
    CAPTURE(name);
    for (const bool by_evaluations : {false, true}) {
      CAPTURE(by_evaluations);
      // The full budget, and runs that end early on a trial limit (nothing is running then).
      const auto budget = by_evaluations ? rung::stop_criterion{.max_num_evaluations = 70}
                                         : rung::stop_criterion{.max_num_trials_started = 20};
      temp_dir reference;
      tune(make, reference.path, 1, budget, false);
      const auto expected = rung_test::journal_history(reference.path / "run");
      for (const std::int64_t first_trials : {1, 8, 15}) {
        CAPTURE(first_trials);
        temp_dir interrupted;
        auto limited = budget;
        limited.max_num_trials_started = first_trials;
        const auto first = tune(make, interrupted.path, 1, limited, false);
        REQUIRE(first.status.num_trials_started <= first_trials);
        const auto resumed = tune(make, interrupted.path, 1, budget, true);
        check_same(rung_test::journal_history(interrupted.path / "run"), expected);
        CHECK(resumed.status.num_trials_started == rung::load_experiment(reference.path / "run").trials.size());
      }
    }
  });
}

TEST_CASE("resume from anywhere, 1 worker: cut by a crash at any event, then resumed, it decides as one never "
          "interrupted") {
  for_each_scheduler([](const std::string& name, auto make) {
    CAPTURE(name);
    const auto budget = rung::stop_criterion{.max_num_trials_started = 12};
    temp_dir reference;
    tune(make, reference.path, 1, budget, false);
    const auto expected = rung_test::journal_history(reference.path / "run");
    const std::size_t journal_lines = lines(reference.path / "run" / "journal.jsonl").size();
    for (std::size_t keep = 2; keep < journal_lines; keep += journal_lines / 5) {
      CAPTURE(keep);
      temp_dir crashed;
      copy_cut(reference.path / "run", crashed.path / "run", keep);
      tune(make, crashed.path, 1, budget, true);
      check_same(rung_test::journal_history(crashed.path / "run"), expected);
    }
  });
}

TEST_CASE("resume from anywhere, 4 workers: nothing recorded is lost or duplicated, and the limits are met exactly") {
  for_each_scheduler([](const std::string& name, auto make) {
    CAPTURE(name);
    {  // ended by a limit on trials, then on evaluations; each time resumed with more
      temp_dir dir;
      tune(make, dir.path, 4, rung::stop_criterion{.max_num_trials_started = 7}, false);
      const auto after_first = rung_test::journal_history(dir.path / "run");
      const auto second = tune(make, dir.path, 4, rung::stop_criterion{.max_num_evaluations = 100}, true);
      const auto after_second = rung_test::journal_history(dir.path / "run");
      CHECK(starts_with(after_second, after_first));
      CHECK(check_nothing_lost_or_duplicated(dir.path / "run").reports == 100);
      const std::int64_t trials = second.status.num_trials_started + 6;
      const auto last = tune(make, dir.path, 4, rung::stop_criterion{.max_num_trials_started = trials}, true);
      CHECK(starts_with(rung_test::journal_history(dir.path / "run"), after_second));
      CHECK(last.status.num_trials_started == trials);
      CHECK(check_nothing_lost_or_duplicated(dir.path / "run").trials == trials);
    }
    const auto budget = rung::stop_criterion{.max_num_trials_started = 16};
    {  // interrupted by request_stop(), as by a signal: trials running then are stopped
      temp_dir dir;
      const auto interrupted = tune(make, dir.path, 4, budget, false, 25);
      REQUIRE(interrupted.interrupted);
      CHECK(interrupted.status.num_evaluations >= 25);  // the request is handled on the io_context, soon after
      const auto kept = rung_test::journal_history(dir.path / "run");
      const auto resumed = tune(make, dir.path, 4, budget, true);
      CHECK(starts_with(rung_test::journal_history(dir.path / "run"), kept));
      CHECK(resumed.status.num_trials_started == 16);
      CHECK(check_nothing_lost_or_duplicated(dir.path / "run").trials == 16);
    }
    // Cut by a crash: trials that were running are relaunched where they were.
    temp_dir reference;
    tune(make, reference.path, 4, budget, false);
    const std::size_t journal_lines = lines(reference.path / "run" / "journal.jsonl").size();
    for (const std::size_t keep : {journal_lines / 4, journal_lines / 2, journal_lines * 3 / 4}) {
      CAPTURE(keep);
      temp_dir crashed;
      copy_cut(reference.path / "run", crashed.path / "run", keep);
      const auto kept = rung_test::journal_history(crashed.path / "run");
      const auto resumed = tune(make, crashed.path, 4, budget, true);
      CHECK(starts_with(rung_test::journal_history(crashed.path / "run"), kept));
      CHECK(resumed.status.num_trials_started == 16);
      CHECK(check_nothing_lost_or_duplicated(crashed.path / "run").trials == 16);
    }
  });
}

TEST_CASE("a trial relaunched on resume runs to where the scheduler will pause it next") {
  const auto promotion = [] {
    return rung::asha(curve_searcher(curve_space, {.seed = 17}),
                      {.metric = "loss", .max_t = max_epochs, .type = rung::asha_type::promotion});
  };
  const auto budget = rung::stop_criterion{.max_num_trials_started = 12};
  temp_dir reference;
  tune(promotion, reference.path, 1, budget, false);
  rung::journal_event resumed;
  const std::size_t keep = lines_through(reference.path / "run", [&](const rung::journal_event& event) {
    resumed = event;
    return event.kind == rung::journal_event_kind::trial_resumed;
  });
  temp_dir crashed;
  copy_cut(reference.path / "run", crashed.path / "run", keep);
  std::vector<std::pair<double, std::optional<double>>> calls;  // the resumed trial's (resume_from, run_to)
  rung::tuner tuner(promotion(), {.n_workers = 1,
                                  .stop_criterion = budget,
                                  .name = "run",
                                  .experiment_root = crashed.path,
                                  .resume = true,
                                  .log = nullptr});
  tuner.run([&](const curve_config& c, rung::async_reporter& reporter) -> rung::awaitable<void> {
    if (reporter.trial() == resumed.trial && calls.empty()) calls.emplace_back(reporter.resume_from(), reporter.run_to());
    co_await curve_trial{}(c, reporter);
  });
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].first == resumed.from_resource);
  CHECK(calls[0].second == (resumed.from_resource < 3 ? 3.0 : 9.0));  // the next rung above, or the top
  check_same(rung_test::journal_history(crashed.path / "run"), rung_test::journal_history(reference.path / "run"));
}

}  // namespace test_resume
