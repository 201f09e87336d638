// Ending a tuning early: tuner::request_stop() from another thread, SIGINT
// and SIGTERM with handle_signals (the handling in place before comes back
// afterwards), and a second signal that kills the trials' processes at once.
#include <signal.h>

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "rung/drivers/subprocess/subprocess_trial.hpp"
#include "rung/drivers/tuner.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "process_table.hpp"
#include "temp_dir.hpp"

namespace test_signals {

using rung_test::temp_dir;

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(-1.0, 1.0));
using config = decltype(space)::config_type;

auto make_scheduler() { return rung::fifo(rung::random_searcher(space, {.seed = 3}), {.metric = "loss"}); }

std::size_t count_lines(const std::filesystem::path& file, std::string_view needle = "") {
  std::ifstream in(file);
  std::size_t count = 0;
  for (std::string line; std::getline(in, line);) count += line.find(needle) != std::string::npos;
  return count;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Waits on the io_context until the tuning ends: the timer is cancelled.
rung::awaitable<void> report_then_wait(rung::async_reporter& reporter, double x) {
  co_await reporter.report(1.0, x * x);
  boost::asio::steady_timer forever(co_await boost::asio::this_coro::executor, std::chrono::hours(1));
  boost::system::error_code cancelled;
  co_await forever.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, cancelled));
}

volatile sig_atomic_t own_handler_calls = 0;
void own_handler(int) { own_handler_calls = own_handler_calls + 1; }

// Installs `handler` for a signal for the scope; puts back what was there.
struct signal_disposition {
  int signal_number;
  struct sigaction before{};
  signal_disposition(int number, void (*handler)(int)) : signal_number(number) {
    struct sigaction action{};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    ::sigaction(signal_number, &action, &before);
  }
  ~signal_disposition() { ::sigaction(signal_number, &before, nullptr); }
  [[nodiscard]] static auto current(int number) -> void (*)(int) {
    struct sigaction now{};
    ::sigaction(number, nullptr, &now);
    return now.sa_handler;
  }
};

// The scheduler, with `hook` called after each report it takes; the hook's
// decision is the one the trial gets.
using report_hook = std::function<rung::decision(const rung::observation&, rung::decision)>;
template <class S>
struct with_report_hook : S {
  report_hook hook;
  rung::decision on_report(const rung::observation& observation) {
    return hook(observation, S::on_report(observation));
  }
};
template <class S>
with_report_hook<S> on_report(S scheduler, report_hook hook) {
  return {std::move(scheduler), std::move(hook)};
}

std::vector<int> pids_in(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<int> pids;
  for (int pid = 0; in >> pid;) pids.push_back(pid);
  return pids;
}

}  // namespace

TEST_CASE("request_stop from another thread: nothing new starts, running trials end stopped with their last report") {
  temp_dir dir;
  std::atomic<int> first_reports{0};
  std::atomic<int> told_to_stop{0};
  auto trial = [&](const config& c, rung::reporter& reporter) {
    reporter.report(1.0, c.get<"x">());
    ++first_reports;
    const auto start = std::chrono::steady_clock::now();
    while (!reporter.stop_requested() && seconds_since(start) < 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // In flight once the stop is requested: answered stop_trial, not recorded.
    if (reporter.report(2.0, 0.0) == rung::decision::stop_trial) ++told_to_stop;
  };
  rung::tuner tuner(make_scheduler(), {.n_workers = 2,
                                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 100},
                                       .experiment_root = dir.path,
                                       .log = nullptr});
  std::thread stopper([&] {
    const auto start = std::chrono::steady_clock::now();
    while (first_reports < 2 && seconds_since(start) < 10) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    tuner.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  const auto result = tuner.run(trial);
  stopper.join();
  CHECK(seconds_since(start) < 5);
  CHECK(result.interrupted);
  CHECK(result.interrupt_signal == 0);
  CHECK(result.stop_reason == "stopped by request_stop()");
  CHECK(result.status.num_trials_started == 2);
  CHECK(told_to_stop == 2);
  REQUIRE(result.trials.size() == 2);
  for (const auto& record : result.trials) {
    CHECK(record.status == rung::trial_status::stopped);
    CHECK(record.iterations == 1);
    CHECK(record.last_resource == 1.0);
  }
  CHECK(count_lines(result.experiment_dir / "results.csv") == 3);  // flushed: the header and both reports
  CHECK(count_lines(result.experiment_dir / "journal.jsonl", "stopped by request_stop()") == 1);
}

TEST_CASE("request_stop: a paused trial stays paused, the running one ends stopped") {
  std::atomic<int> reports{0};
  auto trial = [&](const config& c, rung::reporter& reporter) {
    const auto first = reporter.report(1.0, c.get<"x">());  // trial 0 is paused here, holding no worker
    ++reports;
    const auto start = std::chrono::steady_clock::now();
    while (first == rung::decision::continue_trial && !reporter.stop_requested() && seconds_since(start) < 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  const auto pause_trial_0 = [](const rung::observation& observation, rung::decision outcome) {
    return observation.trial == 0 ? rung::decision::pause_trial : outcome;
  };
  rung::tuner tuner(on_report(make_scheduler(), pause_trial_0),
                    {.n_workers = 1,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 2},
                     .record_results = false,
                     .log = nullptr});
  std::thread stopper([&] {
    const auto start = std::chrono::steady_clock::now();
    while (reports < 1 && seconds_since(start) < 10) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    tuner.request_stop();  // trial 1 has reported and runs; trial 0 is paused
  });
  const auto result = tuner.run(trial);
  stopper.join();
  REQUIRE(result.trials.size() == 2);
  CHECK(result.interrupted);
  CHECK(result.trials[0].status == rung::trial_status::paused);
  CHECK(result.trials[1].status == rung::trial_status::stopped);
  CHECK(result.status.num_trials_paused == 1);
}

TEST_CASE("an interrupted tuning's summary says how to resume it, and the resume goes on") {
  temp_dir dir;
  std::ostringstream log;
  auto options = rung::tuner_options{.n_workers = 1,
                                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 4},
                                     .name = "stopped",
                                     .experiment_root = dir.path,
                                     .log = &log};
  rung::tuner tuner(make_scheduler(), options);
  // A coroutine trial: the stop is handled on the tuner's one thread before the next trial starts.
  const auto stopped = tuner.run([&tuner](const config& c, rung::async_reporter& reporter) -> rung::awaitable<void> {
    if (reporter.trial() == 1) tuner.request_stop();
    co_await reporter.report(1.0, c.get<"x">());
  });
  REQUIRE(stopped.interrupted);
  CHECK(log.str().find("run the same tuning with tuner_options{.name = \"stopped\", .resume = true}") !=
        std::string::npos);
  options.resume = true;
  options.log = nullptr;
  rung::tuner resumed(make_scheduler(), options);
  const auto finished =
      resumed.run([](const config& c, rung::reporter& reporter) { reporter.report(1.0, c.get<"x">()); });
  CHECK_FALSE(finished.interrupted);
  CHECK(finished.status.num_trials_started == 4);
}

TEST_CASE("request_stop before run: the next tuning starts nothing; the one after runs") {
  rung::tuner tuner(make_scheduler(), {.n_workers = 2,
                                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 3},
                                       .record_results = false,
                                       .log = nullptr});
  tuner.request_stop();
  auto trial = [](const config& c, rung::reporter& reporter) { reporter.report(1.0, c.get<"x">()); };
  const auto stopped = tuner.run(trial);
  CHECK(stopped.interrupted);
  CHECK(stopped.status.num_trials_started == 0);
  const auto next = tuner.run(trial);
  CHECK_FALSE(next.interrupted);
  CHECK(next.status.num_trials_completed == 3);
}

TEST_CASE("handle_signals: SIGTERM ends the tuning; an ignored SIGINT stays ignored; both are as before afterwards") {
  const signal_disposition own_term(SIGTERM, own_handler);
  const signal_disposition ignored_int(SIGINT, SIG_IGN);
  own_handler_calls = 0;
  std::ostringstream log;
  rung::tuner tuner(make_scheduler(), {.n_workers = 2,
                                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 100},
                                       .record_results = false,
                                       .log = &log,
                                       .handle_signals = true});
  const auto result = tuner.run([](const config& c, rung::async_reporter& reporter) -> rung::awaitable<void> {
    if (reporter.trial() == 1) {
      ::kill(::getpid(), SIGINT);   // ignored by this process: no effect
      ::kill(::getpid(), SIGTERM);  // the tuner's
    }
    co_await report_then_wait(reporter, c.get<"x">());
  });
  CHECK(result.interrupted);
  CHECK(result.interrupt_signal == SIGTERM);
  CHECK(result.stop_reason == "interrupted by SIGTERM");
  CHECK(result.status.num_trials_started == 2);
  CHECK(log.str().find("rung: tuning stopped early: interrupted by SIGTERM") != std::string::npos);
  CHECK(own_handler_calls == 0);
  CHECK((signal_disposition::current(SIGTERM) == own_handler));
  CHECK((signal_disposition::current(SIGINT) == SIG_IGN));
  ::kill(::getpid(), SIGTERM);
  CHECK(own_handler_calls == 1);
}

TEST_CASE("handle_signals: SIGTERM ends programs that obey it; a second signal kills those that do not, at once") {
  const std::string data = std::string(RUNG_TEST_DATA_DIR) + "/subprocess/";
  // long_train.py reports every 10 ms for ten seconds; with --ignore_sigterm,
  // neither it nor the sleeper it forks dies of SIGTERM, and the grace
  // period would keep them for a minute.
  for (const bool obey : {true, false}) {
    CAPTURE(obey);
    temp_dir dir;
    std::vector<std::string> command = {
        RUNG_TEST_PYTHON, data + "long_train.py", "--epochs", "1000", "--sleep", "0.01"};
    if (!obey) command.emplace_back("--ignore_sigterm");
    std::set<rung::trial_id> reported;
    rung::tuner tuner(on_report(make_scheduler(),
                                [&](const rung::observation& observation, rung::decision outcome) {
                                  if (reported.insert(observation.trial).second && reported.size() == 2) {
                                    ::kill(::getpid(), SIGTERM);  // both trials run, and have reported
                                    if (!obey) ::kill(::getpid(), SIGINT);
                                  }
                                  return outcome;
                                }),
                      {.n_workers = 2,
                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 4},
                       .name = "signals",
                       .experiment_root = dir.path,
                       .log = nullptr,
                       .handle_signals = true});
    const auto start = std::chrono::steady_clock::now();
    const auto result =
        tuner.run(rung::subprocess_trial({.command = command, .stop_grace_period = 60, .log = nullptr}));
    CHECK(seconds_since(start) < 10);
    CHECK(result.interrupted);
    CHECK(result.interrupt_signal == SIGTERM);
    REQUIRE(result.trials.size() == 2);
    for (const auto& record : result.trials) {
      CHECK(record.status == rung::trial_status::stopped);
      CHECK(record.iterations >= 1);
      for (const int pid : pids_in(dir.path / "signals" / "trials" / std::to_string(record.id) / "pids")) {
        CHECK_FALSE(rung_test::process_alive(pid));  // the program and its sleeper
      }
    }
    CHECK(rung_test::children_of(::getpid()).empty());  // all reaped, the guardian too
  }
}

}  // namespace test_signals
