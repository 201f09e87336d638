// journal.jsonl, the experiment's record of every event in the order it
// happened, one JSON object per line, each with its line's index as "seq":
// reading it (its vocabulary is in results/schema.hpp). load_experiment
// builds tables from it; resuming a tuning replays it through a fresh
// scheduler.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rung/decision.hpp"
#include "rung/results/schema.hpp"
#include "rung/util/json.hpp"
#include "rung/util/json_write.hpp"
#include "rung/util/scalar.hpp"

namespace rung {

// One line of the journal. Only the fields of its kind are set.
struct journal_event {
  journal_event_kind kind = journal_event_kind::tuning_started;
  std::optional<std::size_t> seq;  // absent in journals written before lines were numbered
  trial_id trial = 0;
  double time = 0.0;
  double worker_time = 0.0;                                  // report, trial_finished
  double resource = 0.0;                                     // report, report_ignored
  double from_resource = 0.0;                                // trial_resumed
  std::vector<std::pair<std::string, scalar_value>> config;  // trial_started, in the space's order
  std::vector<std::pair<std::string, double>> metrics;       // report
  std::string decision;                                      // report: CONTINUE, PAUSE or STOP
  std::string status;                                        // report, trial_finished
  bool cut = false;                                          // report, trial_finished (journal_key::cut)
  std::string scheduler_decision;                            // report with cut: CONTINUE or PAUSE
  // tuning_started: the tuning's name; trial_finished: the error; report_ignored,
  // tuning_finished: the reason.
  std::string text;
  bool resumed = false;             // tuning_started: it goes on from an existing journal
  std::uintmax_t dropped_bytes = 0;  // tuning_started, resumed: the tail cut off the journal
  std::int64_t trials_started = 0;  // tuning_finished

  [[nodiscard]] const scalar_value* config_value(std::string_view name) const {
    for (const auto& [key, value] : config) {
      if (key == name) return &value;
    }
    return nullptr;
  }
};

struct journal_summary {
  std::size_t events = 0;            // complete lines, one event each
  std::uintmax_t complete_size = 0;  // bytes up to the end of the last complete line
  // Bytes follow the last complete line: a line cut short by a crash,
  // garbage, or zero bytes (an older rung's preallocation, a machine crash).
  bool truncated = false;
  std::uintmax_t tail_size = 0;
  std::string tail_start;  // the tail's first bytes, for messages
  bool tail_is_zeros = false;

  // 37 bytes after line 274 (an incomplete line: "{\"seq\":274,\"ev"...)
  [[nodiscard]] std::string describe_tail() const {
    std::string text = std::to_string(tail_size) + (tail_is_zeros ? " zero bytes" : " bytes") +
                       (events == 0 ? " at the start" : " after line " + std::to_string(events));
    if (tail_is_zeros) return text;
    text += " (an incomplete line: ";
    detail::append_json_string(text, tail_start);
    if (tail_start.size() < tail_size) text += "...";
    return text + ")";
  }
};

namespace detail {
inline const json_value& field(const json_value& object, std::string_view name) {
  const json_value* value = object.find(name);
  if (value == nullptr) throw std::invalid_argument("missing field '" + std::string(name) + "'");
  return *value;
}

inline std::size_t non_negative(std::string_view key, const json_value& json) {
  const std::int64_t value = json.as_int64();
  if (value < 0) throw std::invalid_argument(std::string(key) + " = " + std::to_string(value) + ": must be >= 0");
  return static_cast<std::size_t>(value);
}

inline void read_cut(const json_value& json, journal_event& event) {
  if (const auto* cut = json.find(journal_key::cut)) event.cut = cut->as_bool();
}

inline journal_event to_journal_event(const json_value& json) {
  namespace key = journal_key;
  const std::string& name = field(json, key::event).as_string();
  const auto kind = journal_event_kind_from_string(name);
  if (!kind) throw std::invalid_argument("unknown event '" + name + "'");
  journal_event event;
  event.kind = *kind;
  if (const auto* seq = json.find(key::seq)) event.seq = non_negative(key::seq, *seq);
  event.time = field(json, key::time).as_double();
  if (event.kind == journal_event_kind::tuning_started) {
    event.text = field(json, key::name).as_string();
    if (const auto* resumed = json.find(key::resumed)) event.resumed = resumed->as_bool();
    if (event.resumed) event.dropped_bytes = non_negative(key::dropped_bytes, field(json, key::dropped_bytes));
    return event;
  }
  if (event.kind == journal_event_kind::tuning_finished) {
    event.text = field(json, key::reason).as_string();
    event.trials_started =
        static_cast<std::int64_t>(non_negative(key::trials_started, field(json, key::trials_started)));
    return event;
  }
  event.trial = field(json, key::trial_id).as_int64();
  switch (event.kind) {
    case journal_event_kind::trial_started:
      for (const auto& [hyperparameter, value] : field(json, key::config).as_object()) {
        auto scalar = to_scalar_value(value);
        if (!scalar) throw std::invalid_argument("hyperparameter '" + hyperparameter + "' holds no number or string");
        event.config.emplace_back(hyperparameter, std::move(*scalar));
      }
      break;
    case journal_event_kind::trial_resumed:
      event.from_resource = field(json, key::from_resource).as_double();
      break;
    case journal_event_kind::report:
      event.worker_time = field(json, key::worker_time).as_double();
      event.resource = field(json, key::resource).as_double();
      for (const auto& [metric, value] : field(json, key::metrics).as_object()) {
        event.metrics.emplace_back(metric, value.as_double());
      }
      event.decision = field(json, key::decision).as_string();
      event.status = field(json, key::status).as_string();
      read_cut(json, event);
      if (event.cut) {
        if (decision_from_string(event.decision) != decision::stop_trial) {
          throw std::invalid_argument(std::string(key::decision) + " = \"" + event.decision + "\" with " +
                                      std::string(key::cut) + ": must be STOP");
        }
        event.scheduler_decision = field(json, key::scheduler_decision).as_string();
        const auto by_scheduler = decision_from_string(event.scheduler_decision);
        if (by_scheduler != decision::continue_trial && by_scheduler != decision::pause_trial) {
          throw std::invalid_argument(std::string(key::scheduler_decision) + " = \"" + event.scheduler_decision +
                                      "\": must be CONTINUE or PAUSE (the tuning's end cuts only those)");
        }
      }
      break;
    case journal_event_kind::report_ignored:
      event.resource = field(json, key::resource).as_double();
      event.text = field(json, key::reason).as_string();
      break;
    default:  // trial_finished
      event.status = field(json, key::status).as_string();
      event.worker_time = field(json, key::worker_time).as_double();
      if (const auto* error = json.find(key::error)) event.text = error->as_string();
      read_cut(json, event);
  }
  return event;
}

// A complete line with zero bytes in it: a hole in the middle of the file.
inline void check_no_zero_bytes(std::string_view line) {
  const auto zeros = std::count(line.begin(), line.end(), '\0');
  if (zeros == 0) return;
  throw std::invalid_argument("the line holds " + std::to_string(zeros) +
                              " zero bytes: the file is damaged here (the lines before it are intact)");
}

// Line `index` (0-based) must carry seq = index: a line duplicated, lost or
// moved names itself. Lines without seq may only precede the first with one.
inline void check_sequence(const journal_event& event, std::size_t index, bool& numbered) {
  if (!event.seq) {
    if (numbered) throw std::invalid_argument("missing field 'seq' (the lines before it have one)");
    return;
  }
  numbered = true;
  const std::size_t seq = *event.seq;
  if (seq == index) return;
  std::string what = "seq " + std::to_string(seq) + " where " + std::to_string(index) + " was expected: ";
  if (seq < index) {
    what += "a copy of line " + std::to_string(seq + 1) + " (a line duplicated or out of order)";
  } else {
    what += std::to_string(seq - index) + " line(s) missing before it (or out of order)";
  }
  throw std::invalid_argument(what);
}
}  // namespace detail

// Calls on_event(const journal_event&) for every complete line, in order.
// A complete line that is malformed, holds zero bytes, or is out of
// sequence (duplicated, lost, moved) is an error naming the file and the
// line. What follows the last complete line (a line cut short when the
// writer died, garbage, zero bytes) is not read: the summary reports it as
// `truncated`, and a resume cuts it off before it appends.
template <class OnEvent>
journal_summary read_journal(const std::filesystem::path& file, OnEvent&& on_event) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + file.string());
  journal_summary summary;
  bool numbered = false;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) {  // no newline after it
      summary.truncated = true;
      summary.tail_size = line.size();
      summary.tail_is_zeros = line.find_first_not_of('\0') == std::string::npos;
      summary.tail_start = line.substr(0, 40);
      break;
    }
    try {
      detail::check_no_zero_bytes(line);
      const journal_event event = detail::to_journal_event(detail::parse_json(line));
      detail::check_sequence(event, summary.events, numbered);
      on_event(event);
    } catch (const std::exception& error) {
      throw std::invalid_argument(file.string() + ":" + std::to_string(summary.events + 1) + ": " + error.what());
    }
    ++summary.events;
    summary.complete_size += line.size() + 1;
  }
  if (in.bad()) throw std::invalid_argument("cannot read " + file.string());
  return summary;
}

}  // namespace rung
