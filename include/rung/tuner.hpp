// The tuner: runs a scheduler's trials n_workers at a time, in real time.
//
//   rung::tuner tuner(rung::fifo_scheduler(rung::random_searcher(space, {.seed = 1}),
//                                          {.metric = "validation_error"}),
//                     {.n_workers = 4, .stop_criterion = rung::stop_criterion{.max_wallclock_time = 600}});
//   auto result = tuner.run(train);   // train: see reporter.hpp for the two forms
//   result.best_config->get<"learning_rate">();
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "rung/concepts/scheduler.hpp"
#include "rung/concepts/trial.hpp"
#include "rung/detail/asio_driver.hpp"
#include "rung/detail/tuning_session.hpp"
#include "rung/experiment_description.hpp"
#include "rung/results/experiment_recorder.hpp"
#include "rung/results/status_table.hpp"
#include "rung/tuner_options.hpp"

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

template <class S>
std::string scheduler_name(const S& scheduler) {
  if constexpr (requires { scheduler.variant(); }) {
    return std::string(scheduler.variant());
  } else if constexpr (requires { S::name; }) {
    return std::string(S::name);
  } else {
    return "custom";
  }
}

template <class S>
constexpr bool searcher_is_exhaustible() {
  if constexpr (requires { typename S::searcher_type; }) {
    return is_exhaustible_v<typename S::searcher_type>;
  } else {
    return false;
  }
}

[[noreturn]] inline void bad_tuner_option(std::string_view field, const std::string& value, std::string_view rule) {
  throw std::invalid_argument("tuner_options." + std::string(field) + " = " + value + ": " + std::string(rule));
}
}  // namespace detail

template <Scheduler S>
class tuner {
 public:
  using config_type = typename S::config_type;

  tuner(S scheduler, tuner_options options = {}) : scheduler_(std::move(scheduler)), options_(std::move(options)) {
    validate();
  }

  // Runs the tuning to its end and returns what it found. Trials are either
  // blocking callables or coroutines (see reporter.hpp).
  template <class F>
  tuning_result<config_type> run(F trial) {
    static_assert(Trial<F, config_type>,
                  "rung::tuner::run: the trial must be callable in one of these forms, where Config is the "
                  "scheduler's config_type:\n"
                  "  void (const Config&, rung::reporter&)                          -- blocking, on a worker thread\n"
                  "  rung::awaitable<void> (const Config&, rung::async_reporter&)   -- coroutine, on the io_context");
    if constexpr (Trial<F, config_type>) {
      if (!options_.record_results) {
        null_recorder recorder;
        return run_with(trial, recorder, {});
      }
      const auto directory =
          options_.experiment_root / (options_.name.empty() ? detail::timestamped_name("rung") : options_.name);
      experiment_recorder recorder(directory, scheduler_.space(), options_.resume);
      if (options_.log) *options_.log << "rung: results of trials will be saved on " << directory.string() << '\n';
      return run_with(trial, recorder, directory);
    }
  }

  [[nodiscard]] S& scheduler() noexcept { return scheduler_; }
  [[nodiscard]] const tuner_options& options() const noexcept { return options_; }

 private:
  void validate() {
    if (options_.n_workers < 1) detail::bad_tuner_option("n_workers", "0", "at least one worker is needed");
    if (options_.resume && (options_.name.empty() || !options_.record_results)) {
      detail::bad_tuner_option("resume", "true", "name the experiment to resume (.name) and keep record_results on");
    }
    if (options_.max_failures < 0) {
      detail::bad_tuner_option("max_failures", detail::to_text(options_.max_failures), "must be >= 0");
    }
    if (!(options_.print_update_interval >= 0)) {
      detail::bad_tuner_option("print_update_interval", detail::to_text(options_.print_update_interval),
                               "must be >= 0 seconds (0: only the final summary)");
    }
    if (!(options_.results_update_interval > 0)) {
      detail::bad_tuner_option("results_update_interval", detail::to_text(options_.results_update_interval),
                               "must be > 0 seconds");
    }
    const std::string metric(scheduler_.metric());
    if (options_.metrics.empty()) options_.metrics = {metric};
    for (std::size_t i = 0; i < options_.metrics.size(); ++i) {
      if (std::count(options_.metrics.begin(), options_.metrics.end(), options_.metrics[i]) > 1) {
        detail::bad_tuner_option("metrics", "'" + options_.metrics[i] + "'", "a metric is listed twice");
      }
    }
    const auto found = std::find(options_.metrics.begin(), options_.metrics.end(), metric);
    if (found == options_.metrics.end()) {
      detail::bad_tuner_option("metrics", "[" + options_.metrics.front() + ", ...]",
                               "must include the scheduler's metric '" + metric + "'");
    }
    scheduler_metric_ = static_cast<std::size_t>(found - options_.metrics.begin());
    options_.stop_criterion.validate(options_.metrics);
    if (!options_.stop_criterion.can_trigger() && !detail::searcher_is_exhaustible<S>()) {
      detail::bad_tuner_option("stop_criterion", "{}",
                               "no limit is set, so the tuning would never end: set one, e.g. "
                               "rung::stop_criterion{.max_wallclock_time = 600} or .max_num_trials_started");
    }
  }

  template <class F, class R>
  tuning_result<config_type> run_with(F& trial, R& recorder, const std::filesystem::path& directory) {
    const experiment_description description{
        .name = directory.empty() ? options_.name : directory.filename().string(),
        .metric = std::string(scheduler_.metric()),
        .mode = scheduler_.metric_mode(),
        .metric_names = options_.metrics,
        .resource_attr = std::string(scheduler_.resource_attr()),
        .hyperparameter_names = hyperparameter_names(),
        .config_space_json = scheduler_.space().describe_json(),
        .n_workers = options_.n_workers,
        .scheduler = detail::scheduler_name(scheduler_),
        .driver = "asio",
        .resumed = options_.resume};
    detail::asio_driver<S, R, F> driver(
        scheduler_, recorder, trial, options_,
        detail::session_options{options_.metrics, scheduler_metric_, options_.stop_criterion, options_.max_failures},
        directory.empty() ? std::filesystem::temp_directory_path() / "rung-trials" : directory / "trials");
    if (options_.resume) driver.replay(directory / journal_file_name);
    driver.run(description);
    auto& session = driver.session();
    tuning_result<config_type> result{.experiment_dir = directory,
                                      .metric = std::string(scheduler_.metric()),
                                      .mode = scheduler_.metric_mode(),
                                      .best_trial = session.best_trial(),
                                      .best_config = std::nullopt,
                                      .best_metric = session.best_metric(),
                                      .status = session.status(),
                                      .stop_reason = session.stopping_reason(session.status().wallclock_time),
                                      .trials = {session.trials().begin(), session.trials().end()}};
    if (result.best_trial) result.best_config = session.trial(*result.best_trial).config;
    if (options_.log) print_summary(session, result);
    return result;
  }

  template <class Session>
  void print_summary(const Session& session, const tuning_result<config_type>& result) const {
    auto& log = *options_.log;
    log << "rung: tuning finished: " << result.stop_reason;
    if (!result.experiment_dir.empty()) log << "; results of trials can be found on " << result.experiment_dir.string();
    log << "\n--------------------\nResource summary (last result is reported):\n"
        << format_status_table(session.trials(), session.status(), scheduler_.resource_attr(),
                               [&session](trial_id id) { return session.last_metrics(id); })
        << '\n';
    if (result.best_trial) {
      std::string config;
      scheduler_.space().append_json(config, *result.best_config);
      log << result.metric << ": best " << detail::to_text(result.best_metric) << " for trial-id "
          << *result.best_trial << "\nbest configuration: " << config << '\n';
    }
    log << "--------------------\n";
  }

  [[nodiscard]] std::vector<std::string> hyperparameter_names() const {
    std::vector<std::string> names;
    for (const auto& name : scheduler_.space().names()) names.emplace_back(name);
    return names;
  }

  S scheduler_;
  tuner_options options_;
  std::size_t scheduler_metric_ = 0;
};

}  // namespace rung
