#include "rung/detail/journal_replay.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "rung/config_space.hpp"
#include "rung/results/experiment.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/tuner.hpp"

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(-1.0, 1.0), rung::randint<"epochs">(1, 6));
using config = decltype(space)::config_type;

struct temp_dir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("rung-resume-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  ~temp_dir() { std::filesystem::remove_all(path); }
};

// Deterministic, and continues from resume_from() as a checkpointed trial would.
rung::awaitable<void> trial(const config& c, rung::async_reporter& reporter) {
  for (auto epoch = static_cast<std::int64_t>(reporter.resume_from()) + 1; epoch <= c.get<"epochs">(); ++epoch) {
    const double loss = c.get<"x">() * c.get<"x">() + 1.0 / static_cast<double>(epoch);
    if (co_await reporter.report(static_cast<double>(epoch), loss) != rung::decision::continue_trial) co_return;
  }
}

rung::tuner<rung::fifo_scheduler<rung::random_searcher<std::remove_const_t<decltype(space)>>>> make_tuner(
    const std::filesystem::path& root, std::int64_t trials, bool resume) {
  return {rung::fifo_scheduler(rung::random_searcher(space, {.seed = 11}), {.metric = "loss"}),
          {.n_workers = 1,
           .stop_criterion = rung::stop_criterion{.max_num_trials_started = trials},
           .name = "run",
           .experiment_root = root,
           .record_results = true,
           .resume = resume,
           .log = nullptr}};
}

// What the scheduler decided and the trials reported, without the clock.
std::vector<std::string> decisions(const std::filesystem::path& directory) {
  std::vector<std::string> seen;
  rung::read_journal(directory / "journal.jsonl", [&](const rung::journal_event& event) {
    if (event.kind == rung::journal_event_kind::report) {
      seen.push_back(std::to_string(event.trial) + "@" + std::to_string(event.resource) + ":" +
                     std::to_string(event.metrics.at(0).second) + "->" + event.decision);
    } else if (event.kind == rung::journal_event_kind::trial_started) {
      std::string config_text;
      for (const auto& [name, value] : event.config) config_text += name + "=" + rung::to_text(value) + ";";
      seen.push_back("start " + std::to_string(event.trial) + " " + config_text);
    }
  });
  return seen;
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

  CHECK(decisions(cut_dir.path / "run") == decisions(whole_dir.path / "run"));
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
  CHECK(decisions(cut_dir.path / "run") == decisions(whole_dir.path / "run"));
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
  CHECK(decisions(dir.path / "run") == decisions(reference_dir.path / "run"));
}

TEST_CASE("resuming with another seed is refused, naming the first difference") {
  temp_dir dir;
  auto first = make_tuner(dir.path, 3, false);
  first.run(trial);
  rung::tuner other(rung::fifo_scheduler(rung::random_searcher(space, {.seed = 12}), {.metric = "loss"}),
                    {.n_workers = 1,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 6},
                     .name = "run",
                     .experiment_root = dir.path,
                     .resume = true,
                     .log = nullptr});
  CHECK_THROWS_WITH_AS(other.run(trial), doctest::Contains("cannot resume: the scheduler proposes"),
                       std::invalid_argument);
}

TEST_CASE("resume needs a named experiment with a journal") {
  temp_dir dir;
  CHECK_THROWS_WITH_AS(make_tuner(dir.path, 3, true).run(trial), doctest::Contains("nothing to resume"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      rung::tuner(rung::fifo_scheduler(rung::random_searcher(space), {.metric = "loss"}),
                  {.stop_criterion = rung::stop_criterion{.max_num_trials_started = 1}, .resume = true}),
      "tuner_options.resume = true: name the experiment to resume (.name) and keep record_results on",
      std::invalid_argument);
}
