// metadata.json, what an experiment is: one struct (experiment_metadata)
// and one table of its fields (for_each_metadata_field), from which the file
// is written, once and atomically (a crash leaves the old file or the new
// one, never part of one), read back by load_experiment, and checked against
// the tuner's settings on resume. The keys are in results/schema.hpp.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <vector>

#include "rung/decision.hpp"
#include "rung/experiment_description.hpp"
#include "rung/journal_sync.hpp"
#include "rung/results/detail/journal_file.hpp"
#include "rung/results/schema.hpp"
#include "rung/util/json.hpp"
#include "rung/util/json_write.hpp"
#include "rung/version.hpp"

namespace rung {

// What metadata.json holds, as the tuner describes the experiment and as
// load_experiment reads it back. (`resumed` is not in the file: the
// journal's tuning_started line says it.)
using experiment_metadata = experiment_description;

namespace detail {

// rung_version: the writer's own, written and not read back.
struct writer_version {};

// Calls visit(key, member) for each field of metadata.json, in the file's
// order; `Metadata` is const for writing. config_space is the domains' JSON
// with the hyperparameters' names (its keys) beside it.
template <class Metadata, class Visit>
void for_each_metadata_field(Metadata& metadata, Visit&& visit) {
  namespace key = metadata_key;
  visit(key::tuner_name, metadata.name);
  visit(key::rung_version, writer_version{});
  visit(key::metric, metadata.metric);
  visit(key::metric_mode, metadata.mode);
  visit(key::metric_names, metadata.metric_names);
  visit(key::resource_attr, metadata.resource_attr);
  visit(key::config_space, std::tie(metadata.config_space_json, metadata.hyperparameter_names));
  visit(key::n_workers, metadata.n_workers);
  visit(key::scheduler_name, metadata.scheduler);
  visit(key::driver, metadata.driver);
  visit(key::creation_timestamp, metadata.creation_timestamp);
}

inline void append_metadata_value(std::string& out, const std::string& text) { append_json_string(out, text); }
inline void append_metadata_value(std::string& out, writer_version /*unused*/) {
  append_json_string(out, version_string);
}
inline void append_metadata_value(std::string& out, mode direction) { append_json_string(out, to_string(direction)); }
inline void append_metadata_value(std::string& out, const std::vector<std::string>& texts) {
  out += '[';
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (i != 0) out += ',';
    append_json_string(out, texts[i]);
  }
  out += ']';
}
inline void append_metadata_value(std::string& out,
                                  const std::tuple<const std::string&, const std::vector<std::string>&>& space) {
  out += std::get<0>(space);
}
inline void append_metadata_value(std::string& out, std::size_t count) { append_number(out, count); }
// Unset: the real time now.
inline void append_metadata_value(std::string& out, const std::optional<double>& timestamp) {
  append_number(out, timestamp.value_or(
                         std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()));
}

inline void read_metadata_value(const json_value& json, std::string& text) { text = json.as_string(); }
inline void read_metadata_value(const json_value& json, mode& direction) {
  const std::string& text = json.as_string();
  if (text != to_string(mode::min) && text != to_string(mode::max)) {
    throw std::invalid_argument("\"" + text + "\": must be min or max");
  }
  direction = text == to_string(mode::max) ? mode::max : mode::min;
}
inline void read_metadata_value(const json_value& json, std::vector<std::string>& texts) {
  texts.clear();
  for (const auto& text : json.as_array()) texts.push_back(text.as_string());
}
inline void read_metadata_value(const json_value& json,
                                const std::tuple<std::string&, std::vector<std::string>&>& space) {
  auto& [domains, names] = space;
  names.clear();
  for (const auto& [name, domain] : json.as_object()) names.push_back(name);
  domains.clear();
  append_json(domains, json);
}
inline void read_metadata_value(const json_value& json, std::size_t& count) {
  const std::int64_t value = json.as_int64();
  if (value < 0) throw std::invalid_argument(std::to_string(value) + ": must be >= 0");
  count = static_cast<std::size_t>(value);
}
inline void read_metadata_value(const json_value& json, std::optional<double>& timestamp) {
  timestamp = json.as_double();
}

inline std::string metadata_json(const experiment_metadata& metadata) {
  std::string json = "{";
  for_each_metadata_field(metadata, [&json](std::string_view key, const auto& value) {
    if (json.size() > 1) json += ',';
    append_json_key(json, key);
    append_metadata_value(json, value);
  });
  json += "}\n";
  return json;
}

// Written to a temporary file, then renamed over `path`.
inline void write_metadata(const std::filesystem::path& path, const experiment_metadata& metadata,
                           journal_sync sync) {
  const std::string json = metadata_json(metadata);
  auto temporary = path;
  temporary += ".tmp";
  const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (descriptor < 0) fail_on(temporary, "cannot create");
  const bool written = write_fully(descriptor, json) && (sync == journal_sync::none || ::fsync(descriptor) == 0);
  const int error = errno;
  ::close(descriptor);
  errno = error;
  if (!written) fail_on(temporary, "cannot write");
  if (std::rename(temporary.c_str(), path.c_str()) != 0) fail_on(path, "cannot write");
  if (sync != journal_sync::none) sync_directory(path.parent_path());
}

// An error names the file.
inline json_value read_metadata_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + path.string() + ": not an experiment directory?");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    json_value json = parse_json(text);
    if (!json.is_object()) throw std::invalid_argument("must be a JSON object");
    return json;
  } catch (const std::exception& error) {
    throw std::invalid_argument(path.string() + ": " + error.what() + " (the file is damaged)");
  }
}

// Every field but rung_version must be there (st_tuner_creation_timestamp
// may be left out); an error names the file and the field.
inline experiment_metadata read_metadata(const std::filesystem::path& path) {
  const json_value json = read_metadata_json(path);
  experiment_metadata metadata;
  for_each_metadata_field(metadata, [&](std::string_view key, auto&& member) {
    using member_type = std::remove_cvref_t<decltype(member)>;
    if constexpr (!std::is_same_v<member_type, writer_version>) {
      const json_value* value = json.find(key);
      if (value == nullptr) {
        if constexpr (std::is_same_v<member_type, std::optional<double>>) return;
        throw std::invalid_argument(path.string() + ": missing field '" + std::string(key) + "'");
      }
      try {
        read_metadata_value(*value, member);
      } catch (const std::exception& error) {
        throw std::invalid_argument(path.string() + ": " + std::string(key) + ": " + error.what());
      }
    }
  });
  return metadata;
}

// What a resumed tuning must share with the one it goes on from: the
// metrics and the space decide what the journal means, the scheduler what
// replaying it does.
inline void check_metadata_matches(const std::filesystem::path& path, const experiment_metadata& description) {
  namespace key = metadata_key;
  static constexpr std::string_view fixed[] = {key::metric,        key::metric_mode,  key::metric_names,
                                               key::resource_attr, key::config_space, key::scheduler_name};
  const json_value recorded = read_metadata_json(path);
  const json_value current = parse_json(metadata_json(description));
  for (const std::string_view name : fixed) {
    const json_value* value = recorded.find(name);
    const json_value& expected = *current.find(name);
    if (value != nullptr && *value == expected) continue;
    std::string what = path.string() + ": " + std::string(name) + " is ";
    if (value == nullptr) {
      what += "missing";
    } else {
      append_json(what, *value);
    }
    what += ", the tuner's is ";
    append_json(what, expected);
    throw std::invalid_argument(what + ": resume with the settings the experiment was started with");
  }
}

}  // namespace detail
}  // namespace rung
