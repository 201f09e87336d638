// A tuning's journal as what its scheduler proposed and decided, in order
// and without the clock, for the tests that compare a resumed, interrupted
// or crashed tuning with one that ran through: starts with their
// configuration, resumes, reports with their metric and decision, and ends.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "rung/results/journal.hpp"
#include "rung/util/format.hpp"

namespace rung_test {

struct history_options {
  bool ignored_reports = true;  // list the reports the session ignored
  // What the scheduler decided rather than what the tuning's end did: a cut
  // report shows the scheduler's own decision, and cut ends are left out.
  bool as_scheduled = false;
};

inline std::vector<std::string> journal_history(const std::filesystem::path& directory, history_options options = {}) {
  using rung::detail::to_text;
  std::vector<std::string> seen;
  rung::read_journal(directory / "journal.jsonl", [&](const rung::journal_event& event) {
    const std::string trial = to_text(event.trial);
    switch (event.kind) {
      case rung::journal_event_kind::trial_started: {
        std::string text = "start " + trial;
        for (const auto& [name, value] : event.config) text += " " + name + "=" + rung::to_text(value);
        seen.push_back(text);
        break;
      }
      case rung::journal_event_kind::trial_resumed:
        seen.push_back("resume " + trial + " from " + to_text(event.from_resource));
        break;
      case rung::journal_event_kind::report:
        seen.push_back(trial + "@" + to_text(event.resource) + " " + to_text(event.metrics.at(0).second) + " " +
                       (options.as_scheduled && event.cut ? event.scheduler_decision : event.decision));
        break;
      case rung::journal_event_kind::report_ignored:
        if (options.ignored_reports) seen.push_back(trial + "@" + to_text(event.resource) + " ignored");
        break;
      case rung::journal_event_kind::trial_finished:
        if (!(options.as_scheduled && event.cut)) seen.push_back("end " + trial + " " + event.status);
        break;
      default:
        break;
    }
  });
  return seen;
}

}  // namespace rung_test
