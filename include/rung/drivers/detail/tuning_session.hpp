// The bookkeeping every driver shares: trial records, counts, the stop
// decision and the recorder, around a scheduler. Drivers (the Asio tuner in
// real time, the simulator in virtual time) call it from one thread and pass
// the time in; it has no clock and no threads of its own.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "rung/concepts/recorder.hpp"
#include "rung/concepts/config_space.hpp"
#include "rung/schedulers/scheduler_ref.hpp"
#include "rung/stop_criterion.hpp"
#include "rung/trials.hpp"
#include "rung/tuning_status.hpp"
#include "rung/util/format.hpp"

namespace rung::detail {

struct session_options {
  std::vector<std::string> metric_names;  // every metric trials report
  std::size_t scheduler_metric = 0;       // index of the scheduler's metric in metric_names
  any_stop_criterion stop;
  std::int64_t max_failures = 1;          // the tuning ends once more trials than this failed
  std::ostream* log = nullptr;            // a searcher's warning is written here once; nullptr: nowhere
};

// What a free worker should do, as the session sees it (where the trial
// runs to is in its record: trial_record::run_to).
struct run_new_trial {
  trial_id id{};
};
struct resume_paused_trial {
  trial_id id{};
  double from_resource{};
};
struct nothing_to_run_now {};
struct nothing_left_to_run {};
using next_job = std::variant<run_new_trial, resume_paused_trial, nothing_to_run_now, nothing_left_to_run>;

// The scheduler is held through a scheduler_ref: the session (and the
// drivers around it) compile once per space, whatever the scheduler.
template <ConfigSpace Space, Recorder<typename Space::config_type> R>
class tuning_session {
 public:
  using config_type = typename Space::config_type;
  using record_type = trial_record<config_type>;

  tuning_session(scheduler_ref<Space> scheduler, R& recorder, session_options options)
      : scheduler_(scheduler), recorder_(recorder), options_(std::move(options)) {
    status_.set_metric_names(options_.metric_names);
  }

  // A free worker asks what to run; it may resume only the paused trials
  // `may_resume` allows (a worker on one machine of many).
  next_job next(double now, resume_filter may_resume = {}) {
    status_.wallclock_time = now;
    if (!stop_reason_.empty()) return nothing_left_to_run{};
    const auto limit = options_.stop.max_trials_started();
    // A replayed start happened: this run's limits apply from where the journal ends.
    const bool capped = recording_ && limit && status_.num_trials_started >= *limit;
    capped_ = capped;
    const trial_id new_id = static_cast<trial_id>(trials_.size());
    suggestion<config_type> suggested = wait_for_trials{};
    if (!capped) {
      suggested = scheduler_.suggest(new_id, trial_admission::new_or_paused, may_resume);
    } else {
      suggested = scheduler_.suggest(new_id, trial_admission::paused_only, may_resume);  // promotions go on
      if (std::holds_alternative<start_trial<config_type>>(suggested)) {
        throw std::logic_error("scheduler started a trial when asked for paused ones only");
      }
    }
    log_searcher_warning();
    if (auto* start = std::get_if<start_trial<config_type>>(&suggested)) {
      auto& record = trials_.emplace_back();
      record.id = new_id;
      record.config = std::move(start->config);
      record.run_to = start->run_to;
      last_metrics_.resize(last_metrics_.size() + options_.metric_names.size(),
                           std::numeric_limits<double>::quiet_NaN());
      ++status_.num_trials_started;
      ++status_.num_trials_running;
      if (recording_) recorder_.trial_started(record, now);
      return run_new_trial{new_id};
    }
    if (const auto* resume = std::get_if<resume_trial>(&suggested)) {
      auto& record = at(resume->trial);
      if (!may_resume(resume->trial)) {
        throw std::logic_error("scheduler asked to resume trial " + to_text(resume->trial) +
                               ", which the asking worker may not resume");
      }
      if (record.status != trial_status::paused) {
        throw std::logic_error("scheduler asked to resume trial " + to_text(resume->trial) + ", which is not paused");
      }
      record.status = trial_status::in_progress;
      record.cut = false;
      record.run_to = resume->run_to;
      --status_.num_trials_paused;
      ++status_.num_trials_running;
      if (recording_) recorder_.trial_resumed(record, resume->from_resource, now);
      return resume_paused_trial{resume->trial, resume->from_resource};
    }
    if (std::holds_alternative<wait_for_trials>(suggested) && status_.num_trials_running > 0) {
      return nothing_to_run_now{};
    }
    // Asked again when the next worker frees: a promotion-type scheduler
    // whose searcher has run out may still resume paused trials later.
    return nothing_left_to_run{};
  }

  // A trial reports `metrics` (one value per metric name, NaN where not
  // reported) at `resource`. Returns what the trial should do next.
  decision report(trial_id id, double resource, std::span<const double> metrics, double worker_time, double now) {
    return report_with(id, resource, metrics, worker_time, now, std::nullopt).outcome;
  }

  struct replayed_report {
    decision outcome;
    bool ended_tuning;  // the journal's STOP was the tuning's end, not the scheduler's decision
  };

  // A report replayed from the journal, where the scheduler decided
  // `recorded`. The tuning's end is the journal's, not this run's stop
  // criterion: a report it cut short is replayed with the scheduler's own
  // decision, so that the trial goes on. A journal from before cut markers
  // records only STOP there, which the replay takes as the tuning's end.
  replayed_report replay_report(trial_id id, double resource, std::span<const double> metrics, double worker_time,
                                double now, decision recorded) {
    return report_with(id, resource, metrics, worker_time, now, recorded);
  }

  // The trial ended in the replayed session but the journal has no record
  // of it (the run died in between): it is recorded now.
  void record_end(trial_id id, double now) {
    if (recording_) recorder_.trial_finished(at(id), now);
  }

  // The trial's callable returned. A paused trial stays paused (resuming it
  // runs the callable again from its checkpoint).
  void trial_returned(trial_id id, double worker_time, double now) {
    auto& record = at(id);
    record.worker_time = worker_time;
    if (record.status == trial_status::in_progress) {
      const bool cut = !stop_reason_.empty();  // told to stop by the tuning's end
      end_trial(record, cut ? trial_status::stopped : trial_status::completed, now, cut);
    }
  }

  void trial_failed(trial_id id, std::string message, double worker_time, double now) {
    auto& record = at(id);
    record.worker_time = worker_time;
    record.error = std::move(message);
    if (record.status == trial_status::paused) {
      --status_.num_trials_paused;
      ++status_.num_trials_running;
    } else if (is_finished(record.status)) {
      // Failed while winding down after a stop: the stop stands, the error is kept.
      if (recording_) recorder_.trial_finished(record, now);
      return;
    }
    end_trial(record, trial_status::failed, now, false);
  }

  // Why the tuning should end now, or empty while it goes on.
  const std::string& stopping_reason(double now) {
    status_.wallclock_time = now;
    if (stop_reason_.empty()) {
      stop_reason_ = options_.stop.reason(status_);
      failed_out_ = stop_reason_.empty() && status_.num_trials_failed > options_.max_failures;
      if (failed_out_) stop_reason_ = failure_reason();
    }
    return stop_reason_;
  }

  // Ends the tuning early (a signal, request_stop()): nothing new starts,
  // and trials that return from now on count as stopped.
  void request_stop(std::string reason, double now) {
    status_.wallclock_time = now;
    if (stop_reason_.empty()) stop_reason_ = std::move(reason);
  }

  // A replayed journal ends the trial by the tuning's end: it goes on as it
  // was (a resume carries it on), and ends of that kind are not recorded
  // again until it runs again.
  void carry_on(trial_id id) { at(id).cut = true; }

  // Ends a running or paused trial as stopped: a replayed journal says so.
  void stop_trial(trial_id id, double now) {
    auto& record = at(id);
    if (!is_finished(record.status)) end_trial(record, trial_status::stopped, now, false);
  }

  // While replaying a journal, events are fed again without being recorded again.
  void set_recording(bool on) noexcept { recording_ = on; }

  // Why next() had nothing left to run.
  [[nodiscard]] std::string idle_reason() const {
    if (!capped_) return "no configuration left to evaluate";
    return "reached max_num_trials_started (" + to_text(*options_.stop.max_trials_started()) + ")";
  }

  // A resumed tuning goes on past an earlier end.
  void clear_stop_reason() noexcept {
    stop_reason_.clear();
    failed_out_ = false;
  }

  // Ends the tuning: trials still running count as stopped, cut short (a
  // resume carries them on). Paused ones stay paused (as Syne Tune shows
  // them), so that a resume with a larger budget may still promote them.
  void finish(double now, std::string reason) {
    status_.wallclock_time = now;
    if (stop_reason_.empty()) stop_reason_ = std::move(reason);
    if (failed_out_) stop_reason_ = failure_reason();  // trials running then may have failed too
    for (auto& record : trials_) {
      if (record.status == trial_status::in_progress) end_trial(record, trial_status::stopped, now, true);
    }
    if (recording_) recorder_.tuning_finished(status_, stop_reason_, now);
    if (recording_) recorder_.flush();
  }

  [[nodiscard]] const tuning_status& status() const noexcept { return status_; }
  [[nodiscard]] const std::deque<record_type>& trials() const noexcept { return trials_; }
  [[nodiscard]] const record_type& trial(trial_id id) const { return trials_.at(static_cast<std::size_t>(id)); }
  [[nodiscard]] std::span<const double> last_metrics(trial_id id) const {
    return std::span<const double>(last_metrics_).subspan(static_cast<std::size_t>(id) * options_.metric_names.size(),
                                                          options_.metric_names.size());
  }
  [[nodiscard]] std::optional<trial_id> best_trial() const noexcept { return best_trial_; }
  [[nodiscard]] double best_metric() const noexcept { return best_metric_; }
  [[nodiscard]] const session_options& options() const noexcept { return options_; }
  [[nodiscard]] scheduler_ref<Space>& scheduler() noexcept { return scheduler_; }
  [[nodiscard]] const scheduler_ref<Space>& scheduler() const noexcept { return scheduler_; }
  [[nodiscard]] R& recorder() noexcept { return recorder_; }

 private:
  // A searcher that degraded (a model fit that failed) says so in the log,
  // once for each warning it gives.
  void log_searcher_warning() {
    if (options_.log == nullptr) return;
    const auto warning = scheduler_.searcher_warning();
    if (!warning || *warning == logged_warning_) return;
    logged_warning_ = *warning;
    *options_.log << "rung: " << logged_warning_ << '\n';
  }
  // Reports as report() does; while replaying, `recorded` is what the journal decided.
  replayed_report report_with(trial_id id, double resource, std::span<const double> metrics, double worker_time,
                              double now, std::optional<decision> recorded) {
    status_.wallclock_time = now;
    auto& record = at(id);
    if (!std::isfinite(resource) || resource <= 0) {
      throw std::invalid_argument("report(): " + std::string(scheduler_.resource_attr()) + " = " +
                                  to_text(resource) + ": the resource must be a positive number");
    }
    if (record.status != trial_status::in_progress) {
      ignore(record, resource, "the trial is " + std::string(to_string(record.status)), now);
      return {record.status == trial_status::paused ? decision::pause_trial : decision::stop_trial, false};
    }
    if (!stop_reason_.empty()) {  // in flight when the tuning ended: the limits hold exactly
      ignore(record, resource, "the tuning is ending", now);
      return {decision::stop_trial, false};
    }
    if (resource < record.last_resource) {
      ignore(record, resource, "the resource went back from " + to_text(record.last_resource), now);
      return {decision::continue_trial, false};
    }
    const double metric = metrics[options_.scheduler_metric];
    // A NaN of the scheduler's metric fails the trial (training diverged):
    // recorded as reported, it never reaches the scheduler, which hears only
    // that the trial failed. The scheduler first otherwise: a report it
    // rejects (it throws) leaves no trace.
    const bool diverged = std::isnan(metric);
    const decision by_scheduler = diverged ? decision::stop_trial : scheduler_.on_report(observation{id, resource, metric});
    std::copy(metrics.begin(), metrics.end(), last_metrics_.begin() + static_cast<std::ptrdiff_t>(id) * metric_count());
    record.iterations += 1;
    record.cut = false;
    record.last_resource = resource;
    record.worker_time = worker_time;
    if (better(scheduler_.metric_mode(), metric, record.best_metric)) record.best_metric = metric;
    ++status_.num_evaluations;
    for (std::size_t i = 0; i < metrics.size(); ++i) status_.observe_metric(i, metrics[i]);
    if (better(scheduler_.metric_mode(), metric, best_metric_)) {
      best_metric_ = metric;
      best_trial_ = id;
    }
    const bool ends_tuning = recorded ? *recorded == decision::stop_trial && by_scheduler != decision::stop_trial
                                      : !stopping_reason(now).empty();
    const decision outcome = ends_tuning ? decision::stop_trial : by_scheduler;
    if (outcome == decision::pause_trial) {
      record.status = trial_status::paused;
      --status_.num_trials_running;
      ++status_.num_trials_paused;
    }
    if (recording_) recorder_.trial_reported(record, resource, metrics, outcome, by_scheduler, now);
    if (diverged) {
      record.error = "reported " + options_.metric_names[options_.scheduler_metric] + " = NaN at " +
                     std::string(scheduler_.resource_attr()) + " = " + to_text(resource);
      end_trial(record, trial_status::failed, now, false);
    } else if (outcome == decision::stop_trial) {
      const auto limit = scheduler_.max_resource(record.config);
      const bool done = limit && resource >= *limit;
      // Only a cut that is being recorded marks the trial: a replayed one ended it for good (an older journal).
      end_trial(record, done ? trial_status::completed : trial_status::stopped, now,
                !done && outcome != by_scheduler && !recorded);
    }
    return {outcome, ends_tuning};
  }

  void ignore(const record_type& record, double resource, const std::string& why, double now) {
    if (recording_) recorder_.report_ignored(record, resource, why, now);
  }

  [[nodiscard]] std::string failure_reason() const {
    return "more trials failed (" + to_text(status_.num_trials_failed) + ") than max_failures (" +
           to_text(options_.max_failures) + ")";
  }

  [[nodiscard]] std::ptrdiff_t metric_count() const noexcept {
    return static_cast<std::ptrdiff_t>(options_.metric_names.size());
  }

  record_type& at(trial_id id) {
    if (id < 0 || static_cast<std::size_t>(id) >= trials_.size()) {
      throw std::logic_error("unknown trial id " + to_text(id));
    }
    return trials_[static_cast<std::size_t>(id)];
  }

  // `cut`: ended by the tuning's end, not by the scheduler or the trial itself.
  void end_trial(record_type& record, trial_status how, double now, bool cut) {
    if (record.status == trial_status::paused) {
      --status_.num_trials_paused;
    } else {
      --status_.num_trials_running;
    }
    const bool cut_recorded = cut && record.cut;  // its cut end is in the journal, and it has not run since
    record.status = how;
    record.cut = cut;
    switch (how) {
      case trial_status::completed: ++status_.num_trials_completed; break;
      case trial_status::failed: ++status_.num_trials_failed; break;
      default: ++status_.num_trials_stopped; break;
    }
    scheduler_.on_trial_end(record.id, how == trial_status::completed ? trial_end::completed
                                       : how == trial_status::failed  ? trial_end::failed
                                                                      : trial_end::stopped);
    if (recording_ && !cut_recorded) recorder_.trial_finished(record, now);
  }

  scheduler_ref<Space> scheduler_;
  R& recorder_;
  session_options options_;
  tuning_status status_;
  std::deque<record_type> trials_;
  std::vector<double> last_metrics_;  // metric_names.size() values per trial, NaN until reported
  std::string stop_reason_;
  bool capped_ = false;  // max_num_trials_started reached at the last next()
  bool failed_out_ = false;  // the tuning ends on max_failures
  bool recording_ = true;
  std::optional<trial_id> best_trial_;
  double best_metric_ = std::numeric_limits<double>::quiet_NaN();
  std::string logged_warning_;  // the searcher's last warning written to the log
};

}  // namespace rung::detail
