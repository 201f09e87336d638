// Rank 0 of the MPI driver, with no MPI in it: messages in (text from a
// rank), messages out (text to a rank), the time passed in. It holds the
// tuning session (the same one the tuner and the simulator feed), the
// worker slots of every rank and where each trial runs, and follows the
// tuner's own rules (asio_driver.hpp): a slot that frees is filled at once,
// a trial paused in memory frees its slot and stays on its rank, the tuning's
// end stops running trials and wakes paused ones, and it finishes once every
// callable has returned. A trial paused in memory can resume only on its own
// rank: next() is asked, through the scheduler's resume_filter, for trials
// paused on a rank with a free slot (checkpoint mode: any rank, any trial).
// A report the trial did not wait for (below the scheduler's promise,
// continues_below) is answered only if it is refused.
// Bad input from a rank (a message that does not parse, a report for a
// trial it does not run, a refused hello) abandons the tuning with an error
// naming the rank and the field: the journal keeps everything up to then.
// (One protocol state machine: split, its transitions would be read in two
// files, so this one runs past 400 lines.)
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "rung/drivers/detail/journal_replay.hpp"
#include "rung/drivers/detail/tuning_session.hpp"
#include "rung/drivers/mpi/detail/rank_slots.hpp"
#include "rung/drivers/mpi/detail/trial_runs.hpp"
#include "rung/drivers/mpi/detail/wire.hpp"
#include "rung/experiment_description.hpp"
#include "rung/results/status_table.hpp"
#include "rung/schedulers/scheduler_ref.hpp"

namespace rung::detail {

struct coordinator_settings {
  int ranks = 2;                   // in the communicator, rank 0 included
  std::int64_t slots_per_rank = 1;
  std::uint64_t fingerprint = 0;   // of rank 0's space and scheduler
  bool pause_in_memory = true;     // paused trials wait on their rank (else they checkpoint and return)
  std::string trials_dir;          // where trials keep their directories: shared by the ranks in checkpoint mode
  bool trials_dir_is_scratch = false;  // nothing is recorded: the worker ranks remove it at the end
  bool await_every_report = false;  // true: no trial is sent the scheduler's promise (continues_below)
  double print_update_interval = 0.0;  // seconds between status tables; 0: none
  double results_update_interval = 10.0;
  std::ostream* log = nullptr;
};

template <ConfigSpace Space, class R>
class mpi_coordinator {
 public:
  struct outgoing {
    int rank = 0;
    std::string text;
  };

  mpi_coordinator(scheduler_ref<Space> scheduler, R& recorder, session_options session_settings, coordinator_settings settings)
      : session_(scheduler, recorder, std::move(session_settings)),
        settings_(std::move(settings)),
        slots_(settings_.ranks, settings_.slots_per_rank),
        said_hello_(static_cast<std::size_t>(settings_.ranks), false),
        said_goodbye_(static_cast<std::size_t>(settings_.ranks), false) {
    if constexpr (requires { recorder.group_events(); }) recorder.group_events();
    if (settings_.ranks < 2) {
      throw std::invalid_argument("mpi_tuner: the communicator has " + to_text(settings_.ranks) +
                                  " rank: rank 0 coordinates and ranks 1..N-1 run the trials, so at least 2 are "
                                  "needed (mpiexec -n 2 or more); for one process, use rung::tuner");
    }
  }

  // Rebuilds the session from an earlier run's journal, as the tuner does;
  // its trials that were running are called again first, with resume_from().
  void replay(const std::filesystem::path& journal) {
    const auto summary = replay_journal(session_, session_.scheduler().space(), journal, asks_with_filter());
    resumed_at_ = summary.last_time;
    unrecorded_ends_ = summary.unrecorded_ends;
    for (const auto& record : session_.trials()) {
      if (record.status == trial_status::in_progress) relaunch_.push_back(record.id);
    }
  }

  // The tuning is recorded as started, and trials start, once every worker rank said hello.
  void begin(experiment_description description) { description_ = std::move(description); }

  // A message from `rank`, at tuner time `now`.
  void receive(int rank, std::string_view text, double now) {
    try {
      if (rank < 1 || rank >= settings_.ranks) throw std::logic_error("a message from rank " + to_text(rank));
      const std::string where = "rank " + to_text(rank);
      if (shut_down_) {  // what was in flight when rank 0 shut the ranks down is dropped
        if (said_goodbye(text, where)) said_goodbye_[rank_index(rank)] = true;
        return;
      }
      std::visit([&](const auto& message) { handle(rank, where, message, now); },
                 wire::decode_from_worker(text, where));
    } catch (...) {
      abandon(std::current_exception());
    }
  }

  // On the transport's clock: the stop criterion's time limit, status tables, results.csv.
  void tick(double now) {
    if (!started_ || finished_) return;
    try {
      if (settings_.print_update_interval > 0 && now >= next_print_) {
        print_status();
        next_print_ = now + settings_.print_update_interval;
      }
      if (now >= next_flush_) {
        session_.recorder().flush();
        next_flush_ = now + settings_.results_update_interval;
      }
      if (!stopping_ && !session_.stopping_reason(now).empty()) fill(now);
    } catch (...) {
      abandon(std::current_exception());
    }
  }

  // Ends the tuning early (a signal, a stop request), as the tuner's request_stop() does.
  void interrupt(std::string reason, double now) {
    if (finished_ || interrupted_) return;
    interrupted_ = true;
    try {
      session_.request_stop(std::move(reason), now);
      fill(now);
    } catch (...) {
      abandon(std::current_exception());
    }
  }

  // What to send. The journal groups its lines (group commit) and holds
  // every event these messages act upon before they are handed out; if it
  // cannot, they are dropped and the tuning is abandoned.
  [[nodiscard]] std::vector<outgoing> take_outbox() {
    if constexpr (requires { session_.recorder().commit_events(); }) {
      try {
        session_.recorder().commit_events();
      } catch (...) {
        outbox_.clear();
        abandon(std::current_exception());
      }
    }
    return std::exchange(outbox_, {});
  }
  // Every rank was told to shut down and has answered: nothing more comes.
  [[nodiscard]] bool done() const noexcept {
    return shut_down_ && std::count(said_goodbye_.begin() + 1, said_goodbye_.end(), true) == settings_.ranks - 1;
  }
  // Why the tuning was abandoned (bad input, a scheduler or recorder error), if it was.
  [[nodiscard]] const std::exception_ptr& failure() const noexcept { return failure_; }
  [[nodiscard]] bool interrupted() const noexcept { return interrupted_; }
  [[nodiscard]] double resumed_at() const noexcept { return resumed_at_; }
  [[nodiscard]] tuning_session<Space, R>& session() noexcept { return session_; }
  // The rank a trial's callable runs or waits on, if it has one now.
  [[nodiscard]] std::optional<int> rank_of(trial_id id) const {
    const auto found = runs_.find(id);
    if (found == runs_.end()) return std::nullopt;
    return found->second.rank;
  }

 private:
  [[nodiscard]] static std::size_t rank_index(int rank) { return static_cast<std::size_t>(rank); }

  static bool said_goodbye(std::string_view text, const std::string& where) {
    try {
      return std::holds_alternative<wire::goodbye>(wire::decode_from_worker(text, where));
    } catch (const std::exception&) {
      return false;  // nothing is read after the shutdown but the goodbye
    }
  }

  void send(int rank, std::string text) { outbox_.push_back({rank, std::move(text)}); }

  void handle(int rank, const std::string& where, const wire::hello& hello, double now) {
    if (said_hello_[rank_index(rank)]) throw std::invalid_argument(where + ": hello message: said hello twice");
    if (hello.slots != settings_.slots_per_rank) {
      throw std::invalid_argument(where + ": hello message: slots = " + to_text(hello.slots) +
                                  ": rank 0 has workers_per_rank = " + to_text(settings_.slots_per_rank) +
                                  "; every rank must run the same program with the same options");
    }
    if (hello.fingerprint != settings_.fingerprint) {
      throw std::invalid_argument(where + ": hello message: fingerprint = " + to_text(hello.fingerprint) +
                                  ": rank 0's is " + to_text(settings_.fingerprint) +
                                  ": that rank runs another configuration space or scheduler; every rank must run "
                                  "the same program with the same settings");
    }
    said_hello_[rank_index(rank)] = true;
    if (std::count(said_hello_.begin() + 1, said_hello_.end(), true) < settings_.ranks - 1) return;
    const auto welcome = wire::encode_welcome(settings_.trials_dir, settings_.trials_dir_is_scratch);
    for (int to = 1; to < settings_.ranks; ++to) send(to, welcome);
    started_ = true;
    next_print_ = now + settings_.print_update_interval;
    next_flush_ = now + settings_.results_update_interval;
    session_.recorder().tuning_started(description_, now);
    for (const trial_id id : unrecorded_ends_) session_.record_end(id, now);
    fill(now);
  }

  void handle(int rank, const std::string& where, const wire::report& report, double now) {
    auto& trial_run = owned_by(runs_, rank, report.trial, "report");
    if (report.metrics.size() != session_.options().metric_names.size()) {
      throw std::invalid_argument(where + ": report message: field metrics has " + to_text(report.metrics.size()) +
                                  " values: the tuner records " + to_text(session_.options().metric_names.size()));
    }
    if (trial_run.refusal) {  // what it reported after the refused report is not recorded
      if (report.awaited) send(rank, wire::encode_refused(report.trial, *trial_run.refusal));
      return;
    }
    decision outcome{};
    try {
      outcome = session_.report(report.trial, report.resource, report.metrics, trial_run.worked(now), now);
    } catch (const std::exception& refusal) {  // as in the tuner, the trial's report() throws it
      if (!report.awaited) trial_run.refusal = refusal.what();
      send(rank, wire::encode_refused(report.trial, refusal.what(), report.awaited));
      return;
    }
    // A trial that went on cannot stop or pause where it reported: only the
    // tuning's end (a stop to every trial) may answer it otherwise.
    if (!report.awaited && outcome != decision::continue_trial && session_.stopping_reason(now).empty()) {
      throw std::logic_error(where + ": report message: trial " + to_text(report.trial) + " went on at " +
                             std::string(session_.scheduler().resource_attr()) + " = " + to_text(report.resource) +
                             " without waiting, below the scheduler's continues_below(), but scheduler '" +
                             session_.scheduler().variant() + "' answered " + std::string(to_string(outcome)));
    }
    const bool paused = outcome == decision::pause_trial && settings_.pause_in_memory;
    if (paused) {
      trial_run.worked_before = trial_run.worked(now);
      trial_run.state = run_state::paused;
      release(trial_run);
      send(rank, wire::encode_pause(report.trial));
    } else {
      if (outcome != decision::continue_trial) trial_run.state = run_state::returning;
      if (report.awaited) {
        send(rank, wire::encode_decision(report.trial, outcome, promise_for(report.trial)));
      }
    }
    if (paused || (!stopping_ && !session_.stopping_reason(now).empty())) fill(now);
  }

  void handle(int rank, const std::string& where, const wire::returned& returned, double now) {
    auto& trial_run = owned_by(runs_, rank, returned.trial, "returned");
    if (trial_run.refusal) {  // it returned before a report() could throw the refusal
      handle(rank, where, wire::failed{returned.trial, *trial_run.refusal}, now);
      return;
    }
    const double worker_time = trial_run.worked(now);
    const auto relaunch = trial_run.relaunch;
    release(trial_run);
    runs_.erase(returned.trial);
    if (relaunch) {
      launch(returned.trial, relaunch->from_resource, relaunch->kept, now);
    } else {
      session_.trial_returned(returned.trial, worker_time, now);
    }
    fill(now);
  }

  void handle(int rank, const std::string& /*where*/, const wire::failed& failed, double now) {
    auto& trial_run = owned_by(runs_, rank, failed.trial, "failed");
    const double worker_time = trial_run.worked(now);
    if (trial_run.relaunch) slots_.give_back(trial_run.relaunch->kept);  // it failed while saving: the kept slot goes back
    release(trial_run);
    runs_.erase(failed.trial);
    if (settings_.log) *settings_.log << "trial " << failed.trial << " failed on rank " << rank << ": " << failed.message << '\n';
    session_.trial_failed(failed.trial, failed.message, worker_time, now);
    fill(now);
  }

  void handle(int /*rank*/, const std::string& where, const wire::error& error, double /*now*/) {
    throw std::invalid_argument(where + ": " + error.message);
  }

  void handle(int /*rank*/, const std::string& where, const wire::goodbye& /*goodbye*/, double /*now*/) {
    throw std::invalid_argument(where + ": goodbye message before rank 0 shut the ranks down");
  }

  // Starts or resumes trials on every free slot, begins the stop when the
  // tuning should end, and finishes it once every callable has returned.
  void fill(double now) {
    if (!started_ || finished_) return;
    if (!stopping_ && !session_.stopping_reason(now).empty()) begin_stop(now);
    while (!stopping_ && slots_.free_count() > 0 && !relaunch_.empty()) {
      const trial_id id = relaunch_.front();
      relaunch_.erase(relaunch_.begin());
      launch(id, session_.trial(id).last_resource, slots_.take(), now);
    }
    const auto on_a_rank_with_a_free_slot = [this](trial_id id) {
      const auto found = runs_.find(id);
      return found == runs_.end() || found->second.state != run_state::paused ||
             slots_.has_free(found->second.rank);
    };
    while (!stopping_ && slots_.free_count() > 0) {
      const auto job = ask_for_job(now, on_a_rank_with_a_free_slot);
      if (const auto* fresh = std::get_if<run_new_trial>(&job)) {
        launch(fresh->id, 0.0, slots_.take(), now);
      } else if (const auto* resumed = std::get_if<resume_paused_trial>(&job)) {
        resume(resumed->id, resumed->from_resource, now);
      } else {
        if (std::holds_alternative<nothing_left_to_run>(job) && slots_.all_free()) begin_stop(now);
        break;
      }
    }
    if (stopping_ && runs_.empty()) finish(now);
  }

  // A scheduler without resume_filter is asked as the tuner asks it; what it
  // resumes on a rank with no free slot is lent one (resume()).
  template <class Filter>
  next_job ask_for_job(double now, const Filter& on_a_rank_with_a_free_slot) {
    if (asks_with_filter()) return session_.next(now, on_a_rank_with_a_free_slot);
    return session_.next(now);
  }

  [[nodiscard]] double promise_for(trial_id id) const {
    return settings_.await_every_report ? 0.0 : session_.scheduler().continues_below(id);
  }

  [[nodiscard]] bool asks_with_filter() const noexcept {
    return session_.scheduler().filters_resumes() && settings_.pause_in_memory;
  }

  void launch(trial_id id, double resume_from, slot where, double now) {
    const auto& record = session_.trial(id);
    runs_[id] = running_callable{.rank = where.rank,
                    .local = where.local,
                    .state = run_state::running,
                    .held = where,
                    .relaunch = std::nullopt,
                    .running_since = now,
                    .worked_before = record.worker_time,
                    .refusal = std::nullopt};
    std::string config;
    session_.scheduler().space().append_json(config, record.config);
    send(where.rank, wire::encode_start(id, where.local, config, resume_from, record.run_to,
                                        promise_for(id)));
  }

  void resume(trial_id id, double from_resource, double now) {
    const auto found = runs_.find(id);
    if (found == runs_.end()) {
      launch(id, from_resource, slots_.take(), now);  // its callable returned (checkpoint mode): call it again
      return;
    }
    auto& trial_run = found->second;
    if (trial_run.state != run_state::paused) {
      // Told to pause and still returning (saving its checkpoint): called again once returned.
      trial_run.relaunch = relaunch_request{slots_.take(), from_resource};
      return;
    }
    // A scheduler without resume_filter may resume a trial whose rank has no
    // free slot: it goes on there all the same, lent a slot of another rank.
    const bool own_rank = slots_.has_free(trial_run.rank);
    const slot held = own_rank ? slots_.take_on(trial_run.rank) : slots_.take();
    if (own_rank) trial_run.local = held.local;
    trial_run.held = held;
    trial_run.state = run_state::running;
    trial_run.running_since = now;
    send(trial_run.rank, wire::encode_resume(id, trial_run.local, session_.trial(id).run_to,
                                             promise_for(id)));
  }

  // Tells every trial the tuning ends; paused ones are woken to return.
  void begin_stop(double now) {
    stopping_ = true;
    for (auto& [id, trial_run] : runs_) {
      if (trial_run.state == run_state::paused) trial_run.running_since = now;
      trial_run.state = run_state::returning;
      send(trial_run.rank, wire::encode_stop(id));
    }
  }

  void finish(double now) {
    finished_ = true;
    std::string reason = session_.stopping_reason(now);
    if (reason.empty()) reason = session_.idle_reason();
    session_.finish(now, reason);
    shut_down("");
  }

  // The tuning cannot go on: every rank is told so, and run() rethrows the
  // error once they have answered. What the journal holds stays as it is.
  void abandon(std::exception_ptr error) {
    if (!failure_) failure_ = std::move(error);
    if (shut_down_) return;
    finished_ = true;
    try {
      session_.recorder().flush();
    } catch (...) {  // the first error is the one reported
    }
    try {
      std::rethrow_exception(failure_);
    } catch (const std::exception& failure) {
      shut_down(failure.what());
    } catch (...) {
      shut_down("unknown error");
    }
  }

  void shut_down(std::string_view error) {
    shut_down_ = true;
    for (int rank = 1; rank < settings_.ranks; ++rank) send(rank, wire::encode_shutdown(error));
  }

  void release(running_callable& trial_run) {
    if (trial_run.held) slots_.give_back(*std::exchange(trial_run.held, std::nullopt));
  }

  void print_status() const {
    if (!settings_.log) return;
    *settings_.log << "tuning status (last metric is reported)\n"
                   << format_status_table(session_.trials(), session_.status(), session_.scheduler().resource_attr(),
                                          [this](trial_id id) { return session_.last_metrics(id); })
                   << '\n';
  }

  tuning_session<Space, R> session_;
  coordinator_settings settings_;
  experiment_description description_;
  rank_slots slots_;
  trial_runs runs_;
  std::vector<bool> said_hello_;
  std::vector<bool> said_goodbye_;
  std::vector<outgoing> outbox_;
  std::vector<trial_id> relaunch_;         // trials running when the earlier run ended: called again first
  std::vector<trial_id> unrecorded_ends_;  // trials whose end the earlier run did not live to record
  double resumed_at_ = 0.0;
  double next_print_ = 0.0;
  double next_flush_ = 0.0;
  bool started_ = false;
  bool stopping_ = false;
  bool finished_ = false;
  bool interrupted_ = false;
  bool shut_down_ = false;
  std::exception_ptr failure_;
};

}  // namespace rung::detail
