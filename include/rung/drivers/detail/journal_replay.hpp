// Resuming a tuning: the journal's events are fed, in order, into a fresh
// session around a fresh scheduler built with the same settings and seed.
// Decision logic is pure, so this rebuilds every rung, bracket and searcher
// state exactly; the scheduler must propose and decide what the journal
// says it did, or the replay stops with an error naming the difference.
#pragma once

#include <algorithm>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "rung/drivers/detail/tuning_session.hpp"
#include "rung/results/journal.hpp"
#include "rung/results/metric_resolver.hpp"
#include "rung/trials.hpp"

namespace rung::detail {

struct replay_summary {
  double last_time = 0.0;  // the journal's last timestamp: the resumed tuning's clock goes on from it
  // Trials that ended by a replayed report whose trial_finished line the run
  // did not live to write: the resumed tuning records their end.
  std::vector<trial_id> unrecorded_ends;
};

template <class Session, class Space>
class journal_replayer {
 public:
  // resumes_filtered: the run asked its scheduler through a resume_filter
  // (the MPI driver's free slots resume only trials paused on their rank),
  // which the journal does not hold. What it started or resumed is what its
  // filter allowed, so the replay allows just that: no paused trial for a
  // start, the resumed trial alone for a resume.
  journal_replayer(Session& session, const Space& space, bool resumes_filtered = false)
      : session_(session), space_(space), metric_order_(session.options().metric_names),
        resumes_filtered_(resumes_filtered) {}

  void operator()(const journal_event& event) {
    last_time_ = std::max(last_time_, event.time);
    if (ended_by_ && (event.kind == journal_event_kind::trial_started ||
                      event.kind == journal_event_kind::trial_resumed || event.kind == journal_event_kind::report)) {
      mismatch("the journal records STOP on a report of trial " + to_text(*ended_by_) +
               " where the scheduler decides otherwise, which only the tuning's end explains, yet the tuning goes on "
               "after it");
    }
    switch (event.kind) {
      case journal_event_kind::trial_started: {
        ended_in_journal_.push_back(false);
        const auto no_paused_trial = [](trial_id /*id*/) { return false; };
        const auto job = resumes_filtered_ ? session_.next(event.time, no_paused_trial) : session_.next(event.time);
        const auto* fresh = std::get_if<run_new_trial>(&job);
        if (fresh == nullptr || fresh->id != event.trial) {
          mismatch("the journal starts trial " + to_text(event.trial) + ", the scheduler did not");
        }
        const auto recorded = space_.from_scalars([&](std::string_view name) { return event.config_value(name); });
        if (!(recorded == session_.trial(event.trial).config)) {
          std::string proposed;
          space_.append_json(proposed, session_.trial(event.trial).config);
          mismatch("the scheduler proposes " + proposed + " for trial " + to_text(event.trial) +
                   ", the journal records another configuration");
        }
        break;
      }
      case journal_event_kind::trial_resumed: {
        const auto this_trial = [&event](trial_id id) { return id == event.trial; };
        const auto job = resumes_filtered_ ? session_.next(event.time, this_trial) : session_.next(event.time);
        const auto* resumed = std::get_if<resume_paused_trial>(&job);
        if (resumed == nullptr || resumed->id != event.trial) {
          mismatch("the journal resumes trial " + to_text(event.trial) + ", the scheduler did not");
        }
        break;
      }
      case journal_event_kind::report: {
        metric_order_.place(event.metrics, metrics_, [](std::string_view name) {
          mismatch("the journal reports metric '" + std::string(name) + "', which the tuner does not know");
        });
        // Cut short by the tuning's end: the scheduler's own decision goes on, as in a run never interrupted.
        const std::string& by_scheduler = event.cut ? event.scheduler_decision : event.decision;
        const auto recorded = decision_from(by_scheduler);
        const auto replayed =
            session_.replay_report(event.trial, event.resource, metrics_, event.worker_time, event.time, recorded);
        if (replayed.outcome != recorded) {
          mismatch("the scheduler decides " + std::string(to_string(replayed.outcome)) + " on this report of trial " +
                   to_text(event.trial) + ", the journal records " + by_scheduler);
        }
        if (event.cut || replayed.ended_tuning) ended_by_ = event.trial;
        break;
      }
      case journal_event_kind::report_ignored:  // it changed nothing then, and changes nothing now
        break;
      case journal_event_kind::trial_finished: {
        // Ended by the tuning's end: it stays as it was, in progress (relaunched
        // where it was) or paused, and the scheduler is told nothing.
        if (event.cut) {
          session_.carry_on(event.trial);
          break;
        }
        if (event.trial >= 0 && static_cast<std::size_t>(event.trial) < ended_in_journal_.size()) {
          ended_in_journal_[static_cast<std::size_t>(event.trial)] = true;
        }
        if (is_finished(session_.trial(event.trial).status)) break;  // ended by the report before
        const auto status = trial_status_from_string(event.status);
        if (status == trial_status::completed) {
          session_.trial_returned(event.trial, event.worker_time, event.time);
        } else if (status == trial_status::failed) {
          session_.trial_failed(event.trial, event.text, event.worker_time, event.time);
        } else {
          session_.stop_trial(event.trial, event.time);
        }
        break;
      }
      case journal_event_kind::tuning_started:  // a resumed run: the end of the one before is behind it
        ended_by_.reset();
        break;
      case journal_event_kind::tuning_finished:
        break;
    }
  }

  [[nodiscard]] double last_time() const noexcept { return last_time_; }

  [[nodiscard]] std::vector<trial_id> unrecorded_ends() const {
    std::vector<trial_id> ids;
    for (std::size_t id = 0; id < ended_in_journal_.size(); ++id) {
      const auto trial = static_cast<trial_id>(id);
      if (!ended_in_journal_[id] && is_finished(session_.trial(trial).status)) ids.push_back(trial);
    }
    return ids;
  }

 private:
  [[nodiscard]] static decision decision_from(const std::string& text) {
    if (const auto parsed = decision_from_string(text)) return *parsed;
    throw std::invalid_argument(std::string(journal_key::decision) + " = \"" + text +
                                "\": must be CONTINUE, PAUSE or STOP");
  }

  [[noreturn]] static void mismatch(const std::string& what) {
    throw std::invalid_argument("cannot resume: " + what +
                                " (were the seed, the space, the scheduler or its options changed?)");
  }

  Session& session_;
  const Space& space_;
  metric_resolver metric_order_;  // of the tuner's metrics
  std::vector<double> metrics_;
  double last_time_ = 0.0;
  std::optional<trial_id> ended_by_;     // the report at which the run being replayed ended
  std::vector<bool> ended_in_journal_;   // by trial: a trial_finished line was read
  bool resumes_filtered_;
};

// Replays `journal` into `session`; the recorder hears nothing of it.
template <class Session, class Space>
replay_summary replay_journal(Session& session, const Space& space, const std::filesystem::path& journal,
                              bool resumes_filtered = false) {
  journal_replayer<Session, Space> replayer(session, space, resumes_filtered);
  session.set_recording(false);
  read_journal(journal, replayer);
  session.set_recording(true);
  session.clear_stop_reason();
  return {replayer.last_time(), replayer.unrecorded_ends()};
}

}  // namespace rung::detail
