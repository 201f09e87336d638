// Resuming a tuning: the journal's events are fed, in order, into a fresh
// session around a fresh scheduler built with the same settings and seed.
// Decision logic is pure, so this rebuilds every rung, bracket and searcher
// state exactly; the scheduler must propose and decide what the journal
// says it did, or the replay stops with an error naming the difference.
#pragma once

#include <algorithm>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "rung/detail/tuning_session.hpp"
#include "rung/results/journal.hpp"

namespace rung::detail {

struct replay_summary {
  double last_time = 0.0;  // the journal's last timestamp: the resumed tuning's clock goes on from it
  std::size_t events = 0;
  bool truncated = false;
};

template <class Session, class Space>
class journal_replayer {
 public:
  journal_replayer(Session& session, const Space& space) : session_(session), space_(space) {}

  void operator()(const journal_event& event) {
    last_time_ = std::max(last_time_, event.time);
    switch (event.kind) {
      case journal_event_kind::trial_started: {
        const auto job = session_.next(event.time);
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
        const auto job = session_.next(event.time);
        const auto* resumed = std::get_if<resume_paused_trial>(&job);
        if (resumed == nullptr || resumed->id != event.trial) {
          mismatch("the journal resumes trial " + to_text(event.trial) + ", the scheduler did not");
        }
        break;
      }
      case journal_event_kind::report:
      case journal_event_kind::report_ignored: {
        const auto& names = session_.options().metric_names;
        metrics_.assign(names.size(), std::numeric_limits<double>::quiet_NaN());
        for (const auto& [name, value] : event.metrics) {
          const auto found = std::find(names.begin(), names.end(), name);
          if (found == names.end()) mismatch("the journal reports metric '" + name + "', which the tuner does not know");
          metrics_[static_cast<std::size_t>(found - names.begin())] = value;
        }
        const decision outcome = session_.report(event.trial, event.resource, metrics_, event.worker_time, event.time);
        if (event.kind == journal_event_kind::report && to_string(outcome) != event.decision) {
          mismatch("the scheduler decides " + std::string(to_string(outcome)) + " on this report of trial " +
                   to_text(event.trial) + ", the journal records " + event.decision);
        }
        break;
      }
      case journal_event_kind::trial_finished:
        if (is_finished(session_.trial(event.trial).status)) break;  // ended by the report before
        if (event.status == "Completed") {
          session_.trial_returned(event.trial, event.worker_time, event.time);
        } else if (event.status == "Failed") {
          session_.trial_failed(event.trial, event.text, event.worker_time, event.time);
        } else {
          session_.stop_trial(event.trial, event.time);
        }
        break;
      case journal_event_kind::tuning_started:
      case journal_event_kind::tuning_finished:
        break;
    }
  }

  [[nodiscard]] double last_time() const noexcept { return last_time_; }

 private:
  [[noreturn]] static void mismatch(const std::string& what) {
    throw std::invalid_argument("cannot resume: " + what +
                                " (were the seed, the space, the scheduler or its options changed?)");
  }

  Session& session_;
  const Space& space_;
  std::vector<double> metrics_;
  double last_time_ = 0.0;
};

// Replays `journal` into `session`; the recorder hears nothing of it.
template <class Session, class Space>
replay_summary replay_journal(Session& session, const Space& space, const std::filesystem::path& journal) {
  journal_replayer<Session, Space> replayer(session, space);
  session.set_recording(false);
  const auto read = read_journal(journal, replayer);
  session.set_recording(true);
  session.clear_stop_reason();
  return {replayer.last_time(), read.events, read.truncated};
}

}  // namespace rung::detail
