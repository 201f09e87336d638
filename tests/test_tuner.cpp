#include "rung/drivers/tuner.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <latch>
#include <sstream>
#include <string>
#include <vector>

#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "temp_dir.hpp"

namespace test_tuner {

using rung_test::temp_dir;

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(-1.0, 1.0), rung::randint<"epochs">(1, 3));
using config = decltype(space)::config_type;

double loss(const config& c, double epoch) { return c.get<"x">() * c.get<"x">() + 1.0 / epoch; }

auto make_scheduler(std::uint64_t seed = 1) {
  return rung::fifo(rung::random_searcher(space, {.seed = seed}), {.metric = "loss"});
}

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t count_containing(const std::vector<std::string>& lines, std::string_view needle) {
  return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
    return line.find(needle) != std::string::npos;
  }));
}

void blocking_trial(const config& c, rung::reporter& reporter) {
  for (std::int64_t epoch = 1; epoch <= c.get<"epochs">(); ++epoch) {
    if (reporter.report(static_cast<double>(epoch), loss(c, static_cast<double>(epoch))) !=
        rung::decision::continue_trial) {
      return;
    }
  }
}

rung::awaitable<void> coroutine_trial(const config& c, rung::async_reporter& reporter) {
  for (std::int64_t epoch = 1; epoch <= c.get<"epochs">(); ++epoch) {
    if (co_await reporter.report(static_cast<double>(epoch), loss(c, static_cast<double>(epoch))) !=
        rung::decision::continue_trial) {
      co_return;
    }
  }
}

}  // namespace

static_assert(rung::BlockingTrial<decltype(&blocking_trial), config>);
static_assert(rung::CoroutineTrial<decltype(&coroutine_trial), config>);
static_assert(!rung::Trial<void (*)(const config&), config>);
static_assert(!rung::BlockingTrial<decltype(&coroutine_trial), config>);

TEST_CASE("a coroutine trial runs to the trial limit and everything is recorded") {
  temp_dir dir;
  rung::tuner tuner(make_scheduler(), {.n_workers = 3,
                                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 12},
                                       .experiment_root = dir.path,
                                       .log = nullptr});
  const auto result = tuner.run(coroutine_trial);
  CHECK(result.status.num_trials_started == 12);
  CHECK(result.status.num_trials_completed == 12);
  CHECK(result.trials.size() == 12);
  std::int64_t reports = 0;
  double best = INFINITY;
  for (const auto& trial : result.trials) {
    CHECK(trial.status == rung::trial_status::completed);
    CHECK(trial.iterations == trial.config.get<"epochs">());
    reports += trial.iterations;
    best = std::min(best, loss(trial.config, static_cast<double>(trial.config.get<"epochs">())));
  }
  CHECK(result.best_metric == best);
  REQUIRE(result.best_config);
  CHECK(loss(*result.best_config, static_cast<double>(result.best_config->get<"epochs">())) == best);

  const auto journal = lines_of(result.experiment_dir / "journal.jsonl");
  CHECK(count_containing(journal, R"("event":"trial_started")") == 12);
  CHECK(count_containing(journal, R"("event":"report")") == static_cast<std::size_t>(reports));
  CHECK(count_containing(journal, R"("event":"trial_finished")") == 12);
  CHECK(count_containing(journal, R"("event":"tuning_finished")") == 1);
  const auto csv = lines_of(result.experiment_dir / "results.csv");
  REQUIRE(!csv.empty());
  CHECK(csv.front() ==
        "trial_id,st_status,st_decision,st_tuner_time,st_worker_time,st_worker_iter,epoch,loss,config_x,config_epochs");
  CHECK(csv.size() == static_cast<std::size_t>(reports) + 1);
  CHECK(std::filesystem::exists(result.experiment_dir / "metadata.json"));
}

TEST_CASE("blocking trials run on n_workers threads at once, no more") {
  std::atomic<int> running{0};
  std::atomic<int> most_running{0};
  auto trial = [&](const config& c, rung::reporter& reporter) {
    const int now_running = ++running;
    int seen = most_running.load();
    while (now_running > seen && !most_running.compare_exchange_weak(seen, now_running)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    reporter.report(1.0, loss(c, 1.0));
    --running;
  };
  rung::tuner tuner(make_scheduler(), {.n_workers = 4,
                                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 40},
                                       .record_results = false,
                                       .log = nullptr});
  const auto result = tuner.run(trial);
  CHECK(result.status.num_trials_completed == 40);
  CHECK(most_running.load() <= 4);
  CHECK(most_running.load() >= 2);
}

TEST_CASE("a trial that throws is recorded as failed with its message, and the tuning goes on") {
  temp_dir dir;
  auto trial = [](const config& c, rung::reporter& reporter) {
    reporter.report(1.0, loss(c, 1.0));
    if (c.get<"x">() > 0) throw std::runtime_error("diverged at x=" + std::to_string(c.get<"x">()));
  };
  rung::tuner tuner(make_scheduler(), {.n_workers = 2,
                                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 30},
                                       .max_failures = 1000,
                                       .experiment_root = dir.path,
                                       .log = nullptr});
  const auto result = tuner.run(trial);
  CHECK(result.status.num_trials_started == 30);
  std::int64_t failed = 0;
  for (const auto& record : result.trials) {
    if (record.config.get<"x">() > 0) {
      CHECK(record.status == rung::trial_status::failed);
      CHECK(record.error.rfind("diverged at x=", 0) == 0);
      ++failed;
    } else {
      CHECK(record.status == rung::trial_status::completed);
    }
  }
  CHECK(result.status.num_trials_failed == failed);
  CHECK(failed > 0);
  const auto journal = lines_of(result.experiment_dir / "journal.jsonl");
  CHECK(count_containing(journal, R"("status":"Failed","worker_time")") == static_cast<std::size_t>(failed));
  CHECK(count_containing(journal, R"("error":"diverged at x=)") == static_cast<std::size_t>(failed));
}

TEST_CASE("a trial that reports NaN has diverged: it fails, its report kept, and a resume replays it as failed") {
  temp_dir dir;
  // Trials with x > 0 diverge at epoch 2.
  auto trial = [](const config& c, rung::reporter& reporter) {
    for (std::int64_t epoch = 1; epoch <= 3; ++epoch) {
      const double value = c.get<"x">() > 0 && epoch == 2 ? std::nan("") : loss(c, static_cast<double>(epoch));
      if (reporter.report(static_cast<double>(epoch), value) != rung::decision::continue_trial) return;
    }
  };
  const auto options = [&](std::int64_t trials, bool resume) {
    return rung::tuner_options{.n_workers = 1,
                               .stop_criterion = rung::stop_criterion{.max_num_trials_started = trials},
                               .max_failures = 1000,
                               .name = "diverging",
                               .experiment_root = dir.path,
                               .resume = resume,
                               .log = nullptr};
  };
  rung::tuner first(make_scheduler(), options(10, false));
  const auto result = first.run(trial);
  std::int64_t diverged = 0;
  for (const auto& record : result.trials) {
    CAPTURE(record.id);
    if (record.config.get<"x">() > 0) {
      CHECK(record.status == rung::trial_status::failed);
      CHECK(record.error == "reported loss = NaN at epoch = 2");
      CHECK(record.iterations == 2);
      CHECK(record.best_metric == loss(record.config, 1.0));  // the NaN is never the best
      ++diverged;
    } else {
      CHECK(record.status == rung::trial_status::completed);
    }
  }
  REQUIRE(diverged > 0);
  CHECK(result.status.num_trials_failed == diverged);
  REQUIRE(result.best_trial.has_value());
  CHECK(result.trials[static_cast<std::size_t>(*result.best_trial)].config.get<"x">() <= 0);
  // The journal replays each diverged trial as failed again, and the tuning goes on from there.
  rung::tuner second(make_scheduler(), options(20, true));
  const auto resumed = second.run(trial);
  CHECK(resumed.status.num_trials_started == 20);
  for (std::size_t id = 0; id < result.trials.size(); ++id) CHECK(resumed.trials[id].status == result.trials[id].status);
}

TEST_CASE("the tuning ends once more trials failed than max_failures") {
  auto trial = [](const config&, rung::reporter&) { throw std::runtime_error("broken"); };
  rung::tuner tuner(make_scheduler(), {.n_workers = 1,
                                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 100},
                                       .max_failures = 2,
                                       .record_results = false,
                                       .log = nullptr});
  const auto result = tuner.run(trial);
  CHECK(result.status.num_trials_failed == 3);
  CHECK(result.stop_reason == "more trials failed (3) than max_failures (2)");
}

TEST_CASE("the stop reason gives the final failure count, trials failing while the tuning winds down included") {
  std::latch all_running(4);
  auto trial = [&](const config&, rung::reporter&) {
    all_running.arrive_and_wait();  // the second failure ends the tuning while two more are under way
    throw std::runtime_error("broken");
  };
  rung::tuner tuner(make_scheduler(), {.n_workers = 4,
                                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 4},
                                       .max_failures = 1,
                                       .record_results = false,
                                       .log = nullptr});
  const auto result = tuner.run(trial);
  CHECK(result.status.num_trials_failed == 4);
  CHECK(result.stop_reason == "more trials failed (4) than max_failures (1)");
}

TEST_CASE("a tuning that records nothing gives its trials directories of their own, removed when it ends") {
  // Each tuning's trial 0 leaves a checkpoint: the next tuning's trial 0 must start afresh.
  std::vector<std::filesystem::path> trial_dirs;
  for (int tuning = 0; tuning < 2; ++tuning) {
    rung::tuner tuner(make_scheduler(), {.n_workers = 1,
                                         .stop_criterion = rung::stop_criterion{.max_num_trials_started = 1},
                                         .record_results = false,
                                         .log = nullptr});
    tuner.run([&](const config&, rung::reporter& reporter) {
      trial_dirs.push_back(reporter.trial_dir());
      CHECK_FALSE(std::filesystem::exists(reporter.checkpoint_dir() / "state"));
      std::ofstream(reporter.checkpoint_dir() / "state") << "epoch 1\n";
      (void)reporter.report(1.0, 0.5);
    });
  }
  REQUIRE(trial_dirs.size() == 2);
  CHECK(trial_dirs[0] != trial_dirs[1]);
  CHECK_FALSE(std::filesystem::exists(trial_dirs[0]));
  CHECK_FALSE(std::filesystem::exists(trial_dirs[1]));
}

TEST_CASE("an experiment name is one directory inside experiment_root: nothing is written outside it") {
  temp_dir dir;
  const auto root = dir.path / "a" / "root";
  const auto rule = std::string(": must be one directory name inside experiment_root: not empty, \".\" or \"..\", "
                                "without '/' or NUL");
  const auto refused = [&](const std::string& name) {
    return rung::tuner(make_scheduler(), {.stop_criterion = rung::stop_criterion{.max_num_trials_started = 1},
                                          .name = name,
                                          .experiment_root = root,
                                          .log = nullptr});
  };
  CHECK_THROWS_WITH_AS(refused("../../escape"), ("tuner_options.name = \"../../escape\"" + rule).c_str(),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(refused(".."), ("tuner_options.name = \"..\"" + rule).c_str(), std::invalid_argument);
  CHECK_THROWS_WITH_AS(refused("."), ("tuner_options.name = \".\"" + rule).c_str(), std::invalid_argument);
  CHECK_THROWS_WITH_AS(refused("a/b"), ("tuner_options.name = \"a/b\"" + rule).c_str(), std::invalid_argument);
  CHECK_THROWS_WITH_AS(refused("/tmp/x"), ("tuner_options.name = \"/tmp/x\"" + rule).c_str(), std::invalid_argument);
  CHECK_THROWS_WITH_AS(refused(std::string("nul\0", 4)), ("tuner_options.name = \"nul\\u0000\"" + rule).c_str(),
                       std::invalid_argument);
  CHECK_FALSE(std::filesystem::exists(dir.path));
  auto trial = [](const config& c, rung::reporter& reporter) { reporter.report(1.0, loss(c, 1.0)); };
  CHECK(refused("..x").run(trial).experiment_dir == root / "..x");  // dots within a name are a name
}

TEST_CASE("a report with an unknown metric or a non-positive resource fails the trial, naming it") {
  auto unknown = [](const config&, rung::reporter& reporter) { reporter.report(1.0, {{"los", 0.5}}); };
  rung::tuner tuner(make_scheduler(), {.n_workers = 1,
                                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 1},
                                       .record_results = false,
                                       .log = nullptr});
  auto result = tuner.run(unknown);
  REQUIRE(result.trials.size() == 1);
  CHECK(result.trials[0].error ==
        "report(): unknown metric 'los'; the tuner expects 'loss' (declare others in tuner_options::metrics)");

  auto zero_resource = [](const config&, rung::reporter& reporter) { reporter.report(0.0, 0.5); };
  rung::tuner second(make_scheduler(), {.n_workers = 1,
                                        .stop_criterion = rung::stop_criterion{.max_num_trials_started = 1},
                                        .record_results = false,
                                        .log = nullptr});
  result = second.run(zero_resource);
  CHECK(result.trials[0].error == "report(): epoch = 0: the resource must be a positive number");
}

TEST_CASE("extra metrics are declared, recorded and may stop the tuning") {
  temp_dir dir;
  auto trial = [](const config& c, rung::reporter& reporter) {
    reporter.report(1.0, {{"loss", loss(c, 1.0)}, {"accuracy", 1.0 - std::abs(c.get<"x">())}});
  };
  rung::tuner tuner(make_scheduler(),
                    {.n_workers = 2,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 1000,
                                                            .max_metric_value = {{"accuracy", 0.95}}},
                     .metrics = {"loss", "accuracy"},
                     .experiment_root = dir.path,
                     .log = nullptr});
  const auto result = tuner.run(trial);
  CHECK(result.status.num_trials_started < 1000);
  CHECK(result.stop_reason == "accuracy went above max_metric_value 0.95");
  const auto csv = lines_of(result.experiment_dir / "results.csv");
  CHECK(csv.front().find(",loss,accuracy,") != std::string::npos);
}

TEST_CASE("bad tuner options are refused with the field and the value") {
  CHECK_THROWS_WITH_AS(rung::tuner(make_scheduler(), {.n_workers = 0}),
                       "tuner_options.n_workers = 0: at least one worker is needed", std::invalid_argument);
  // A count beyond any machine is refused before anything is allocated for it.
  CHECK_THROWS_WITH_AS(rung::tuner(make_scheduler(), {.n_workers = std::size_t{1'000'000'000'000'000}}),
                       "tuner_options.n_workers = 1000000000000000: must be at most 1000000", std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::tuner(make_scheduler(), {.n_workers = 1}),
                       "tuner_options.stop_criterion = {}: no limit is set, so the tuning would never end: set one, "
                       "e.g. rung::stop_criterion{.max_wallclock_time = 600} or .max_num_trials_started",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::tuner(make_scheduler(), {.stop_criterion = rung::stop_criterion{.max_num_evaluations = 0}}),
                       "stop_criterion.max_num_evaluations = 0: must be at least 1", std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      rung::tuner(make_scheduler(), {.stop_criterion = rung::stop_criterion{.min_metric_value = {{"acc", 0.1}}}}),
      "stop_criterion.min_metric_value = acc: no trial reports this metric (reported metrics: loss)",
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::tuner(make_scheduler(), {.stop_criterion = rung::stop_criterion{.max_num_evaluations = 5},
                                                      .metrics = {"accuracy"}}),
                       "tuner_options.metrics = [accuracy, ...]: must include the scheduler's metric 'loss'",
                       std::invalid_argument);
}

TEST_CASE("max_wallclock_time ends a tuning whose trials wait, without polling") {
  auto slow = [](const config& c, rung::async_reporter& reporter) -> rung::awaitable<void> {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, std::chrono::seconds(30));
    co_await timer.async_wait(boost::asio::use_awaitable);
    co_await reporter.report(1.0, loss(c, 1.0));
  };
  rung::tuner tuner(make_scheduler(), {.n_workers = 2,
                                       .stop_criterion = rung::stop_criterion{.max_wallclock_time = 0.2},
                                       .record_results = false,
                                       .log = nullptr});
  const auto started = std::chrono::steady_clock::now();
  const auto result = tuner.run(slow);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(took < 5.0);
  CHECK(result.status.num_trials_started == 2);
  CHECK(result.status.num_trials_stopped == 2);
  CHECK(result.stop_reason == "reached max_wallclock_time (0.2)");
}

TEST_CASE("the status table shows trials like Syne Tune's") {
  std::ostringstream log;
  rung::tuner tuner(make_scheduler(), {.n_workers = 1,
                                       .stop_criterion = rung::stop_criterion{.max_num_trials_started = 3},
                                       .record_results = false,
                                       .log = &log});
  tuner.run(blocking_trial);
  const std::string text = log.str();
  CHECK(text.find(" trial_id     status  iter") != std::string::npos);
  CHECK(text.find("0 trials running, 3 finished (3 until the end)") != std::string::npos);
  CHECK(text.find("loss: best ") != std::string::npos);
  CHECK(text.find("best configuration: {\"x\":") != std::string::npos);
}

}  // namespace test_tuner
