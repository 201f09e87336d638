#include "rung/detail/mapped_append_file.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "rung/config_space.hpp"
#include "rung/results/experiment.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/tuner.hpp"

namespace {

struct temp_dir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("rung-journal-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  temp_dir() { std::filesystem::create_directories(path); }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

constexpr auto space = rung::config_space(rung::uniform<"x">(0.0, 1.0));
using config = decltype(space)::config_type;

}  // namespace

TEST_CASE("appends survive across windows and the file is trimmed on close") {
  temp_dir dir;
  const auto file = dir.path / "log";
  std::string expected;
  {
    rung::detail::mapped_append_file out(file);
    const std::string line(1000, 'a');
    for (std::size_t i = 0; i < 2 * rung::detail::mapped_append_file::window_size / 1000 + 7; ++i) {
      out.append(line);
      out.append("\n");
      expected += line + "\n";
    }
    CHECK(std::filesystem::file_size(file) > expected.size());  // grown ahead, in windows
  }
  CHECK(read_file(file) == expected);
  {
    rung::detail::mapped_append_file more(file);  // reopening appends after the content
    more.append("tail\n");
  }
  CHECK(read_file(file) == expected + "tail\n");
}

TEST_CASE("a tuning whose process dies keeps every event recorded before the crash") {
  temp_dir dir;
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child tunes; its fourth trial kills the process mid-run.
    rung::tuner tuner(rung::fifo_scheduler(rung::random_searcher(space, {.seed = 2}), {.metric = "loss"}),
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
}
