// The tuner: runs a scheduler's trials n_workers at a time, in real time.
//
//   rung::tuner tuner(rung::fifo(rung::random_searcher(space, {.seed = 1}),
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
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "rung/concepts/scheduler.hpp"
#include "rung/concepts/trial.hpp"
#include "rung/drivers/detail/asio_driver.hpp"
#include "rung/drivers/detail/tuning_common.hpp"
#include "rung/drivers/detail/tuning_session.hpp"
#include "rung/experiment_description.hpp"
#include "rung/results/experiment_recorder.hpp"
#include "rung/results/status_table.hpp"
#include "rung/schedulers/scheduler_ref.hpp"
#include "rung/tuner_options.hpp"

namespace rung {

namespace detail {
// tuner::run's body past the trial's and the scheduler's types: it compiles
// once per space and recorder, however many schedulers a program tunes with.
template <ConfigSpace Space, class TrialRef, class R>
tuning_result<typename Space::config_type> run_tuning(scheduler_ref<Space> scheduler, TrialRef trial, R& recorder,
                                                      const tuner_options& options, std::size_t scheduler_metric,
                                                      stop_requests& stops, const std::filesystem::path& directory) {
  const auto description =
      describe_experiment(scheduler, directory.empty() ? options.name : directory.filename().string(),
                          options.metrics, options.n_workers, "asio", options.resume);
  std::optional<scratch_trials_directory> scratch;
  if (directory.empty()) scratch.emplace();
  asio_driver<Space, R, TrialRef> driver(
      scheduler, recorder, trial, options,
      session_options{options.metrics, scheduler_metric, options.stop_criterion, options.max_failures, options.log},
      scratch ? scratch->path() : directory / "trials");
  if (options.resume) {
    if constexpr (requires { recorder.open_to_resume(description); }) {  // validate(): resuming records
      const auto kept = recorder.open_to_resume(description);
      if (kept.truncated && options.log) {
        *options.log << "rung: " << (directory / journal_file_name).string() << ": cut off " << kept.describe_tail()
                     << ", kept the " << kept.events << " complete lines before it\n";
      }
    }
    driver.replay(directory / journal_file_name);
  }
  driver.run(description, stops);
  auto result = collect_result(scheduler, driver.session(), directory);
  result.interrupted = driver.interrupted_by().has_value();
  result.interrupt_signal = driver.interrupted_by().value_or(0);
  if (options.log) print_summary(*options.log, scheduler, driver.session(), result);
  return result;
}
}  // namespace detail

template <Scheduler S>
class tuner {
 public:
  using config_type = typename S::config_type;
  using space_type = detail::space_of_t<S>;

  tuner(S scheduler, tuner_options options = {}) : scheduler_(std::move(scheduler)), options_(std::move(options)) {
    validate();
  }

  // Runs the tuning to its end and returns what it found. Trials are either
  // blocking callables or coroutines (see reporter.hpp).
  template <class F>
  tuning_result<config_type> run(F trial) {
    if constexpr (Trial<F, config_type>) {
      if (!options_.record_results) {
        null_recorder recorder;
        return run_with(trial, recorder, {});
      }
      const auto directory =
          options_.experiment_root / (options_.name.empty() ? detail::timestamped_name("rung") : options_.name);
      experiment_recorder recorder(directory, scheduler_.space(), options_.resume, options_.journal_sync);
      if (options_.log) *options_.log << "rung: results of trials will be saved on " << directory.string() << '\n';
      return run_with(trial, recorder, directory);
    } else {
      static_assert(Trial<F, config_type>,
                    "rung::tuner::run: the trial must be callable in one of these forms, where Config is the "
                    "scheduler's config_type:\n"
                    "  void (const Config&, rung::reporter&)                          -- blocking, on a worker thread\n"
                    "  rung::awaitable<void> (const Config&, rung::async_reporter&)   -- coroutine, on the io_context");
      return {};  // never reached: keeps a missing-return error out
    }
  }

  // From any thread: the running tuning (or, if none runs, the next one)
  // ends early. Nothing new starts; running trials are told to stop and are
  // recorded as stopped with their last report; paused ones stay paused;
  // results.csv is flushed and the result says `interrupted`. The journal
  // has it all: the same experiment goes on later with .resume = true. A
  // second call kills the trials' processes at once (subprocess trials).
  // Not async-signal-safe: for signals, use handle_signals or an asio::signal_set.
  void request_stop() { stops_->request(0); }

  [[nodiscard]] S& scheduler() noexcept { return scheduler_; }
  [[nodiscard]] const tuner_options& options() const noexcept { return options_; }

 private:
  void validate() {
    constexpr std::string_view who = "tuner_options";
    detail::check_workers(who, options_.n_workers);
    scheduler_metric_ = detail::check_tuner_options(scheduler_, options_, who);
  }

  // Past the trial's and the scheduler's types: what follows compiles once per space.
  template <class F, class R>
  tuning_result<config_type> run_with(F& trial, R& recorder, const std::filesystem::path& directory) {
    return detail::run_tuning(scheduler_ref<space_type>(scheduler_), detail::erase_trial<config_type>(trial),
                              recorder, options_, scheduler_metric_, *stops_, directory);
  }

  S scheduler_;
  tuner_options options_;
  std::size_t scheduler_metric_ = 0;
  std::unique_ptr<detail::stop_requests> stops_ = std::make_unique<detail::stop_requests>();  // the tuner stays movable
};

}  // namespace rung
