// Reading journal.jsonl, the experiment's record of every event in the order
// it happened. load_experiment builds tables from it; resuming a tuning
// replays it through a fresh scheduler.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rung/decision.hpp"
#include "rung/detail/json.hpp"
#include "rung/scalar.hpp"

namespace rung {

enum class journal_event_kind : std::uint8_t {
  tuning_started,
  trial_started,
  trial_resumed,
  report,
  report_ignored,
  trial_finished,
  tuning_finished,
};

// One line of the journal. Only the fields of its kind are set.
struct journal_event {
  journal_event_kind kind = journal_event_kind::tuning_started;
  trial_id trial = 0;
  double time = 0.0;
  double worker_time = 0.0;                                  // report, trial_finished
  double resource = 0.0;                                     // report, report_ignored
  double from_resource = 0.0;                                // trial_resumed
  std::vector<std::pair<std::string, scalar_value>> config;  // trial_started, in the space's order
  std::vector<std::pair<std::string, double>> metrics;       // report
  std::string decision;                                      // report: CONTINUE, PAUSE or STOP
  std::string status;                                        // report, trial_finished
  std::string text;                                          // the error, or why a report was ignored / the tuning ended

  [[nodiscard]] const scalar_value* config_value(std::string_view name) const {
    for (const auto& [key, value] : config) {
      if (key == name) return &value;
    }
    return nullptr;
  }
};

struct journal_summary {
  std::size_t events = 0;
  bool truncated = false;  // the last line was cut off: the writer died mid-line
};

namespace detail {
inline const json_value& field(const json_value& object, std::string_view name) {
  const json_value* value = object.find(name);
  if (value == nullptr) throw std::invalid_argument("missing field '" + std::string(name) + "'");
  return *value;
}

inline journal_event to_journal_event(const json_value& json) {
  static constexpr std::pair<std::string_view, journal_event_kind> kinds[] = {
      {"tuning_started", journal_event_kind::tuning_started}, {"trial_started", journal_event_kind::trial_started},
      {"trial_resumed", journal_event_kind::trial_resumed},   {"report", journal_event_kind::report},
      {"report_ignored", journal_event_kind::report_ignored}, {"trial_finished", journal_event_kind::trial_finished},
      {"tuning_finished", journal_event_kind::tuning_finished}};
  const std::string& name = field(json, "event").as_string();
  journal_event event;
  const auto* kind = std::find_if(std::begin(kinds), std::end(kinds), [&](const auto& k) { return k.first == name; });
  if (kind == std::end(kinds)) throw std::invalid_argument("unknown event '" + name + "'");
  event.kind = kind->second;
  event.time = field(json, "time").as_double();
  if (event.kind == journal_event_kind::tuning_started) return event;
  if (event.kind == journal_event_kind::tuning_finished) {
    event.text = field(json, "reason").as_string();
    return event;
  }
  event.trial = field(json, "trial_id").as_int64();
  switch (event.kind) {
    case journal_event_kind::trial_started:
      for (const auto& [key, value] : field(json, "config").as_object()) {
        auto scalar = to_scalar_value(value);
        if (!scalar) throw std::invalid_argument("hyperparameter '" + key + "' holds no number or string");
        event.config.emplace_back(key, std::move(*scalar));
      }
      break;
    case journal_event_kind::trial_resumed:
      event.from_resource = field(json, "from_resource").as_double();
      break;
    case journal_event_kind::report:
      event.worker_time = field(json, "worker_time").as_double();
      event.resource = field(json, "resource").as_double();
      for (const auto& [key, value] : field(json, "metrics").as_object()) event.metrics.emplace_back(key, value.as_double());
      event.decision = field(json, "decision").as_string();
      event.status = field(json, "status").as_string();
      break;
    case journal_event_kind::report_ignored:
      event.resource = field(json, "resource").as_double();
      event.text = field(json, "reason").as_string();
      break;
    default:  // trial_finished
      event.status = field(json, "status").as_string();
      event.worker_time = field(json, "worker_time").as_double();
      if (const auto* error = json.find("error")) event.text = error->as_string();
  }
  return event;
}
}  // namespace detail

// Calls on_event(const journal_event&) for every complete line, in order. A
// malformed line is an error naming the file and the line. A last line cut
// off (or the zero bytes a crashed writer leaves, see mapped_append_file)
// ends the reading.
template <class OnEvent>
journal_summary read_journal(const std::filesystem::path& file, OnEvent&& on_event) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + file.string());
  journal_summary summary;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (const auto end = line.find('\0'); end != std::string::npos) {
      line.resize(end);
      summary.truncated = !line.empty();
      break;
    }
    if (in.eof()) {  // no newline after it: written partly when the process died
      summary.truncated = true;
      break;
    }
    try {
      on_event(detail::to_journal_event(detail::parse_json(line)));
    } catch (const std::exception& error) {
      throw std::invalid_argument(file.string() + ":" + std::to_string(line_number) + ": " + error.what());
    }
    ++summary.events;
  }
  return summary;
}

}  // namespace rung
