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
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "rung/concepts/trial.hpp"
#include "rung/drivers/detail/blocking_pool.hpp"
#include "rung/drivers/detail/journal_replay.hpp"
#include "rung/drivers/detail/process_groups.hpp"
#include "rung/drivers/detail/stop_signals.hpp"
#include "rung/drivers/detail/trial_errors.hpp"
#include "rung/drivers/detail/trial_ref.hpp"
#include "rung/drivers/detail/tuning_session.hpp"
#include "rung/reporter.hpp"
#include "rung/results/metric_resolver.hpp"
#include "rung/results/status_table.hpp"
#include "rung/tuner_options.hpp"

namespace rung::detail {

namespace asio = boost::asio;

// F: a blocking_trial_ref or coroutine_trial_ref (trial_ref.hpp), not the
// user's own trial type.
template <ConfigSpace Space, class R, class F>
class asio_driver final : public trial_host {
 public:
  using config_type = typename Space::config_type;
  static constexpr bool coroutine_trials = CoroutineTrial<F, config_type>;

  asio_driver(scheduler_ref<Space> scheduler, R& recorder, F trial, const tuner_options& options, session_options session_settings,
              std::filesystem::path trials_dir)
      : session_(scheduler, recorder, std::move(session_settings)),
        metrics_(session_.options().metric_names, session_.options().scheduler_metric),
        trial_(trial),
        options_(options),
        trials_dir_(std::move(trials_dir)),
        supervisor_timer_(io_) {
    for (std::size_t worker = options.n_workers; worker-- > 0;) free_workers_.push_back(worker);
  }

  // Rebuilds the scheduler and the session from an earlier run's journal;
  // its trials that were running are called again first, with resume_from().
  void replay(const std::filesystem::path& journal) {
    const auto summary = replay_journal(session_, session_.scheduler().space(), journal);
    resumed_at_ = summary.last_time;
    unrecorded_ends_ = summary.unrecorded_ends;
    for (const auto& record : session_.trials()) {
      if (record.status == trial_status::in_progress) relaunch_.push_back(record.id);
    }
  }

  // Runs the tuning to its end on the calling thread; `stops` delivers
  // request_stop() meanwhile.
  void run(const experiment_description& description, stop_requests& stops) {
    start_ = std::chrono::steady_clock::now() - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                    std::chrono::duration<double>(resumed_at_));
    session_.recorder().tuning_started(description, now());
    for (const trial_id id : unrecorded_ends_) session_.record_end(id, now());
    const process_groups::user keep_guardian;  // one guardian for all of this tuning's trial processes
    if (options_.handle_signals) signals_.emplace(io_, [this](int signal_number) { interrupt(signal_number); });
    const auto attached =
        stops.attach([this](int signal_number) { asio::post(io_, [this, signal_number] { interrupt(signal_number); }); });
    asio::co_spawn(io_, supervise(), asio::detached);
    io_.run();
    signals_.reset();
    const std::lock_guard lock(mutex_);
    if (failure_) std::rethrow_exception(failure_);
  }

  // The signal that interrupted the tuning (0: request_stop()), if one did.
  [[nodiscard]] std::optional<int> interrupted_by() const noexcept { return interrupted_by_; }

  [[nodiscard]] tuning_session<Space, R>& session() noexcept { return session_; }

  decision report_blocking(trial_invocation_info& info, double resource, std::span<const metric_value> metrics) override {
    auto& run = static_cast<invocation&>(info);
    std::unique_lock lock(mutex_);
    const decision outcome = record_report(run, resource, metrics);
    if (outcome != decision::pause_trial || !pause_in_memory_) return outcome;
    lock.unlock();
    run.wake.acquire();  // parked, state intact, until promoted or the tuning ends
    return run.wake_decision;
  }

  awaitable<decision> report_async(trial_invocation_info& info, double resource,
                                   std::span<const metric_value> metrics) override {
    auto& run = static_cast<invocation&>(info);
    {
      const std::lock_guard lock(mutex_);
      const decision outcome = record_report(run, resource, metrics);
      if (outcome != decision::pause_trial || !pause_in_memory_) co_return outcome;
      // Promoted within the same report (the scheduler resumed it at once):
      // no wait, the timer's cancel came before anyone waited on it.
      if (!run.suspended) co_return run.wake_decision;
    }
    boost::system::error_code cancelled;
    co_await run.wake_timer->async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
    co_return run.wake_decision;
  }

  [[nodiscard]] std::string_view scheduler_metric() const override { return metrics_.scheduler_metric_name(); }
  [[nodiscard]] std::span<const std::string> metric_names() const override {
    return session_.options().metric_names;
  }

 private:
  struct relaunch_request {
    double from_resource = 0.0;
    std::size_t worker = 0;
  };

  struct invocation : trial_invocation_info {
    std::optional<relaunch_request> relaunch;  // resumed by the scheduler before this call returned
    const config_type* config = nullptr;  // the session's record: stable, read without the lock
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

  // Under mutex_. Records the report; a pause frees the worker slot and a
  // stop criterion met begins the stop. Returns the decision.
  decision record_report(invocation& run, double resource, std::span<const metric_value> metrics) {
    const auto values = metrics_.resolve(metrics);
    const decision outcome = session_.report(run.trial, resource, values, worker_time(run), now());
    const bool paused = outcome == decision::pause_trial && pause_in_memory_;
    if (paused) {
      run.worker_time_before = worker_time(run);
      run.suspended = true;
      release_worker(run);
    }
    if (paused || (!stopping_ && !session_.stopping_reason(now()).empty())) fill_slots(nullptr);
    return outcome;
  }

  void release_worker(const invocation& run) {
    free_workers_.push_back(run.worker);
    --running_;
  }

  void fill_workers() {
    const std::lock_guard lock(mutex_);
    try {
      fill_slots(nullptr);
    } catch (...) {
      abandon(std::current_exception());
    }
  }

  // Under mutex_, on any thread. Starts or resumes trials on every free
  // worker slot, begins the stop when the tuning should end, and finishes it
  // once every callable has returned. A worker thread whose trial just
  // returned passes `run_here` to take a new blocking trial itself, sparing
  // a hand-off to another thread.
  void fill_slots(std::shared_ptr<invocation>* run_here) {
    if (finished_) return;
    if (!stopping_ && !session_.stopping_reason(now()).empty()) begin_stop();
    while (!stopping_ && !free_workers_.empty() && !relaunch_.empty()) {
      const trial_id id = relaunch_.front();
      relaunch_.erase(relaunch_.begin());
      launch(id, session_.trial(id).last_resource, run_here, take_worker());
    }
    while (!stopping_ && !free_workers_.empty()) {
      const auto job = session_.next(now());
      if (const auto* fresh = std::get_if<run_new_trial>(&job)) {
        launch(fresh->id, 0.0, run_here, take_worker());
      } else if (const auto* resumed = std::get_if<resume_paused_trial>(&job)) {
        resume(resumed->id, resumed->from_resource, run_here);
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

  void resume(trial_id id, double from_resource, std::shared_ptr<invocation>* run_here) {
    const auto found = invocations_.find(id);
    if (found == invocations_.end()) {
      launch(id, from_resource, run_here, take_worker());  // its callable returned: call it again
    } else if (found->second->suspended) {
      found->second->worker = take_worker();
      found->second->run_to = session_.trial(id).run_to;  // read by the trial once woken
      wake(*found->second, decision::continue_trial);
    } else {
      // Told to pause and still returning (saving its checkpoint): it is
      // called again once it has returned, on a slot kept for it.
      found->second->relaunch = relaunch_request{from_resource, take_worker()};
    }
  }

  void launch(trial_id id, double resume_from, std::shared_ptr<invocation>* run_here, std::size_t worker) {
    auto run = std::make_shared<invocation>();
    run->trial = id;
    run->worker = worker;
    run->resume_from = resume_from;
    run->run_to = session_.trial(id).run_to;  // set by the last start or resume, or by the replayed journal
    run->trials_dir = &trials_dir_;
    run->running_since = std::chrono::steady_clock::now();
    run->worker_time_before = session_.trial(id).worker_time;  // non-zero when called again to resume
    run->config = &session_.trial(id).config;  // records live in a deque: the address stays valid
    invocations_.emplace(id, run);
    if constexpr (coroutine_trials) {
      run->wake_timer = std::make_unique<asio::steady_timer>(io_, asio::steady_timer::time_point::max());
      // Posted: co_spawn may start the coroutine at once, and it must not run under mutex_.
      asio::post(io_, [this, run] {
        asio::co_spawn(io_, invoke_coroutine(run, *run->config),
                       asio::bind_cancellation_slot(run->cancel.slot(), [this, run](const std::exception_ptr& error) {
                         const std::lock_guard lock(mutex_);
                         try {
                           trial_returned(*run, error, nullptr);
                           fill_slots(nullptr);
                         } catch (...) {
                           abandon(std::current_exception());
                         }
                       }));
      });
    } else if (run_here != nullptr && *run_here == nullptr) {
      *run_here = std::move(run);
    } else {
      pool_.submit([this, run] { run_blocking(run); });
    }
  }

  // On a pool thread: runs blocking trials one after another for as long as
  // this thread's slot gets new work.
  void run_blocking(std::shared_ptr<invocation> run) {
    while (run) {
      std::exception_ptr error;
      try {
        reporter trial_reporter(*this, *run);
        trial_(*run->config, trial_reporter);
      } catch (...) {
        error = std::current_exception();
      }
      std::shared_ptr<invocation> next;
      const std::lock_guard lock(mutex_);
      try {
        trial_returned(*run, error, &next);
        fill_slots(&next);
      } catch (...) {
        abandon(std::current_exception());
      }
      run = std::move(next);
    }
  }

  awaitable<void> invoke_coroutine(std::shared_ptr<invocation> run, const config_type& config) {
    // When the tuning ends, cancellation aborts the operation the trial waits
    // on (it completes with operation_aborted) but later co_awaits go on, so
    // the trial's next report() returns stop_trial. It also keeps Asio 1.81's
    // co_spawn from throwing out of io_context::run when a cancelled
    // coroutine ends without having switched context.
    co_await asio::this_coro::throw_if_cancelled(false);
    async_reporter trial_reporter(*this, *run);
    co_await trial_(config, trial_reporter);
  }

  // Under mutex_: a trial's callable has returned or thrown.
  void trial_returned(invocation& run, const std::exception_ptr& error, std::shared_ptr<invocation>* run_here) {
    const double worked = worker_time(run);
    if (run.relaunch) {
      const auto relaunch = *run.relaunch;
      release_worker(run);
      invocations_.erase(run.trial);
      if (!error) {
        launch(run.trial, relaunch.from_resource, run_here, relaunch.worker);
        return;
      }
      free_workers_.push_back(relaunch.worker);  // it failed while saving: the kept slot goes back
      --running_;
      session_.trial_failed(run.trial, describe_error(error), worked, now());
      return;
    }
    if (!error || (stopping_ && is_cancellation(error))) {
      session_.trial_returned(run.trial, worked, now());
    } else {
      const std::string message = describe_error(error);
      if (options_.log) *options_.log << "trial " << run.trial << " failed: " << message << '\n';
      session_.trial_failed(run.trial, message, worked, now());
    }
    if (!run.suspended) release_worker(run);
    invocations_.erase(run.trial);
  }

  // Under mutex_: the tuning cannot go on (the scheduler or the recorder
  // threw). Trials are told to stop; run() rethrows once they have returned.
  void abandon(std::exception_ptr error) {
    if (!failure_) failure_ = std::move(error);
    if (!stopping_) begin_stop();
    if (invocations_.empty()) {
      finished_ = true;
      end_waits();
    }
  }

  // On the io_context: request_stop() (0) or a signal. The first ends the
  // tuning as a stop criterion would: nothing new starts, running trials are
  // told to stop (a child process gets SIGTERM, then SIGKILL after its grace
  // period) and recorded as stopped with their last report. Any later one
  // kills what is left of this tuning's trial processes at once.
  void interrupt(int signal_number) {
    const std::lock_guard lock(mutex_);
    if (finished_) return;
    if (interrupted_by_) {
      process_groups::instance().kill(static_cast<asio::execution_context*>(&io_), SIGKILL);
      return;
    }
    interrupted_by_ = signal_number;
    try {
      const std::string reason =
          signal_number == 0 ? "stopped by request_stop()" : "interrupted by " + signal_name(signal_number);
      session_.request_stop(reason, now());
      fill_slots(nullptr);
    } catch (...) {
      abandon(std::current_exception());
    }
  }

  // Under mutex_: the io_context's own waits end, so that run() returns.
  void end_waits() {
    asio::post(io_, [this] {
      supervisor_timer_.cancel();
      if (signals_) signals_->stop();
    });
  }

  // Prints the status table, flushes results.csv and checks the stop
  // criterion on time; sleeps on a timer in between (nothing polls).
  awaitable<void> supervise() {
    fill_workers();
    double next_print = options_.print_update_interval;
    double next_flush = options_.results_update_interval;
    for (;;) {
      double wake_at = never;
      {
        const std::lock_guard lock(mutex_);
        if (finished_) co_return;
        const double deadline = session_.options().stop.max_wallclock_time().value_or(never);
        wake_at = std::min({options_.print_update_interval > 0 ? next_print : never, next_flush,
                            deadline > now() ? deadline : never});
      }
      supervisor_timer_.expires_at(start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                std::chrono::duration<double>(wake_at)));
      boost::system::error_code cancelled;
      co_await supervisor_timer_.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
      const std::lock_guard lock(mutex_);
      if (finished_) co_return;
      try {
        const double time = now();
        if (options_.print_update_interval > 0 && time >= next_print) {
          print_status();
          next_print = time + options_.print_update_interval;
        }
        if (time >= next_flush) {
          session_.recorder().flush();
          next_flush = time + options_.results_update_interval;
        }
        fill_slots(nullptr);
      } catch (...) {
        abandon(std::current_exception());
      }
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

  // Under mutex_, on any thread: everything has returned.
  void finish() {
    finished_ = true;
    end_waits();
    if (failure_) return;
    std::string reason = session_.stopping_reason(now());
    if (reason.empty()) reason = session_.idle_reason();
    session_.finish(now(), reason);
  }

  asio::io_context io_{1};
  tuning_session<Space, R> session_;
  metric_resolver metrics_;
  F trial_;  // a trial_ref: the driver is compiled once for every trial type
  const tuner_options& options_;
  std::filesystem::path trials_dir_;
  asio::steady_timer supervisor_timer_;
  std::optional<signal_watch> signals_;  // with handle_signals, while run() runs; only on the io_context
  const bool pause_in_memory_ = options_.pause_in_memory && trial_.pauses_in_memory();
  std::chrono::steady_clock::time_point start_;
  double resumed_at_ = 0.0;          // tuner time at which a resumed tuning goes on
  std::vector<trial_id> relaunch_;   // trials running when the earlier run ended: called again first
  std::vector<trial_id> unrecorded_ends_;  // trials whose end the earlier run did not live to record
  std::exception_ptr failure_;

  std::mutex mutex_;  // guards everything below and session_
  std::vector<std::size_t> free_workers_;
  std::unordered_map<trial_id, std::shared_ptr<invocation>> invocations_;  // callables not yet returned
  std::size_t running_ = 0;  // invocations holding a worker slot
  bool stopping_ = false;
  bool finished_ = false;
  std::optional<int> interrupted_by_;
  blocking_pool pool_;  // last: its threads are joined before anything they use goes away
};

}  // namespace rung::detail
