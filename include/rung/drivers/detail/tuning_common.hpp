// What the real-time tuner and the simulator share around a session:
// option checks, the experiment's description, the result and the summary.
#pragma once

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "rung/concepts/scheduler.hpp"
#include "rung/experiment_description.hpp"
#include "rung/results/status_table.hpp"
#include "rung/schedulers/scheduler_ref.hpp"
#include "rung/stop_criterion.hpp"
#include "rung/tuner_options.hpp"
#include "rung/util/json_write.hpp"

namespace rung {

namespace detail {
// rung-2026-11-23-21-17-05-123, in local time, as Syne Tune names its tuners.
inline std::string timestamped_name(std::string_view prefix) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&seconds, &local);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char text[64];
  std::snprintf(text, sizeof text, "%.*s-%04d-%02d-%02d-%02d-%02d-%02d-%03d", static_cast<int>(prefix.size()),
                prefix.data(), local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min,
                local.tm_sec, static_cast<int>(millis));
  return text;
}

// Where the trials of a tuning that records nothing keep their directories
// (checkpoints, config.json, std.out): a directory of its own under the
// system's temp directory, so that a checkpoint another tuning's trial 0
// left there is never taken for this one's, removed when the tuning ends.
class scratch_trials_directory {
 public:
  scratch_trials_directory() : path_(create_unique()) {}
  scratch_trials_directory(const scratch_trials_directory&) = delete;
  scratch_trials_directory& operator=(const scratch_trials_directory&) = delete;
  ~scratch_trials_directory() {
    std::error_code ignored;  // what cannot be removed is left in the temp directory
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  // mkdtemp creates the directory under a name no other tuning holds, even
  // one started in the same millisecond by the same process.
  static std::filesystem::path create_unique() {
    std::string name = (std::filesystem::temp_directory_path() / (timestamped_name("rung-trials") + "-XXXXXX")).string();
    if (::mkdtemp(name.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "cannot create the trials' scratch directory " + name);
    }
    return name;
  }

  std::filesystem::path path_;
};

[[noreturn]] inline void bad_driver_option(std::string_view options, std::string_view field, const std::string& value,
                                           std::string_view rule) {
  throw std::invalid_argument(std::string(options) + "." + std::string(field) + " = " + value + ": " + std::string(rule));
}

// The most worker slots a driver takes: beyond any machine or cluster, and
// few enough that their bookkeeping cannot exhaust memory (1e15 would).
inline constexpr std::size_t max_workers = 1'000'000;

inline void check_workers(std::string_view options, std::size_t n_workers) {
  if (n_workers < 1) bad_driver_option(options, "n_workers", "0", "at least one worker is needed");
  if (n_workers > max_workers) {
    bad_driver_option(options, "n_workers", to_text(n_workers), "must be at most " + to_text(max_workers));
  }
}

// Why `name` cannot name an experiment, or empty: it must be one path
// component, so that the experiment stays inside experiment_root.
inline std::string_view experiment_name_problem(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find_first_of(std::string_view("/\0", 2)) != name.npos) {
    return "must be one directory name inside experiment_root: not empty, \".\" or \"..\", without '/' or NUL";
  }
  return {};
}

// The name as JSON writes it: quoted, with NUL and quotes escaped.
inline std::string quoted_name(std::string_view name) {
  std::string text;
  append_json_string(text, name);
  return text;
}

// An empty name stands for the default (a timestamped one).
inline void check_experiment_name(std::string_view options, const std::string& name) {
  if (const auto problem = experiment_name_problem(name); !name.empty() && !problem.empty()) {
    bad_driver_option(options, "name", quoted_name(name), problem);
  }
}

// Completes and checks the metric list (the scheduler's metric by default)
// and the stop criterion; returns the scheduler's metric's index.
template <class S>
std::size_t check_metrics_and_stop(const S& scheduler, std::vector<std::string>& metrics,
                                   const any_stop_criterion& stop, std::string_view options) {
  const std::string metric(scheduler.metric());
  if (metrics.empty()) metrics = {metric};
  for (const auto& name : metrics) {
    if (std::count(metrics.begin(), metrics.end(), name) > 1) {
      bad_driver_option(options, "metrics", "'" + name + "'", "a metric is listed twice");
    }
  }
  const auto found = std::find(metrics.begin(), metrics.end(), metric);
  if (found == metrics.end()) {
    bad_driver_option(options, "metrics", "[" + metrics.front() + ", ...]",
                      "must include the scheduler's metric '" + metric + "'");
  }
  stop.validate(metrics);
  if (!stop.can_trigger() && !searcher_is_exhaustible(scheduler)) {
    bad_driver_option(options, "stop_criterion", "{}",
                      "no limit is set, so the tuning would never end: set one, e.g. "
                      "rung::stop_criterion{.max_wallclock_time = 600} or .max_num_trials_started");
  }
  return static_cast<std::size_t>(found - metrics.begin());
}

// tuner_options as every real-time driver checks them (n_workers aside:
// the MPI driver counts its own); returns the scheduler's metric's index.
template <class S>
std::size_t check_tuner_options(const S& scheduler, tuner_options& options, std::string_view who) {
  check_experiment_name(who, options.name);
  if (options.resume && (options.name.empty() || !options.record_results)) {
    bad_driver_option(who, "resume", "true", "name the experiment to resume (.name) and keep record_results on");
  }
  if (options.max_failures < 0) bad_driver_option(who, "max_failures", to_text(options.max_failures), "must be >= 0");
  if (!(options.print_update_interval >= 0)) {
    bad_driver_option(who, "print_update_interval", to_text(options.print_update_interval),
                      "must be >= 0 seconds (0: only the final summary)");
  }
  if (!(options.results_update_interval > 0)) {
    bad_driver_option(who, "results_update_interval", to_text(options.results_update_interval),
                      "must be > 0 seconds");
  }
  return check_metrics_and_stop(scheduler, options.metrics, options.stop_criterion, who);
}

template <class S>
experiment_description describe_experiment(const S& scheduler, std::string name, std::vector<std::string> metrics,
                                           std::size_t n_workers, std::string driver, bool resumed) {
  std::vector<std::string> hyperparameters;
  for (const auto& hyperparameter : scheduler.space().names()) hyperparameters.emplace_back(hyperparameter);
  return {.name = std::move(name),
          .metric = std::string(scheduler.metric()),
          .mode = scheduler.metric_mode(),
          .metric_names = std::move(metrics),
          .resource_attr = std::string(scheduler.resource_attr()),
          .hyperparameter_names = std::move(hyperparameters),
          .config_space_json = scheduler.space().describe_json(),
          .n_workers = n_workers,
          .scheduler = scheduler_name(scheduler),
          .driver = std::move(driver),
          .resumed = resumed};
}

template <class S, class Session>
tuning_result<typename S::config_type> collect_result(const S& scheduler, Session& session,
                                                      std::filesystem::path directory) {
  tuning_result<typename S::config_type> result{.experiment_dir = std::move(directory),
                                                .metric = std::string(scheduler.metric()),
                                                .mode = scheduler.metric_mode(),
                                                .best_trial = session.best_trial(),
                                                .best_config = std::nullopt,
                                                .best_metric = session.best_metric(),
                                                .status = session.status(),
                                                .stop_reason = session.stopping_reason(session.status().wallclock_time),
                                                .trials = {session.trials().begin(), session.trials().end()}};
  if (result.best_trial) result.best_config = session.trial(*result.best_trial).config;
  return result;
}

// Syne Tune's closing summary: the table, the best value and configuration.
template <class S, class Session>
void print_summary(std::ostream& log, const S& scheduler, const Session& session,
                   const tuning_result<typename S::config_type>& result) {
  log << (result.interrupted ? "rung: tuning stopped early: " : "rung: tuning finished: ") << result.stop_reason;
  if (!result.experiment_dir.empty()) log << "; results of trials can be found on " << result.experiment_dir.string();
  log << "\n--------------------\nResource summary (last result is reported):\n"
      << format_status_table(session.trials(), session.status(), scheduler.resource_attr(),
                             [&session](trial_id id) { return session.last_metrics(id); })
      << '\n';
  if (result.best_trial) {
    std::string config;
    scheduler.space().append_json(config, *result.best_config);
    log << result.metric << ": best " << to_text(result.best_metric) << " for trial-id " << *result.best_trial
        << "\nbest configuration: " << config << '\n';
  }
  log << "--------------------\n";
  // An interrupted tuning is meant to go on: say how (rung-tune adds its own command line).
  if (result.interrupted && !result.experiment_dir.empty()) {
    log << "rung: the experiment can go on from where it stopped: run the same tuning with "
           "tuner_options{.name = \""
        << result.experiment_dir.filename().string() << "\", .resume = true}\n";
  }
}
}  // namespace detail

}  // namespace rung
