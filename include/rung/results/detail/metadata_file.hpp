// metadata.json, what an experiment is: written once, atomically (a crash
// leaves the old file or the new one, never part of one), read back by
// load_experiment, and checked against the tuner's settings on resume.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "rung/decision.hpp"
#include "rung/experiment_description.hpp"
#include "rung/journal_sync.hpp"
#include "rung/results/detail/journal_file.hpp"
#include "rung/util/json.hpp"
#include "rung/util/json_write.hpp"
#include "rung/version.hpp"

namespace rung::detail {

inline std::string metadata_json(const experiment_description& description) {
  std::string json = R"({"tuner_name":)";
  append_json_string(json, description.name);
  json += R"(,"rung_version":)";
  append_json_string(json, version_string);
  json += R"(,"metric":)";
  append_json_string(json, description.metric);
  json += R"(,"metric_mode":")";
  json += to_string(description.mode);
  json += R"(","metric_names":[)";
  for (std::size_t i = 0; i < description.metric_names.size(); ++i) {
    if (i != 0) json += ',';
    append_json_string(json, description.metric_names[i]);
  }
  json += R"(],"resource_attr":)";
  append_json_string(json, description.resource_attr);
  json += R"(,"config_space":)";
  json += description.config_space_json;
  json += R"(,"n_workers":)";
  append_number(json, description.n_workers);
  json += R"(,"scheduler_name":)";
  append_json_string(json, description.scheduler);
  json += R"(,"driver":)";
  append_json_string(json, description.driver);
  json += R"(,"st_tuner_creation_timestamp":)";
  append_number(json, description.creation_timestamp.value_or(
                          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()));
  json += "}\n";
  return json;
}

// Written to a temporary file, then renamed over `path`.
inline void write_metadata(const std::filesystem::path& path, const experiment_description& description,
                           journal_sync sync) {
  const std::string json = metadata_json(description);
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

// What a resumed tuning must share with the one it goes on from: the
// metrics and the space decide what the journal means, the scheduler what
// replaying it does.
inline void check_metadata_matches(const std::filesystem::path& path, const experiment_description& description) {
  static constexpr std::string_view fixed[] = {"metric",        "metric_mode",  "metric_names",
                                               "resource_attr", "config_space", "scheduler_name"};
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

}  // namespace rung::detail
