// Pause and resume through the real-time tuner, with a small scheduler that
// pauses every trial at resource 1 and resumes it once the next trial has
// paused too: in memory (the trial's state survives inside report()) and
// through checkpoints (the trial returns and is called again).
#include "rung/drivers/tuner.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>

#include "rung/results/experiment.hpp"
#include "rung/spaces/config_space.hpp"
#include "temp_dir.hpp"

namespace test_tuner_pause {

using rung_test::temp_dir;

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(0.0, 1.0));
using space_type = std::remove_const_t<decltype(space)>;
using config = space_type::config_type;

class pause_at_one {
 public:
  using config_type = config;
  static constexpr int trials = 6;

  rung::suggestion<config> suggest(rung::trial_id id) {
    if (paused_.size() >= 2 || (started_ == trials && !paused_.empty())) {
      const rung::trial_id resumed = paused_.front();
      paused_.pop_front();
      return rung::resume_trial{resumed, 1.0};
    }
    if (started_ == trials) return paused_.empty() ? rung::suggestion<config>{rung::search_exhausted{}}
                                                   : rung::suggestion<config>{rung::wait_for_trials{}};
    ++started_;
    rung::random_stream rng(static_cast<std::uint64_t>(id));
    return rung::start_trial<config>{test_tuner_pause::space.sample(rng)};
  }
  rung::decision on_report(const rung::observation& obs) {
    if (obs.resource == 1.0) {
      paused_.push_back(obs.trial);
      return rung::decision::pause_trial;
    }
    return obs.resource >= 3.0 ? rung::decision::stop_trial : rung::decision::continue_trial;
  }
  void on_trial_end(rung::trial_id, rung::trial_end) {}
  [[nodiscard]] std::string_view metric() const { return "loss"; }
  [[nodiscard]] rung::mode metric_mode() const { return rung::mode::min; }
  [[nodiscard]] std::string_view resource_attr() const { return "epoch"; }
  [[nodiscard]] std::optional<double> max_resource(const config&) const { return 3.0; }
  [[nodiscard]] const space_type& space() const { return test_tuner_pause::space; }

 private:
  int started_ = 0;
  std::deque<rung::trial_id> paused_;
};

rung::tuner<pause_at_one> make_tuner(const std::filesystem::path& root, bool in_memory, std::size_t workers = 2) {
  return {pause_at_one{}, {.n_workers = workers,
                           .stop_criterion = rung::stop_criterion{.max_num_trials_started = 100},
                           .name = "pause",
                           .experiment_root = root,
                           .log = nullptr,
                           .pause_in_memory = in_memory}};
}

void check_every_trial_completed_once_with_three_reports(const rung::tuning_result<config>& result,
                                                        const std::filesystem::path& directory) {
  CHECK(result.status.num_trials_started == pause_at_one::trials);
  CHECK(result.status.num_trials_completed == pause_at_one::trials);
  for (const auto& trial : result.trials) CHECK(trial.iterations == 3);
  const auto loaded = rung::load_experiment(directory);
  std::size_t pauses = 0;
  for (const auto& row : loaded.rows) pauses += row.decision == "PAUSE";
  CHECK(pauses == pause_at_one::trials);
}

}  // namespace

TEST_CASE("a paused blocking trial keeps its state and goes on where it stopped") {
  temp_dir dir;
  std::atomic<int> calls{0};
  auto tuner = make_tuner(dir.path, true);
  const auto result = tuner.run([&](const config& c, rung::reporter& reporter) {
    ++calls;
    double state = c.get<"x">();  // lives on this thread's stack across the pause
    for (int epoch = 1; epoch <= 3; ++epoch) {
      state += 1.0;
      const auto decision = reporter.report(epoch, state);
      REQUIRE(decision != rung::decision::pause_trial);  // in memory: report() waits instead
      if (decision == rung::decision::stop_trial) return;
    }
  });
  CHECK(calls.load() == pause_at_one::trials);  // never called again
  check_every_trial_completed_once_with_three_reports(result, result.experiment_dir);
  const auto loaded = rung::load_experiment(result.experiment_dir);
  for (const auto& trial : result.trials) {
    const auto curve = loaded.curve(trial.id) | ranges::to<std::vector>();
    REQUIRE(curve.size() == 3);
    CHECK(curve[2].metrics[0] == doctest::Approx(trial.config.get<"x">() + 3.0));
  }
}

TEST_CASE("a paused coroutine trial stays suspended inside report and resumes there") {
  temp_dir dir;
  int calls = 0;
  auto tuner = make_tuner(dir.path, true);
  const auto result = tuner.run([&](const config& c, rung::async_reporter& reporter) -> rung::awaitable<void> {
    ++calls;
    double state = c.get<"x">();
    for (int epoch = 1; epoch <= 3; ++epoch) {
      state += 1.0;
      if (co_await reporter.report(epoch, state) == rung::decision::stop_trial) co_return;
    }
  });
  CHECK(calls == pause_at_one::trials);
  check_every_trial_completed_once_with_three_reports(result, result.experiment_dir);
}

TEST_CASE("with pause_in_memory off a paused trial checkpoints, returns and is called again from its resource") {
  temp_dir dir;
  std::mutex seen_mutex;
  std::set<std::pair<rung::trial_id, double>> calls;  // (trial, resume_from)
  auto tuner = make_tuner(dir.path, false);
  const auto result = tuner.run([&](const config& c, rung::reporter& reporter) {
    {
      const std::lock_guard lock(seen_mutex);
      calls.emplace(reporter.trial(), reporter.resume_from());
    }
    const auto checkpoint = reporter.checkpoint_dir() / "state";
    double state = c.get<"x">();
    if (reporter.resume_from() > 0) std::ifstream(checkpoint) >> state;
    for (auto epoch = static_cast<int>(reporter.resume_from()) + 1; epoch <= 3; ++epoch) {
      state += 1.0;
      const auto decision = reporter.report(epoch, state);
      if (decision == rung::decision::pause_trial) {
        std::ofstream(checkpoint) << std::hexfloat << state;
        return;
      }
      if (decision == rung::decision::stop_trial) return;
    }
  });
  CHECK(calls.size() == 2 * pause_at_one::trials);
  for (rung::trial_id id = 0; id < pause_at_one::trials; ++id) {
    CHECK(calls.count({id, 0.0}) == 1);
    CHECK(calls.count({id, 1.0}) == 1);
  }
  check_every_trial_completed_once_with_three_reports(result, result.experiment_dir);
  CHECK(std::filesystem::exists(result.experiment_dir / "trials" / "0" / "checkpoints" / "state"));
}

TEST_CASE("when the tuning ends, paused trials stay Paused and their callables are released") {
  temp_dir dir;
  std::ostringstream summary;
  rung::tuner tuner(pause_at_one{}, {.n_workers = 1,
                                     .stop_criterion = rung::stop_criterion{.max_num_evaluations = 3},
                                     .print_update_interval = 0,
                                     .name = "end",
                                     .experiment_root = dir.path,
                                     .log = &summary});
  std::atomic<int> returned{0};
  const auto result = tuner.run([&](const config& c, rung::reporter& reporter) {
    for (int epoch = 1; epoch <= 3; ++epoch) {
      if (reporter.report(epoch, c.get<"x">()) == rung::decision::stop_trial) break;
    }
    ++returned;
  });
  // Trials 0 and 1 pause at 1; 0 is resumed and reports the third evaluation, where the tuning ends.
  CHECK(result.status.num_evaluations == 3);
  CHECK(returned.load() == result.status.num_trials_started);  // every callable returned: no thread left parked
  REQUIRE(result.trials.size() == 2);
  CHECK(result.trials[0].status == rung::trial_status::stopped);  // running at the end
  CHECK(result.trials[1].status == rung::trial_status::paused);
  CHECK(result.status.num_trials_paused == 1);
  CHECK(result.status.num_trials_stopped == 1);
  const auto loaded = rung::load_experiment(result.experiment_dir);
  REQUIRE(loaded.trials.size() == 2);
  CHECK(loaded.trials[0].status == "Stopped");
  CHECK(loaded.trials[1].status == "Paused");
  CHECK(loaded.finished);
  // The final status table shows it so too.
  std::istringstream printed(summary.str());
  bool shown_paused = false;
  for (std::string line; std::getline(printed, line);) {
    std::istringstream words(line);
    std::string trial;
    std::string status;
    words >> trial >> status;
    shown_paused = shown_paused || (trial == "1" && status == "Paused");
  }
  CHECK(shown_paused);
}

}  // namespace test_tuner_pause
