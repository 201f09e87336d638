// A worker rank of the MPI driver, with no MPI in it: it takes rank 0's
// messages as text and leaves its own in an outbox, which the transport
// sends. Trials run in this process: blocking ones on a thread pool (a
// paused one keeps its thread, parked inside report()), coroutines on the
// rank's io_context, which the transport's loop polls. A report goes to
// rank 0 and the trial waits for the decision, unless the scheduler promised
// to let it go on (continues_below, in wire.hpp); a trial paused in memory
// waits on until rank 0 resumes or stops it.
#pragma once

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "rung/concepts/trial.hpp"
#include "rung/drivers/detail/blocking_pool.hpp"
#include "rung/drivers/detail/trial_errors.hpp"
#include "rung/drivers/mpi/detail/wire.hpp"
#include "rung/reporter.hpp"
#include "rung/results/metric_resolver.hpp"

namespace rung::detail {

// F: a blocking_trial_ref or coroutine_trial_ref (trial_ref.hpp).
template <class Space, class F>
class mpi_worker_host final : public trial_host {
 public:
  using config_type = typename Space::config_type;
  static constexpr bool coroutine_trials = CoroutineTrial<F, config_type>;

  // Says hello at once: the first message rank 0 reads from this rank.
  mpi_worker_host(const Space& space, F trial, boost::asio::io_context& io, std::int64_t slots,
                  std::uint64_t fingerprint, std::span<const std::string> metric_names, std::size_t scheduler_metric)
      : space_(space), trial_(trial), io_(io), metrics_(metric_names, scheduler_metric),
        metric_names_(metric_names.begin(), metric_names.end()), scheduler_metric_(scheduler_metric) {
    outbox_.push_back(wire::encode_hello(slots, fingerprint));
  }

  // A message from rank 0, on the transport's thread (the io_context's).
  void receive(std::string_view text) {
    const std::lock_guard lock(mutex_);
    if (said_goodbye_) return;
    try {
      std::visit([this](auto&& message) { handle(std::move(message)); }, wire::decode_to_worker(text, "from rank 0"));
    } catch (const std::exception& failure) {
      outbox_.push_back(wire::encode_error(failure.what()));  // rank 0 abandons the tuning, naming this rank
    }
  }

  // Returns once a message waits in the outbox, or after `most`.
  void wait_for_outbox(std::chrono::microseconds most) {
    std::unique_lock lock(mutex_);
    outbox_ready_.wait_for(lock, most, [this] { return !outbox_.empty(); });
  }

  [[nodiscard]] std::vector<std::string> take_outbox() {
    const std::lock_guard lock(mutex_);
    return std::exchange(outbox_, {});
  }

  // A trial waits for rank 0's answer to its report (and is not paused): it
  // comes within a round trip, so the loop polls for it without napping.
  [[nodiscard]] bool expecting_answer() const {
    const std::lock_guard lock(mutex_);
    return std::any_of(invocations_.begin(), invocations_.end(), [](const auto& entry) {
      const invocation& run = *entry.second;
      return run.waiting && !run.paused && !run.answer;
    });
  }

  // Rank 0 shut this rank down, its trials have returned, and the goodbye is in the outbox.
  [[nodiscard]] bool done() const {
    const std::lock_guard lock(mutex_);
    return said_goodbye_;
  }
  // Why rank 0 abandoned the tuning; empty when it ended as it should.
  [[nodiscard]] std::string shutdown_error() const {
    const std::lock_guard lock(mutex_);
    return shutdown_error_;
  }

  decision report_blocking(trial_invocation_info& info, double resource, std::span<const metric_value> metrics) override {
    auto& run = static_cast<invocation&>(info);
    const auto values = metrics_.resolve(metrics);  // an unknown metric fails the trial, as in the tuner
    std::unique_lock lock(mutex_);
    if (const auto at_once = send_report(run, resource, values)) return *at_once;
    // Spin, then block: the answer usually comes within a round trip, and
    // waking a blocked thread costs more than that on a virtual machine.
    const auto spin_until = std::chrono::steady_clock::now() + answer_spin;
    while (!run.answer && std::chrono::steady_clock::now() < spin_until) {
      lock.unlock();
      std::this_thread::yield();
      lock.lock();
    }
    run.woken.wait(lock, [&run] { return run.answer.has_value(); });
    return take_answer(run);
  }

  awaitable<decision> report_async(trial_invocation_info& info, double resource,
                                   std::span<const metric_value> metrics) override {
    auto& run = static_cast<invocation&>(info);
    {
      const auto values = metrics_.resolve(metrics);
      const std::lock_guard lock(mutex_);
      if (const auto at_once = send_report(run, resource, values)) co_return *at_once;
    }
    for (;;) {  // a wait is cut short by the answer, and by a stop (cancellation) that brings none
      boost::system::error_code cancelled;
      co_await run.wake_timer->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, cancelled));
      const std::lock_guard lock(mutex_);
      if (run.answer) co_return take_answer(run);
    }
  }

  [[nodiscard]] std::string_view scheduler_metric() const override { return metrics_.scheduler_metric_name(); }
  [[nodiscard]] std::span<const std::string> metric_names() const override { return metric_names_; }

 private:
  static constexpr std::chrono::microseconds answer_spin{1000};
  // Flow control: a trial that reports faster than rank 0 takes them waits
  // at every 65th report, so that no more than this many are in flight.
  static constexpr std::size_t max_unawaited_in_a_row = 64;

  struct invocation : trial_invocation_info {
    config_type config;
    std::optional<decision> answer;   // rank 0's answer to the report the trial waits on
    std::optional<std::string> refusal;  // rank 0 refused a report: report() throws it
    double continues_below = 0.0;     // the scheduler's promise: reports below it need no answer
    std::size_t unawaited_in_a_row = 0;
    bool waiting = false;             // inside report(), for an answer or paused
    bool paused = false;              // in memory: rank 0 answers no more until it resumes or stops it
    std::condition_variable woken;                             // blocking trials
    std::unique_ptr<boost::asio::steady_timer> wake_timer;     // coroutine trials
    boost::asio::cancellation_signal cancel;
  };

  // Under mutex_, from a trial: the loop may be asleep in wait_for_outbox().
  void post(std::string message) {
    outbox_.push_back(std::move(message));
    outbox_ready_.notify_one();
  }

  // Under mutex_: sends the report, or throws rank 0's refusal of an earlier
  // one. Returns the answer when there is none to wait for: STOP once the
  // tuning is over, CONTINUE where the scheduler promised it. A report it
  // could refuse (the resource), or fail on (a NaN), or one after a stop,
  // waits; so does one after max_unawaited_in_a_row that did not.
  std::optional<decision> send_report(invocation& run, double resource, std::span<const double> values) {
    if (auto refusal = std::exchange(run.refusal, std::nullopt)) throw std::invalid_argument(*refusal);
    if (shut_down_) return decision::stop_trial;
    const bool promised = std::isfinite(resource) && resource > 0 && resource < run.continues_below &&
                          !std::isnan(values[scheduler_metric_]) && !run.stop_requested &&
                          run.unawaited_in_a_row < max_unawaited_in_a_row;
    post(wire::encode_report(run.trial, resource, values, !promised));
    run.unawaited_in_a_row = promised ? run.unawaited_in_a_row + 1 : 0;
    if (promised) return decision::continue_trial;
    run.answer.reset();
    run.waiting = true;
    return std::nullopt;
  }

  decision take_answer(invocation& run) {
    run.waiting = false;
    run.paused = false;
    if (auto refusal = std::exchange(run.refusal, std::nullopt)) throw std::invalid_argument(*refusal);
    return *run.answer;
  }

  void answer(invocation& run, decision outcome) {
    run.answer = outcome;
    if constexpr (coroutine_trials) {
      run.wake_timer->cancel();
    } else {
      run.woken.notify_one();
    }
  }

  invocation& waiting_trial(trial_id id, std::string_view what) {
    const auto found = invocations_.find(id);
    if (found == invocations_.end() || !found->second->waiting) {
      throw std::invalid_argument("from rank 0: " + std::string(what) + " message: field trial = " + to_text(id) +
                                  (found == invocations_.end() ? ": no trial of this rank"
                                                               : ": the trial is running, it made no report"));
    }
    return *found->second;
  }

  void handle(wire::welcome message) {
    trials_dir_ = std::move(message.trials_dir);
    trials_dir_is_scratch_ = message.scratch;
  }

  void handle(wire::start message) {
    if (invocations_.contains(message.trial)) {
      throw std::invalid_argument("from rank 0: start message: field trial = " + to_text(message.trial) +
                                  ": already runs on this rank");
    }
    auto run = std::make_shared<invocation>();
    run->config = wire::config_from_json(space_, message.config,
                                         "from rank 0: start message for trial " + to_text(message.trial));
    run->trial = message.trial;
    run->worker = static_cast<std::size_t>(message.slot);
    run->resume_from = message.resume_from;
    run->run_to = message.run_to;
    run->continues_below = message.continues_below;
    run->trials_dir = &trials_dir_;
    invocations_.emplace(message.trial, run);
    if constexpr (coroutine_trials) {
      run->wake_timer = std::make_unique<boost::asio::steady_timer>(io_, boost::asio::steady_timer::time_point::max());
      boost::asio::post(io_, [this, run] {
        boost::asio::co_spawn(io_, invoke_coroutine(run),
                              boost::asio::bind_cancellation_slot(run->cancel.slot(),
                                                                  [this, run](const std::exception_ptr& error) {
                                                                    const std::lock_guard lock(mutex_);
                                                                    trial_returned(*run, error);
                                                                  }));
      });
    } else {
      pool_.submit([this, run] { run_blocking(run); });
    }
  }

  void handle(wire::decision_reply message) {
    auto& run = waiting_trial(message.trial, "decision");
    if (message.outcome == decision::continue_trial) run.continues_below = message.continues_below;
    answer(run, message.outcome);
  }

  void handle(wire::refused message) {
    if (!message.awaited) {  // the trial went on; rank 0 fails it if it returns first
      const auto found = invocations_.find(message.trial);
      if (found != invocations_.end()) found->second->refusal = std::move(message.message);
      return;
    }
    auto& run = waiting_trial(message.trial, "refused");
    run.refusal = std::move(message.message);
    answer(run, decision::stop_trial);
  }

  // The trial stays inside report(), its state intact, until resumed or stopped.
  void handle(wire::pause message) { waiting_trial(message.trial, "pause").paused = true; }

  void handle(wire::resume message) {
    auto& run = waiting_trial(message.trial, "resume");
    run.worker = static_cast<std::size_t>(message.slot);
    run.run_to = message.run_to;
    run.continues_below = message.continues_below;
    answer(run, decision::continue_trial);
  }

  void handle(wire::stop message) {
    const auto found = invocations_.find(message.trial);
    if (found == invocations_.end()) return;  // returned meanwhile: its end is on its way to rank 0
    stop(*found->second, found->second->paused);
  }

  void handle(wire::shutdown message) {
    shut_down_ = true;
    shutdown_error_ = std::move(message.error);
    for (auto& [id, run] : invocations_) stop(*run, true);
    say_goodbye_once_all_returned();
  }

  // The tuning ends: a long epoch sees stop_requested(), a coroutine's wait
  // is cancelled, and a trial waiting in report() gets STOP when `wake` (it
  // is paused, or rank 0 will answer no more); a report in flight gets rank 0's answer.
  void stop(invocation& run, bool wake) {
    run.stop_requested = true;
    if constexpr (coroutine_trials) run.cancel.emit(boost::asio::cancellation_type::terminal);
    if (wake && run.waiting && !run.answer) answer(run, decision::stop_trial);
  }

  void run_blocking(const std::shared_ptr<invocation>& run) {
    std::exception_ptr error;
    try {
      reporter trial_reporter(*this, *run);
      trial_(run->config, trial_reporter);
    } catch (...) {
      error = std::current_exception();
    }
    const std::lock_guard lock(mutex_);
    trial_returned(*run, error);
  }

  awaitable<void> invoke_coroutine(std::shared_ptr<invocation> run) {
    co_await boost::asio::this_coro::throw_if_cancelled(false);  // as the tuner's: see asio_driver.hpp
    async_reporter trial_reporter(*this, *run);
    co_await trial_(run->config, trial_reporter);
  }

  // Under mutex_: the trial's callable returned or threw.
  void trial_returned(invocation& run, const std::exception_ptr& error) {
    const trial_id id = run.trial;
    if (!shut_down_) {
      if (!error || (run.stop_requested && is_cancellation(error))) {
        post(wire::encode_returned(id));
      } else {
        post(wire::encode_failed(id, describe_error(error)));
      }
    }
    invocations_.erase(id);
    say_goodbye_once_all_returned();
  }

  void say_goodbye_once_all_returned() {
    if (!shut_down_ || !invocations_.empty() || said_goodbye_) return;
    // Rank 0 removes its scratch directory on its own machine; a rank on
    // another one removes what its trials left there, all returned by now.
    if (trials_dir_is_scratch_ && !trials_dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(trials_dir_, ignored);
    }
    outbox_.push_back(wire::encode_goodbye());
    said_goodbye_ = true;
  }

  const Space& space_;
  F trial_;
  boost::asio::io_context& io_;
  metric_resolver metrics_;
  std::vector<std::string> metric_names_;
  std::size_t scheduler_metric_;
  std::filesystem::path trials_dir_;
  bool trials_dir_is_scratch_ = false;

  mutable std::mutex mutex_;  // guards everything below; trial threads and the transport share it
  std::vector<std::string> outbox_;
  std::condition_variable outbox_ready_;
  std::unordered_map<trial_id, std::shared_ptr<invocation>> invocations_;
  std::string shutdown_error_;
  bool shut_down_ = false;
  bool said_goodbye_ = false;
  blocking_pool pool_;  // last: its threads are joined before anything they use goes away
};

}  // namespace rung::detail
