// The crash test: a seeded tuning runs in a child process that is killed
// with SIGKILL at chosen points (before and after a trial's first report,
// while a paused trial saves its checkpoint, at a promotion), each run
// resuming the one before, and a last run resumes to the end. The decisions
// must be those of a tuning that was never interrupted, and the journal must
// be valid JSON Lines after every kill.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "journal_history.hpp"
#include "rung/drivers/tuner.hpp"
#include "rung/results/journal.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "rung/util/json.hpp"
#include "temp_dir.hpp"

namespace test_crash_resume {

using rung_test::temp_dir;

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(-1.0, 1.0), rung::loguniform<"rate">(0.05, 1.0));
using config = decltype(space)::config_type;

// Where a run kills itself. A trial checkpoints as it goes (its state is the
// epoch reached), so a relaunch from resume_from() continues it exactly.
enum class kill_point : std::uint8_t { none, before_first_report, after_first_report, while_pausing, at_promotion };

struct kill_plan {
  kill_point point = kill_point::none;
  rung::trial_id trial = 0;  // the trial it concerns (any trial for at_promotion)
};

double loss(const config& c, std::int64_t epoch) {
  const double x = c.get<"x">() - 0.3;
  return x * x + 1.0 / (1.0 + c.get<"rate">() * static_cast<double>(epoch));
}

template <class Reporter>
bool kill_here(const kill_plan& plan, kill_point now, const Reporter& reporter) {
  if (plan.point != now) return false;
  return now == kill_point::at_promotion || plan.trial == reporter.trial();
}

void die() { ::raise(SIGKILL); }

auto coroutine_trial(kill_plan plan) {
  return [plan](const config& c, rung::async_reporter& reporter) -> rung::awaitable<void> {
    const auto from = static_cast<std::int64_t>(reporter.resume_from());
    if (from == 0 && kill_here(plan, kill_point::before_first_report, reporter)) die();
    if (from > 0 && kill_here(plan, kill_point::at_promotion, reporter)) die();
    for (std::int64_t epoch = from + 1; epoch <= 9; ++epoch) {
      const auto outcome = co_await reporter.report(static_cast<double>(epoch), loss(c, epoch));
      if (epoch == 1 && kill_here(plan, kill_point::after_first_report, reporter)) die();
      if (outcome == rung::decision::pause_trial && kill_here(plan, kill_point::while_pausing, reporter)) die();
      if (outcome != rung::decision::continue_trial) co_return;
    }
  };
}

auto blocking_trial(kill_plan plan) {
  return [plan](const config& c, rung::reporter& reporter) {
    const auto from = static_cast<std::int64_t>(reporter.resume_from());
    if (from == 0 && kill_here(plan, kill_point::before_first_report, reporter)) die();
    if (from > 0 && kill_here(plan, kill_point::at_promotion, reporter)) die();
    for (std::int64_t epoch = from + 1; epoch <= 9; ++epoch) {
      const auto outcome = reporter.report(static_cast<double>(epoch), loss(c, epoch));
      if (epoch == 1 && kill_here(plan, kill_point::after_first_report, reporter)) die();
      if (outcome == rung::decision::pause_trial && kill_here(plan, kill_point::while_pausing, reporter)) die();
      if (outcome != rung::decision::continue_trial) return;
    }
  };
}

// Promotion-type asynchronous Hyperband with rungs kept per bracket: every
// kind of state a replay must rebuild (rungs, paused trials, bracket draws).
void tune(const std::filesystem::path& root, bool resume, bool blocking, kill_plan plan) {
  rung::tuner tuner(rung::asha(rung::random_searcher(space, {.seed = 5}),
                               {.metric = "loss",
                                .grace_period = 1,
                                .reduction_factor = 3,
                                .max_t = 9,
                                .type = rung::asha_type::promotion,
                                .brackets = 2,
                                .rung_system_per_bracket = true,
                                .seed = 3}),
                    {.n_workers = 1,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 20},
                     .name = "crash",
                     .experiment_root = root,
                     .resume = resume,
                     .log = nullptr,
                     .pause_in_memory = false});
  if (blocking) {
    tuner.run(blocking_trial(plan));
  } else {
    tuner.run(coroutine_trial(plan));
  }
}

// Runs one tuning in a child process; returns its wait status.
int tune_in_child(const std::filesystem::path& root, bool resume, bool blocking, kill_plan plan) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      tune(root, resume, blocking, plan);
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
  }
  return status;
}

// Every line of the journal is one complete JSON object, with no zero byte.
void check_valid_json_lines(const std::filesystem::path& journal) {
  std::ifstream in(journal, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  CHECK(text.find('\0') == std::string::npos);
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
    CHECK_NOTHROW((void)rung::detail::parse_json(std::string_view(text).substr(start, end - start)));
    start = end + 1;
  }
}

}  // namespace

TEST_CASE("a tuning killed with SIGKILL at every kind of point and resumed decides as one never interrupted") {
  for (const bool blocking : {false, true}) {
    CAPTURE(blocking);
    temp_dir whole;
    REQUIRE(tune_in_child(whole.path, false, blocking, {}) == 0);
    const auto expected = rung_test::journal_history(whole.path / "crash");
    REQUIRE(expected.size() > 40);
    REQUIRE(std::count_if(expected.begin(), expected.end(), [](const auto& line) { return line.starts_with("resume"); }) > 0);

    temp_dir cut;
    const kill_plan kills[] = {{kill_point::before_first_report, 2},
                               {kill_point::after_first_report, 4},
                               {kill_point::while_pausing, 6},
                               {kill_point::at_promotion, 0}};
    bool resume = false;
    for (const auto& plan : kills) {
      CAPTURE(static_cast<int>(plan.point));
      const int status = tune_in_child(cut.path, resume, blocking, plan);
      REQUIRE(WIFSIGNALED(status));  // the kill point was reached
      CHECK(WTERMSIG(status) == SIGKILL);
      check_valid_json_lines(cut.path / "crash" / "journal.jsonl");
      resume = true;
    }
    REQUIRE(tune_in_child(cut.path, true, blocking, {}) == 0);
    CHECK(rung_test::journal_history(cut.path / "crash") == expected);
  }
}

}  // namespace test_crash_resume
