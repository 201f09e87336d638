// The journal under crashes and damage: valid JSON Lines at every moment, a
// resume that cuts a damaged tail off (and says so) before it appends, and
// damage anywhere else an error naming the file and the line, for the resume
// and for load_experiment alike.
#include "rung/results/detail/journal_file.hpp"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "rung/drivers/tuner.hpp"
#include "rung/results/experiment.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "temp_dir.hpp"

namespace test_journal_durability {

// These tests write their files straight into the directory.
struct temp_dir : rung_test::temp_dir {
  temp_dir() { std::filesystem::create_directories(path); }
};

namespace {

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

// The journal's text up to the end of its `count`th line.
std::string first_lines(const std::string& text, std::size_t count) {
  std::size_t end = 0;
  for (std::size_t line = 0; line < count; ++line) end = text.find('\n', end) + 1;
  return text.substr(0, end);
}

// The 1-based number of the first line holding `needle`.
std::size_t line_of(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n')) + 1;
}

constexpr auto space = rung::config_space(rung::uniform<"x">(-1.0, 1.0), rung::randint<"epochs">(1, 6));
using config = decltype(space)::config_type;

// Deterministic, and goes on from resume_from() as a checkpointed trial would.
rung::awaitable<void> trial(const config& c, rung::async_reporter& reporter) {
  for (auto epoch = static_cast<std::int64_t>(reporter.resume_from()) + 1; epoch <= c.get<"epochs">(); ++epoch) {
    const double loss = c.get<"x">() * c.get<"x">() + 1.0 / static_cast<double>(epoch);
    if (co_await reporter.report(static_cast<double>(epoch), loss) != rung::decision::continue_trial) co_return;
  }
}

rung::tuning_result<config> tune(const std::filesystem::path& root, std::int64_t trials, bool resume,
                                 std::ostream* log = nullptr) {
  rung::tuner tuner(rung::fifo(rung::random_searcher(space, {.seed = 11}), {.metric = "loss"}),
                    {.n_workers = 1,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = trials},
                     .name = "run",
                     .experiment_root = root,
                     .resume = resume,
                     .log = log});
  return tuner.run(trial);
}

// What the scheduler decided and the trials reported, without the clock.
std::vector<std::string> decisions(const std::filesystem::path& directory) {
  std::vector<std::string> seen;
  rung::read_journal(directory / "journal.jsonl", [&](const rung::journal_event& event) {
    if (event.kind == rung::journal_event_kind::report) {
      seen.push_back(std::to_string(event.trial) + "@" + rung::detail::to_text(event.resource) + ":" +
                     rung::detail::to_text(event.metrics.at(0).second) + "->" + event.decision);
    } else if (event.kind == rung::journal_event_kind::trial_started) {
      seen.push_back("start " + std::to_string(event.trial) + " " + rung::to_text(*event.config_value("x")));
    }
  });
  return seen;
}

// Valid JSON Lines: every line complete and read, no zero byte anywhere.
void check_valid_journal(const std::filesystem::path& journal) {
  const std::string text = read_file(journal);
  CHECK(text.find('\0') == std::string::npos);
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  const auto read = rung::read_journal(journal, [](const rung::journal_event&) {});
  CHECK(!read.truncated);
  CHECK(read.events == static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')));
}

// An uninterrupted 12-trial tuning, to compare with and to damage.
struct reference_run {
  temp_dir dir;
  std::filesystem::path experiment = dir.path / "run";
  rung::tuning_result<config> result = tune(dir.path, 12, false);
  std::string journal = read_file(experiment / "journal.jsonl");

  // A copy of the experiment whose journal is `text`.
  [[nodiscard]] std::filesystem::path damaged_copy(const temp_dir& into, const std::string& text) const {
    std::filesystem::create_directories(into.path / "run");
    std::filesystem::copy_file(experiment / "metadata.json", into.path / "run" / "metadata.json");
    std::filesystem::copy_file(experiment / "results.csv", into.path / "run" / "results.csv");
    write_file(into.path / "run" / "journal.jsonl", text);
    return into.path / "run";
  }
};

}  // namespace

TEST_CASE("a journal line is in the file, complete, as soon as it is appended") {
  temp_dir dir;
  const auto file = dir.path / "journal.jsonl";
  rung::detail::journal_file out(file, rung::detail::journal_file::open_mode::create, rung::journal_sync::none);
  out.append("{\"seq\":0}\n");
  CHECK(read_file(file) == "{\"seq\":0}\n");  // no preallocated tail, nothing held back
  out.append("{\"seq\":1}\n");
  CHECK(read_file(file) == "{\"seq\":0}\n{\"seq\":1}\n");
  CHECK_THROWS_WITH_AS(
      rung::detail::journal_file(file, rung::detail::journal_file::open_mode::create, rung::journal_sync::none),
      doctest::Contains("cannot create"), std::system_error);
  out.close();
  rung::detail::journal_file more(file, rung::detail::journal_file::open_mode::append, rung::journal_sync::every_event);
  more.cut_to(10);  // as a resume cuts off a partial line before it appends
  more.append("{\"seq\":1,\"again\":true}\n");
  CHECK(read_file(file) == "{\"seq\":0}\n{\"seq\":1,\"again\":true}\n");
}

TEST_CASE("grouped lines reach the file together at commit, at a checkpoint, or at close") {
  temp_dir dir;
  const auto file = dir.path / "journal.jsonl";
  rung::detail::journal_file out(file, rung::detail::journal_file::open_mode::create, rung::journal_sync::every_event);
  out.append("{\"seq\":0}\n");
  out.group_lines();
  out.append("{\"seq\":1}\n");
  out.append("{\"seq\":2}\n");
  CHECK(read_file(file) == "{\"seq\":0}\n");  // held until the driver is about to act on them
  out.commit();
  CHECK(read_file(file) == "{\"seq\":0}\n{\"seq\":1}\n{\"seq\":2}\n");
  out.commit();  // nothing pending: nothing written twice
  out.append("{\"seq\":3}\n");
  out.checkpoint();
  CHECK(read_file(file).ends_with("{\"seq\":2}\n{\"seq\":3}\n"));
  out.append("{\"seq\":4}\n");
  out.close();
  CHECK(read_file(file).ends_with("{\"seq\":3}\n{\"seq\":4}\n"));
}

TEST_CASE("a line the disk has no room for is undone, so the journal still ends in a complete line") {
  temp_dir dir;
  const auto file = dir.path / "journal.jsonl";
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // a file size limit stands in for a full disk
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{.rlim_cur = 25, .rlim_max = 25};
    setrlimit(RLIMIT_FSIZE, &limit);
    rung::detail::journal_file out(file, rung::detail::journal_file::open_mode::create, rung::journal_sync::none);
    out.append("{\"seq\":0,\"a\":1}\n");  // 16 bytes: fits
    try {
      out.append("{\"seq\":1,\"a\":1}\n");  // 9 of them fit, then the write fails
    } catch (const std::system_error&) {
      std::_Exit(0);
    }
    std::_Exit(1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(read_file(file) == "{\"seq\":0,\"a\":1}\n");
}

TEST_CASE("a resume is refused while another tuning appends to the journal") {
  const reference_run reference;
  const rung::detail::journal_file held(reference.experiment / "journal.jsonl",
                                        rung::detail::journal_file::open_mode::append, rung::journal_sync::none);
  CHECK_THROWS_WITH_AS(tune(reference.dir.path, 13, true), doctest::Contains("is in use by another tuning"),
                       std::invalid_argument);
}

TEST_CASE("a tuning killed with SIGKILL leaves valid JSON Lines with every event recorded before the kill") {
  temp_dir dir;
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child tunes; its fourth trial kills the process mid-run.
    rung::tuner tuner(rung::fifo(rung::random_searcher(space, {.seed = 2}), {.metric = "loss"}),
                      {.n_workers = 1,
                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 100},
                       .name = "crash",
                       .experiment_root = dir.path,
                       .log = nullptr});
    tuner.run([](const config& c, rung::async_reporter& reporter) -> rung::awaitable<void> {
      co_await reporter.report(1.0, c.get<"x">());
      co_await reporter.report(2.0, c.get<"x">() / 2);
      if (reporter.trial() == 3) std::raise(SIGKILL);
    });
    std::_Exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  const auto loaded = rung::load_experiment(dir.path / "crash");
  CHECK(!loaded.finished);
  CHECK(!loaded.truncated);
  REQUIRE(loaded.trials.size() == 4);
  CHECK(loaded.rows.size() == 4 * 2);  // both reports of the trial that crashed are there
  CHECK(loaded.trials[3].status == "InProgress");
  for (std::size_t i = 0; i < 3; ++i) CHECK(loaded.trials[i].status == "Completed");
  check_valid_journal(dir.path / "crash" / "journal.jsonl");
  // pandas reads it as is (the preallocated tail of zero bytes used to defeat it).
  const std::string command = std::string(RUNG_TEST_PYTHON) + " " + RUNG_TEST_DATA_DIR +
                              "/../python/check_results_readable.py --journal-only " + (dir.path / "crash").string();
  CHECK(std::system(command.c_str()) == 0);
}

TEST_CASE("a journal whose end a crash damaged is cut back to its complete lines on resume, and stays valid") {
  const reference_run reference;
  // Up to the middle of trial 5, as a crash leaves it: trial 5 has reported once.
  const std::size_t kept = line_of(reference.journal, R"("event":"report","trial_id":5,)");
  const std::string complete = first_lines(reference.journal, kept);
  std::string text;
  SUBCASE("a line cut in half") {
    const std::string next = first_lines(reference.journal, kept + 1).substr(complete.size());
    text = complete + next.substr(0, next.size() / 2);
  }
  SUBCASE("garbage without a newline") { text = complete + "garbage"; }
  SUBCASE("the zero bytes an older rung preallocated") { text = complete + std::string(std::size_t{4} << 20U, '\0'); }
  SUBCASE("an older rung's journal, lines without seq, and its zero bytes") {
    std::istringstream lines(complete);
    for (std::string line; std::getline(lines, line);) {
      const auto seq_end = line.find(',') + 1;  // {"seq":N, is first
      text += "{" + line.substr(seq_end) + "\n";
    }
    text += std::string(std::size_t{4} << 20U, '\0');
  }
  const temp_dir dir;
  const auto experiment = reference.damaged_copy(dir, text);
  const std::size_t tail = text.size() - (text.rfind('\n') + 1);
  // load_experiment reads the complete lines and says that more followed.
  const auto read_before = rung::load_experiment(experiment);
  CHECK(read_before.truncated);
  std::size_t reports = 0;
  for (auto at = complete.find(R"("event":"report",)"); at != std::string::npos;
       at = complete.find(R"("event":"report",)", at + 1)) {
    ++reports;
  }
  CHECK(read_before.rows.size() == reports);

  std::ostringstream first_log;
  tune(dir.path, 8, true, &first_log);
  CHECK(first_log.str().find("journal.jsonl: cut off " + std::to_string(tail)) != std::string::npos);
  CHECK(first_log.str().find("after line " + std::to_string(kept)) != std::string::npos);
  check_valid_journal(experiment / "journal.jsonl");
  std::ostringstream second_log;
  const auto result = tune(dir.path, 12, true, &second_log);
  CHECK(second_log.str().find("cut off") == std::string::npos);  // nothing left to cut

  check_valid_journal(experiment / "journal.jsonl");
  CHECK(result.status.num_trials_completed == 12);
  CHECK(decisions(experiment) == decisions(reference.experiment));
  const auto loaded = rung::load_experiment(experiment);
  CHECK(loaded.finished);
  CHECK(!loaded.truncated);
  CHECK(loaded.rows.size() == rung::load_experiment(reference.experiment).rows.size());
}

TEST_CASE("a journal damaged before its last line is refused by resume and load_experiment, naming the line") {
  const reference_run reference;
  const std::size_t report = line_of(reference.journal, R"("event":"report")");
  const std::string before = first_lines(reference.journal, report - 1);
  const std::string line = first_lines(reference.journal, report).substr(before.size());
  const std::string after = reference.journal.substr(before.size() + line.size());
  std::string text;
  std::string expected;
  SUBCASE("a block of zero bytes") {
    text = before + std::string(4096, '\0') + line + after;
    expected = "journal.jsonl:" + std::to_string(report) + ": the line holds 4096 zero bytes";
  }
  SUBCASE("a duplicated report") {
    text = before + line + line + after;
    expected = "journal.jsonl:" + std::to_string(report + 1) + ": seq " + std::to_string(report - 1) + " where " +
               std::to_string(report) + " was expected: a copy of line " + std::to_string(report);
  }
  SUBCASE("a lost line") {
    text = before + after;
    expected = "journal.jsonl:" + std::to_string(report) + ": seq " + std::to_string(report) + " where " +
               std::to_string(report - 1) + " was expected: 1 line(s) missing";
  }
  SUBCASE("a line of garbage") {
    text = before + "garbage\n" + line + after;
    expected = "journal.jsonl:" + std::to_string(report) + ": JSON";
  }
  const temp_dir dir;
  const auto experiment = reference.damaged_copy(dir, text);
  const std::string results = read_file(experiment / "results.csv");
  CHECK_THROWS_WITH_AS((void)rung::load_experiment(experiment), doctest::Contains(expected.c_str()),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(tune(dir.path, 13, true), doctest::Contains(expected.c_str()), std::invalid_argument);
  // The refused resume changed nothing.
  CHECK(read_file(experiment / "journal.jsonl") == text);
  CHECK(read_file(experiment / "results.csv") == results);
  CHECK(!std::filesystem::exists(experiment / "results.csv.tmp"));
}

TEST_CASE("a resume refuses a missing, damaged or edited metadata.json, naming the file and the field") {
  const reference_run reference;
  const auto metadata = reference.experiment / "metadata.json";
  const std::string text = read_file(metadata);
  std::string expected;
  SUBCASE("missing") {
    std::filesystem::remove(metadata);
    expected = "cannot read " + metadata.string();
  }
  SUBCASE("cut short") {
    write_file(metadata, text.substr(0, text.size() / 2));
    expected = metadata.string() + ": JSON";
  }
  SUBCASE("edited") {
    const auto at = text.find(R"("metric_mode":"min")");
    REQUIRE(at != std::string::npos);
    write_file(metadata, text.substr(0, at) + R"("metric_mode":"max")" + text.substr(at + 19));
    expected = metadata.string() + R"(: metric_mode is "max", the tuner's is "min")";
  }
  CHECK_THROWS_WITH_AS(tune(reference.dir.path, 13, true), doctest::Contains(expected.c_str()),
                       std::invalid_argument);
  CHECK(read_file(reference.experiment / "journal.jsonl") == reference.journal);
}

TEST_CASE("every sync policy writes the same valid journal") {
  const reference_run reference;
  for (const auto sync : {rung::journal_sync::periodic, rung::journal_sync::every_event}) {
    CAPTURE(rung::to_string(sync));
    temp_dir dir;
    rung::tuner tuner(rung::fifo(rung::random_searcher(space, {.seed = 11}), {.metric = "loss"}),
                      {.n_workers = 1,
                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 12},
                       .name = "run",
                       .experiment_root = dir.path,
                       .journal_sync = sync,
                       .log = nullptr});
    tuner.run(trial);
    check_valid_journal(dir.path / "run" / "journal.jsonl");
    CHECK(decisions(dir.path / "run") == decisions(reference.experiment));
  }
}

}  // namespace test_journal_durability
