// The MPI driver's messages: one JSON object per event, with a "type" field.
// Text, not a binary layout: every field is named in an error, doubles
// cross bit-exactly (shortest round-trip text, as the journal writes them),
// and configurations travel as the journal's own JSON of them, read back
// through the space (from_scalars), which refuses a value outside its
// domain. No MPI here: the coordinator and its tests speak these strings.
//
//   worker rank -> rank 0                 rank 0 -> worker rank
//   hello     slots, fingerprint          welcome   trials_dir, scratch (removed at the end)
//   report    trial, resource, metrics,   start     trial, slot, config, resume_from, run_to, continues_below
//             awaited                     decision  trial, decision (CONTINUE, PAUSE: checkpoint and return, STOP),
//   returned  trial (its callable ended)            continues_below
//   failed    trial, message              refused   trial, message, awaited (report() throws it: the trial fails)
//   error     message (a message from     pause     trial (it stays in memory on its rank: report() waits)
//             rank 0 it could not take)   resume    trial, slot, run_to, continues_below (report() returns CONTINUE)
//   goodbye   (after shutdown; the last)  stop      trial (the tuning ends: stop_requested; a paused trial's report() returns STOP)
//                                         shutdown  error (empty: the tuning ended; else why it was abandoned)
//
// continues_below is the scheduler's promise (SchedulerWithDecisionPoints;
// 0 or absent: none): a report below it goes out with awaited = false, and
// report() returns CONTINUE at once. Rank 0 answers such a report only if it
// refuses it: with a refused with awaited = false, which the trial's next
// report() throws (at the tuning's end, every trial gets a stop anyway).
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rung/decision.hpp"
#include "rung/util/format.hpp"
#include "rung/util/json.hpp"
#include "rung/util/json_fields.hpp"
#include "rung/util/json_write.hpp"

namespace rung::detail::wire {

// Worker rank -> rank 0.
struct hello {
  std::int64_t slots = 0;
  std::uint64_t fingerprint = 0;
};
struct report {
  trial_id trial = 0;
  double resource = 0.0;
  std::vector<double> metrics;  // in tuner_options::metrics' order, NaN where not reported
  bool awaited = true;          // false: below continues_below, the trial went on
};
struct returned {
  trial_id trial = 0;
};
struct failed {
  trial_id trial = 0;
  std::string message;
};
struct error {
  std::string message;
};
struct goodbye {};
using from_worker = std::variant<hello, report, returned, failed, error, goodbye>;

// Rank 0 -> worker rank.
struct welcome {
  std::string trials_dir;
  bool scratch = false;  // nothing is recorded: every rank removes trials_dir once its trials returned
};
struct start {
  trial_id trial = 0;
  std::int64_t slot = 0;
  json_value config;  // read through the space on arrival
  double resume_from = 0.0;
  std::optional<double> run_to;
  double continues_below = 0.0;  // 0: every report waits for its answer
};
struct decision_reply {
  trial_id trial = 0;
  decision outcome = decision::continue_trial;
  double continues_below = 0.0;
};
struct refused {
  trial_id trial = 0;
  std::string message;
  bool awaited = true;  // false: the trial went on; its next report() throws it
};
struct pause {
  trial_id trial = 0;
};
struct resume {
  trial_id trial = 0;
  std::int64_t slot = 0;
  std::optional<double> run_to;
  double continues_below = 0.0;
};
struct stop {
  trial_id trial = 0;
};
struct shutdown {
  std::string error;
};
using to_worker = std::variant<welcome, start, decision_reply, refused, pause, resume, stop, shutdown>;

// FNV-1a: rank 0 compares every rank's fingerprint of its space and scheduler with its own.
[[nodiscard]] inline std::uint64_t fingerprint(std::string_view text) noexcept {
  std::uint64_t hash = 0xCBF29CE484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

namespace encode {
inline std::string open(std::string_view type) {
  std::string out = "{\"type\":";
  append_json_string(out, type);
  return out;
}
inline void field(std::string& out, std::string_view key, std::int64_t value) {
  out += ',';
  append_json_key(out, key);
  append_number(out, value);
}
inline void field(std::string& out, std::string_view key, double value) {
  out += ',';
  append_json_key(out, key);
  append_json_double(out, value);
}
inline void field(std::string& out, std::string_view key, std::string_view value) {
  out += ',';
  append_json_key(out, key);
  append_json_string(out, value);
}
inline void field(std::string& out, std::string_view key, const std::optional<double>& value) {
  if (value) field(out, key, *value);
}
// Written only when it says something: a promise above 0, an unawaited message.
inline void promise(std::string& out, double continues_below) {
  if (continues_below > 0) field(out, "continues_below", continues_below);
}
inline void unawaited(std::string& out, bool awaited) {
  if (!awaited) out += ",\"awaited\":false";
}
}  // namespace encode

// The fingerprint travels as a string: JSON integers stop at 2^63.
inline std::string encode_hello(std::int64_t slots, std::uint64_t fingerprint) {
  auto out = encode::open("hello");
  encode::field(out, "slots", slots);
  encode::field(out, "fingerprint", to_text(fingerprint));
  return out + '}';
}
inline std::string encode_report(trial_id trial, double resource, std::span<const double> metrics,
                                 bool awaited = true) {
  auto out = encode::open("report");
  encode::unawaited(out, awaited);
  encode::field(out, "trial", trial);
  encode::field(out, "resource", resource);
  out += ",\"metrics\":[";
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    if (i > 0) out += ',';
    append_json_double(out, metrics[i]);
  }
  return out + "]}";
}
inline std::string encode_returned(trial_id trial) {
  auto out = encode::open("returned");
  encode::field(out, "trial", trial);
  return out + '}';
}
inline std::string encode_failed(trial_id trial, std::string_view message) {
  auto out = encode::open("failed");
  encode::field(out, "trial", trial);
  encode::field(out, "message", message);
  return out + '}';
}
inline std::string encode_error(std::string_view message) {
  auto out = encode::open("error");
  encode::field(out, "message", message);
  return out + '}';
}
inline std::string encode_goodbye() { return encode::open("goodbye") + '}'; }

inline std::string encode_welcome(std::string_view trials_dir, bool scratch = false) {
  auto out = encode::open("welcome");
  encode::field(out, "trials_dir", trials_dir);
  if (scratch) out += ",\"scratch\":true";
  return out + '}';
}
// config_json: the space's append_json of the configuration.
inline std::string encode_start(trial_id trial, std::int64_t slot, std::string_view config_json, double resume_from,
                                const std::optional<double>& run_to, double continues_below = 0.0) {
  auto out = encode::open("start");
  encode::field(out, "trial", trial);
  encode::field(out, "slot", slot);
  out += ",\"config\":";
  out += config_json;
  encode::field(out, "resume_from", resume_from);
  encode::field(out, "run_to", run_to);
  encode::promise(out, continues_below);
  return out + '}';
}
// continues_below goes with a CONTINUE only: a trial told anything else reports no more.
inline std::string encode_decision(trial_id trial, decision outcome, double continues_below = 0.0) {
  auto out = encode::open("decision");
  encode::field(out, "trial", trial);
  encode::field(out, "decision", to_string(outcome));
  if (outcome == decision::continue_trial) encode::promise(out, continues_below);
  return out + '}';
}
inline std::string encode_refused(trial_id trial, std::string_view message, bool awaited = true) {
  auto out = encode::open("refused");
  encode::field(out, "trial", trial);
  encode::field(out, "message", message);
  encode::unawaited(out, awaited);
  return out + '}';
}
inline std::string encode_pause(trial_id trial) {
  auto out = encode::open("pause");
  encode::field(out, "trial", trial);
  return out + '}';
}
inline std::string encode_resume(trial_id trial, std::int64_t slot, const std::optional<double>& run_to,
                                 double continues_below = 0.0) {
  auto out = encode::open("resume");
  encode::field(out, "trial", trial);
  encode::field(out, "slot", slot);
  encode::field(out, "run_to", run_to);
  encode::promise(out, continues_below);
  return out + '}';
}
inline std::string encode_stop(trial_id trial) {
  auto out = encode::open("stop");
  encode::field(out, "trial", trial);
  return out + '}';
}
inline std::string encode_shutdown(std::string_view error) {
  auto out = encode::open("shutdown");
  encode::field(out, "error", error);
  return out + '}';
}

namespace decode {
// `where` names the sender and begins every error: "rank 2: report message".
inline json_value parse(std::string_view text, const std::string& where) {
  try {
    auto value = parse_json(text);
    if (!value.is_object()) throw std::invalid_argument("must be a JSON object");
    return value;
  } catch (const std::exception& failure) {
    throw std::invalid_argument(where + " does not parse: " + failure.what());
  }
}
inline std::string type_of(const json_value& message, const std::string& where) {
  const auto* type = message.find("type");
  if (type == nullptr || !type->is_string()) throw std::invalid_argument(where + ": field 'type' missing or not a string");
  return type->as_string();
}
inline trial_id trial(json_fields& fields) { return fields.required(fields.integer("trial", 0, std::numeric_limits<std::int64_t>::max()), "trial"); }
inline std::string message(json_fields& fields) { return fields.required(fields.text("message"), "message"); }
inline bool awaited(json_fields& fields) { return fields.boolean("awaited").value_or(true); }
inline double promise(json_fields& fields) {
  return fields.number("continues_below", 0.0, std::numeric_limits<double>::infinity()).value_or(0.0);
}
}  // namespace decode

// What a worker rank sent; `where` ("rank 2") names it in errors, which name the field too.
inline from_worker decode_from_worker(std::string_view text, const std::string& where) {
  const auto message = decode::parse(text, where + ": message");
  const auto type = decode::type_of(message, where + ": message");
  json_fields fields(&message, where + ": " + type + " message");
  (void)fields.raw("type");  // read above; finish() refuses only fields never asked for
  from_worker out;
  if (type == "hello") {
    const auto print = fields.required(fields.text("fingerprint"), "fingerprint");
    std::uint64_t value = 0;
    const auto [end, problem] = std::from_chars(print.data(), print.data() + print.size(), value);
    if (problem != std::errc{} || end != print.data() + print.size()) {
      fields.bad("fingerprint", json_value(print), "must be a 64-bit unsigned number");
    }
    out = hello{fields.required(fields.integer("slots", 1, 1'000'000), "slots"), value};
  } else if (type == "report") {
    report parsed{decode::trial(fields), fields.required(fields.number("resource"), "resource"), {},
                  decode::awaited(fields)};
    const auto* metrics = fields.raw("metrics");
    if (metrics == nullptr || !metrics->is_array()) {
      fields.bad("metrics", metrics ? *metrics : json_value(), "must be an array of numbers");
    }
    for (const auto& item : metrics->as_array()) {
      if (!item.is_number()) fields.bad("metrics", *metrics, "must be an array of numbers");
      parsed.metrics.push_back(item.as_double());
    }
    out = std::move(parsed);
  } else if (type == "returned") {
    out = returned{decode::trial(fields)};
  } else if (type == "failed") {
    out = failed{decode::trial(fields), decode::message(fields)};
  } else if (type == "error") {
    out = error{decode::message(fields)};
  } else if (type == "goodbye") {
    out = goodbye{};
  } else {
    fields.bad("type", json_value(type), "must be hello, report, returned, failed, error or goodbye");
  }
  fields.finish();
  return out;
}

inline to_worker decode_to_worker(std::string_view text, const std::string& where) {
  auto message = decode::parse(text, where + ": message");
  const auto type = decode::type_of(message, where + ": message");
  json_fields fields(&message, where + ": " + type + " message");
  (void)fields.raw("type");  // read above; finish() refuses only fields never asked for
  to_worker out;
  if (type == "welcome") {
    out = welcome{fields.required(fields.text("trials_dir"), "trials_dir"), fields.boolean("scratch").value_or(false)};
  } else if (type == "start") {
    start parsed{decode::trial(fields), fields.required(fields.integer("slot", 0, 1'000'000), "slot"), {},
                 fields.required(fields.number("resume_from"), "resume_from"), fields.number("run_to"),
                 decode::promise(fields)};
    const auto* config = fields.raw("config");
    if (config == nullptr || !config->is_object()) {
      fields.bad("config", config ? *config : json_value(), "must be a JSON object");
    }
    parsed.config = *config;
    out = std::move(parsed);
  } else if (type == "decision") {
    const auto trial = decode::trial(fields);
    const auto spelt = fields.required(fields.word("decision", {"CONTINUE", "PAUSE", "STOP"}), "decision");
    out = decision_reply{trial, *decision_from_string(spelt), decode::promise(fields)};
  } else if (type == "refused") {
    out = refused{decode::trial(fields), decode::message(fields), decode::awaited(fields)};
  } else if (type == "pause") {
    out = pause{decode::trial(fields)};
  } else if (type == "resume") {
    out = resume{decode::trial(fields), fields.required(fields.integer("slot", 0, 1'000'000), "slot"),
                 fields.number("run_to"), decode::promise(fields)};
  } else if (type == "stop") {
    out = stop{decode::trial(fields)};
  } else if (type == "shutdown") {
    out = shutdown{fields.required(fields.text("error"), "error")};
  } else {
    fields.bad("type", json_value(type),
               "must be welcome, start, decision, refused, pause, resume, stop or shutdown");
  }
  fields.finish();
  return out;
}

// A start's configuration, read through the space: a value it rejects is an
// error naming the hyperparameter (and `where`, the rank and the trial).
template <class Space>
typename Space::config_type config_from_json(const Space& space, const json_value& config, const std::string& where) {
  std::vector<std::pair<std::string, scalar_value>> values;
  for (const auto& [name, value] : config.as_object()) {
    auto scalar = to_scalar_value(value);
    if (!scalar) {
      std::string text;
      append_json(text, value);
      throw std::invalid_argument(where + ": config." + name + " = " + text + ": must be a number or a string");
    }
    values.emplace_back(name, std::move(*scalar));
  }
  try {
    return space.from_scalars([&values](std::string_view name) -> const scalar_value* {
      for (const auto& [key, value] : values) {
        if (key == name) return &value;
      }
      return nullptr;
    });
  } catch (const std::exception& failure) {
    throw std::invalid_argument(where + ": config: " + failure.what());
  }
}

}  // namespace rung::detail::wire
