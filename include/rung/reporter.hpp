// How a trial talks to the tuner. A trial reports its metrics after each
// unit of resource (epoch) and learns what to do next:
//
//   blocking trial (run on a worker thread):
//     void train(const Config& config, rung::reporter& reporter) {
//       for (int epoch = 1; epoch <= 10; ++epoch) {
//         double error = train_one_epoch();
//         if (reporter.report(epoch, {{"validation_error", error}}) != rung::decision::continue_trial) return;
//       }
//     }
//   coroutine trial (run on the tuner's io_context; must not block it):
//     rung::awaitable<void> train(const Config& config, rung::async_reporter& reporter) {
//       ... if (co_await reporter.report(epoch, error) != rung::decision::continue_trial) co_return; ...
//     }
//
// Pausing costs the trial nothing: while paused, report() does not return
// (the thread or coroutine waits, its state intact, its worker slot given to
// another trial); when the scheduler promotes it, report() returns
// continue_trial and training goes on from where it was. report() returns
// pause_trial only when the tuner asks the trial to release its memory
// (tuner_options::pause_in_memory = false, or a trial type declaring
// `static constexpr bool pause_in_memory = false`, as a child process does):
// save a checkpoint under checkpoint_dir() and return; the tuner calls the
// trial again later with resume_from() set to the resource reached.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "rung/decision.hpp"

namespace rung {

template <class T>
using awaitable = boost::asio::awaitable<T>;

// One reported metric: report(epoch, {{"validation_error", 0.21}, {"loss", 0.6}}).
struct metric_value {
  std::string_view name;
  double value = 0.0;
};

namespace detail {
// What the tuner knows of one invocation of a trial's callable.
struct trial_invocation_info {
  trial_id trial = 0;
  std::size_t worker = 0;
  double resume_from = 0.0;
  std::optional<double> run_to;  // where the scheduler will next pause the trial (start_trial::run_to)
  const std::filesystem::path* trials_dir = nullptr;  // <experiment>/trials
  std::atomic<bool> stop_requested{false};
};

// The tuner, as reporters see it.
class trial_host {
 public:
  virtual decision report_blocking(trial_invocation_info& trial, double resource,
                                   std::span<const metric_value> metrics) = 0;
  virtual awaitable<decision> report_async(trial_invocation_info& trial, double resource,
                                           std::span<const metric_value> metrics) = 0;
  virtual std::string_view scheduler_metric() const = 0;
  virtual std::span<const std::string> metric_names() const = 0;

 protected:
  ~trial_host() = default;
};

class reporter_base {
 public:
  reporter_base(trial_host& host, trial_invocation_info& info) : host_(&host), info_(&info) {}

  [[nodiscard]] trial_id trial() const noexcept { return info_->trial; }
  // The worker slot (0 .. n_workers - 1) the trial runs on now: use it to
  // place the trial on a device. It may change when a paused trial resumes.
  [[nodiscard]] std::size_t worker() const noexcept { return info_->worker; }
  // The resource to continue from when the tuner calls a trial again after
  // it released its memory (0 for a fresh start).
  [[nodiscard]] double resume_from() const noexcept { return info_->resume_from; }
  // The resource at which the scheduler will next pause this trial
  // (promotion ASHA: its next rung level; synchronous Hyperband: its rung's
  // level), or its maximum resource on its last stretch; nothing when the
  // scheduler plans no pause (FIFO, stopping ASHA). Set anew whenever the
  // trial is resumed: a trial that checkpoints may save and return there by
  // itself, as a Syne Tune script told max_resource_attr does.
  [[nodiscard]] std::optional<double> run_to() const noexcept { return info_->run_to; }
  // The trial's own directory, <experiment>/trials/<id> (not created here):
  // a trial run as a program keeps its output and configuration there.
  [[nodiscard]] std::filesystem::path trial_dir() const { return *info_->trials_dir / std::to_string(info_->trial); }
  // The trial's own directory for checkpoints, <experiment>/trials/<id>/checkpoints,
  // created on first use (most trials never ask: the path is not built for them).
  [[nodiscard]] const std::filesystem::path& checkpoint_dir() const {
    if (checkpoint_dir_.empty()) {
      checkpoint_dir_ = trial_dir() / "checkpoints";
      std::filesystem::create_directories(checkpoint_dir_);
    }
    return checkpoint_dir_;
  }
  // Every metric the tuner accepts in a report (tuner_options::metrics).
  [[nodiscard]] std::span<const std::string> metric_names() const noexcept { return host_->metric_names(); }
  // True once the tuning is ending: a long epoch may check it and return early.
  [[nodiscard]] bool stop_requested() const noexcept { return info_->stop_requested.load(std::memory_order_relaxed); }

 protected:
  [[nodiscard]] metric_value scheduler_metric(double value) const { return {host_->scheduler_metric(), value}; }
  trial_host* host_;
  trial_invocation_info* info_;
  mutable std::filesystem::path checkpoint_dir_;
};
}  // namespace detail

// For blocking trials.
class reporter : public detail::reporter_base {
 public:
  using reporter_base::reporter_base;

  decision report(double resource, std::initializer_list<metric_value> metrics) {
    return host_->report_blocking(*info_, resource, std::span(metrics.begin(), metrics.size()));
  }
  decision report(double resource, std::span<const metric_value> metrics) {
    return host_->report_blocking(*info_, resource, metrics);
  }
  // Reports only the scheduler's metric.
  decision report(double resource, double metric) {
    const metric_value value = scheduler_metric(metric);
    return host_->report_blocking(*info_, resource, std::span(&value, 1));
  }
};

// For coroutine trials. Each report is itself a coroutine, so the metric
// values it was given live in its frame until the tuner has read them.
class async_reporter : public detail::reporter_base {
 public:
  using reporter_base::reporter_base;

  awaitable<decision> report(double resource, std::initializer_list<metric_value> metrics) {
    co_return co_await host_->report_async(*info_, resource, std::span(metrics.begin(), metrics.size()));
  }
  awaitable<decision> report(double resource, std::span<const metric_value> metrics) {
    co_return co_await host_->report_async(*info_, resource, metrics);
  }
  awaitable<decision> report(double resource, double metric) {
    const metric_value value = scheduler_metric(metric);
    co_return co_await host_->report_async(*info_, resource, std::span(&value, 1));
  }
};

}  // namespace rung
