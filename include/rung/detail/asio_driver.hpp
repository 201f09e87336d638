// The real-time driver behind rung::tuner: one Boost.Asio io_context (run on
// the caller's thread) owns the tuning; every event (a report, a trial's
// return, a timer) is handled the moment it happens, and a worker slot that
// frees is filled at once, with no polling. Coroutine trials run on the
// io_context; blocking trials on a growing thread pool. The session (and
// the recorder behind it) is guarded by one mutex so that blocking trials
// get their decision without a round trip through the io_context.
#pragma once

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <semaphore>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "rung/concepts/trial.hpp"
#include "rung/detail/blocking_pool.hpp"
#include "rung/detail/metric_names.hpp"
#include "rung/detail/tuning_session.hpp"
#include "rung/reporter.hpp"
#include "rung/results/status_table.hpp"
#include "rung/tuner_options.hpp"

namespace rung::detail {

namespace asio = boost::asio;

template <Scheduler S, class R, class F>
class asio_driver final : public trial_host {
 public:
  using config_type = typename S::config_type;
  static constexpr bool coroutine_trials = CoroutineTrial<F, config_type>;

  asio_driver(S& scheduler, R& recorder, F& trial, const tuner_options& options, session_options session_settings,
              std::filesystem::path trials_dir)
      : session_(scheduler, recorder, std::move(session_settings)),
        metrics_(session_.options().metric_names, session_.options().scheduler_metric),
        trial_(trial),
        options_(options),
        trials_dir_(std::move(trials_dir)),
        supervisor_timer_(io_) {
    for (std::size_t worker = options.n_workers; worker-- > 0;) free_workers_.push_back(worker);
  }

  // Runs the tuning to its end on the calling thread.
  void run() {
    start_ = std::chrono::steady_clock::now();
    asio::co_spawn(io_, supervise(), [this](const std::exception_ptr& error) {
      if (error && !failure_) failure_ = error;
    });
    io_.run();
    if (failure_) std::rethrow_exception(failure_);
  }

  [[nodiscard]] tuning_session<S, R>& session() noexcept { return session_; }

  decision report_blocking(trial_invocation_info& info, double resource, std::span<const metric_value> metrics) override {
    auto& run = static_cast<invocation&>(info);
    std::unique_lock lock(mutex_);
    const decision outcome = record_report(run, resource, metrics);
    if (outcome != decision::pause_trial || !options_.pause_in_memory) return outcome;
    lock.unlock();
    run.wake.acquire();  // parked, state intact, until promoted or the tuning ends
    return run.wake_decision;
  }

  awaitable<decision> report_async(trial_invocation_info& info, double resource,
                                   std::span<const metric_value> metrics) override {
    auto& run = static_cast<invocation&>(info);
    decision outcome{};
    {
      const std::lock_guard lock(mutex_);
      outcome = record_report(run, resource, metrics);
    }
    if (outcome != decision::pause_trial || !options_.pause_in_memory) co_return outcome;
    boost::system::error_code cancelled;
    co_await run.wake_timer->async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
    co_return run.wake_decision;
  }

  [[nodiscard]] std::string_view scheduler_metric() const override { return metrics_.scheduler_metric_name(); }

 private:
  struct invocation : trial_invocation_info {
    bool suspended = false;  // paused in memory, holding no worker slot
    decision wake_decision = decision::continue_trial;
    std::binary_semaphore wake{0};                        // blocking trials wait here while paused
    std::unique_ptr<asio::steady_timer> wake_timer;       // coroutine trials wait here
    asio::cancellation_signal cancel;                     // aborts a coroutine trial's pending operation
    std::chrono::steady_clock::time_point running_since;
    double worker_time_before = 0.0;                      // seconds run before the last pause
  };

  static constexpr double never = 1e9;  // seconds (30 years): a wake-up time that does not come

  [[nodiscard]] double now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  [[nodiscard]] static double worker_time(const invocation& run) {
    if (run.suspended) return run.worker_time_before;
    return run.worker_time_before +
           std::chrono::duration<double>(std::chrono::steady_clock::now() - run.running_since).count();
  }

  // Under mutex_. Records the report and handles what the decision means for
  // the worker slot; returns the decision.
  decision record_report(invocation& run, double resource, std::span<const metric_value> metrics) {
    const auto values = metrics_.resolve(metrics);
    const bool was_stopping = stopping_;
    const decision outcome = session_.report(run.trial, resource, values, worker_time(run), now());
    if (outcome == decision::pause_trial && options_.pause_in_memory) {
      run.worker_time_before = worker_time(run);
      run.suspended = true;
      release_worker(run);
      asio::post(io_, [this] { fill_workers(); });
    }
    if (!was_stopping && !session_.stopping_reason(now()).empty()) {
      asio::post(io_, [this] { fill_workers(); });  // begins the stop on the io thread
    }
    return outcome;
  }

  void release_worker(const invocation& run) {
    free_workers_.push_back(run.worker);
    --running_;
  }

  // Starts or resumes trials on every free worker; ends the tuning when
  // nothing is left. On the io thread.
  void fill_workers() {
    std::unique_lock lock(mutex_);
    if (finished_) return;
    const auto& reason = session_.stopping_reason(now());
    if (!reason.empty() && !stopping_) begin_stop();
    while (!stopping_ && !free_workers_.empty()) {
      const auto job = session_.next(now());
      if (const auto* fresh = std::get_if<run_new_trial>(&job)) {
        launch(fresh->id, 0.0);
      } else if (const auto* resumed = std::get_if<resume_paused_trial>(&job)) {
        resume(resumed->id, resumed->from_resource);
      } else {
        if (std::holds_alternative<nothing_left_to_run>(job) && running_ == 0) begin_stop();
        break;
      }
    }
    if (stopping_ && invocations_.empty()) finish();
  }

  // Under mutex_: tells every trial the tuning ends; paused ones are woken.
  void begin_stop() {
    stopping_ = true;
    for (auto& [id, run] : invocations_) {
      run->stop_requested = true;
      if (run->suspended) wake(*run, decision::stop_trial);
      if constexpr (coroutine_trials) run->cancel.emit(asio::cancellation_type::terminal);
    }
  }

  void wake(invocation& run, decision outcome) {
    run.wake_decision = outcome;
    run.suspended = false;
    run.running_since = std::chrono::steady_clock::now();
    if constexpr (coroutine_trials) {
      run.wake_timer->cancel();
    } else {
      run.wake.release();
    }
  }

  std::size_t take_worker() {
    const std::size_t worker = free_workers_.back();
    free_workers_.pop_back();
    ++running_;
    return worker;
  }

  void resume(trial_id id, double from_resource) {
    const auto found = invocations_.find(id);
    if (found != invocations_.end() && found->second->suspended) {
      found->second->worker = take_worker();
      wake(*found->second, decision::continue_trial);
      return;
    }
    launch(id, from_resource);  // its callable returned: call it again from its checkpoint
  }

  void launch(trial_id id, double resume_from) {
    auto run = std::make_shared<invocation>();
    run->trial = id;
    run->worker = take_worker();
    run->resume_from = resume_from;
    run->checkpoint_dir = trials_dir_ / std::to_string(id) / "checkpoints";
    run->running_since = std::chrono::steady_clock::now();
    invocations_.emplace(id, run);
    const config_type& config = session_.trial(id).config;  // stable: records live in a deque
    if constexpr (coroutine_trials) {
      run->wake_timer = std::make_unique<asio::steady_timer>(io_, asio::steady_timer::time_point::max());
      // Posted: co_spawn may start the coroutine at once, and it must not run under mutex_.
      asio::post(io_, [this, run, &config] {
        asio::co_spawn(io_, invoke_coroutine(run, config),
                       asio::bind_cancellation_slot(run->cancel.slot(), [this, run](const std::exception_ptr& error) {
                         trial_returned(*run, error);
                       }));
      });
    } else {
      pool_.submit([this, run, &config] {
        std::exception_ptr error;
        try {
          reporter trial_reporter(*this, *run);
          trial_(config, trial_reporter);
        } catch (...) {
          error = std::current_exception();
        }
        asio::post(io_, [this, run, error] { trial_returned(*run, error); });
      });
    }
  }

  awaitable<void> invoke_coroutine(std::shared_ptr<invocation> run, const config_type& config) {
    async_reporter trial_reporter(*this, *run);
    co_await trial_(config, trial_reporter);
  }

  // On the io thread, when a trial's callable has returned or thrown.
  void trial_returned(invocation& run, const std::exception_ptr& error) {
    {
      const std::lock_guard lock(mutex_);
      const double worked = worker_time(run);
      if (!error || (stopping_ && is_cancellation(error))) {
        session_.trial_returned(run.trial, worked, now());
      } else {
        const std::string message = describe(error);
        if (options_.log) *options_.log << "trial " << run.trial << " failed: " << message << '\n';
        session_.trial_failed(run.trial, message, worked, now());
      }
      if (!run.suspended) release_worker(run);
      invocations_.erase(run.trial);
    }
    fill_workers();
  }

  awaitable<void> supervise() {
    fill_workers();
    double next_print = options_.print_update_interval;
    double next_flush = options_.results_update_interval;
    while (!finished_) {
      const double deadline = session_.options().stop.max_wallclock_time().value_or(never);
      const double wake_at = std::min({options_.print_update_interval > 0 ? next_print : never, next_flush,
                                       deadline > now() ? deadline : never});
      supervisor_timer_.expires_at(start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                std::chrono::duration<double>(wake_at)));
      boost::system::error_code cancelled;
      co_await supervisor_timer_.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
      if (finished_) break;
      const std::lock_guard lock(mutex_);
      const double time = now();
      if (options_.print_update_interval > 0 && time >= next_print) {
        print_status();
        next_print = time + options_.print_update_interval;
      }
      if (time >= next_flush) {
        session_.recorder().flush();
        next_flush = time + options_.results_update_interval;
      }
      if (!session_.stopping_reason(time).empty()) asio::post(io_, [this] { fill_workers(); });
    }
  }

  void print_status() const {
    if (!options_.log) return;
    *options_.log << "tuning status (last metric is reported)\n"
                  << format_status_table(session_.trials(), session_.status(),
                                         session_.scheduler().resource_attr(),
                                         [this](trial_id id) { return session_.last_metrics(id); })
                  << '\n';
  }

  // Under mutex_: everything has returned.
  void finish() {
    finished_ = true;
    std::string reason = session_.stopping_reason(now());
    if (reason.empty()) reason = "no configuration left to evaluate";
    session_.finish(now(), reason);
    supervisor_timer_.cancel();
  }

  static bool is_cancellation(const std::exception_ptr& error) {
    try {
      std::rethrow_exception(error);
    } catch (const boost::system::system_error& failure) {
      return failure.code() == asio::error::operation_aborted;
    } catch (...) {
      return false;
    }
  }

  static std::string describe(const std::exception_ptr& error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& failure) {
      return failure.what();
    } catch (...) {
      return "unknown exception";
    }
  }

  asio::io_context io_{1};
  tuning_session<S, R> session_;
  metric_names metrics_;
  F& trial_;
  const tuner_options& options_;
  std::filesystem::path trials_dir_;
  asio::steady_timer supervisor_timer_;
  std::chrono::steady_clock::time_point start_;
  std::exception_ptr failure_;

  std::mutex mutex_;  // guards everything below and session_
  std::vector<std::size_t> free_workers_;
  std::unordered_map<trial_id, std::shared_ptr<invocation>> invocations_;  // callables not yet returned
  std::size_t running_ = 0;  // invocations holding a worker slot
  bool stopping_ = false;
  bool finished_ = false;
  blocking_pool pool_;  // last: its threads are joined before anything they use goes away
};

}  // namespace rung::detail
