// What rung-tune keeps so that `rung-tune --resume NAME` needs nothing else,
// the checks made before anything starts, and how it ends (its exit status).
// <experiment>/rung-tune.json holds the settings as used (the file and the
// flags merged), the program and the directory it ran from.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "rung/drivers/subprocess/detail/child_process.hpp"
#include "rung/results/experiment_recorder.hpp"
#include "rung/tuner_options.hpp"
#include "rung/util/json.hpp"
#include "rung/util/json_fields.hpp"

namespace rung_tune {

using rung::detail::json_value;

inline constexpr std::string_view launch_file_name = "rung-tune.json";

// rung-tune's exit statuses; a signal N that ends the tuning gives 128 + N.
enum exit_status : int {
  succeeded = 0,           // the tuning ended on its limits, and some trial reported and did not fail
  bad_input = 1,           // bad settings, a program that cannot run, an experiment that cannot be written
  bad_usage = 2,           // the command line
  too_many_failures = 3,   // more trials failed than max_failures
  no_trial_succeeded = 4,  // every trial failed or reported nothing
};

struct launch {
  bool resume = false;
  json_value settings = {};                      // the settings file's object with the flags applied
  std::vector<std::string> program = {};         // the trial's command
  std::string config_file = {};                  // the settings file's name, as messages name it
  std::filesystem::path working_directory = {};  // where the program runs, and relative paths in it start
};

// The section's field, or nullptr.
inline const json_value* field_of(const json_value& document, std::string_view section, std::string_view field) {
  const auto* members = document.find(section);
  return members != nullptr && members->is_object() ? members->find(field) : nullptr;
}

// Sets document.section.field, making the section if it is absent (a
// section that is no object is left for the settings' reader to refuse).
inline void set_field(json_value& document, const std::string& section, const std::string& field, json_value value) {
  auto members = document.as_object();
  auto found =
      std::find_if(members.begin(), members.end(), [&](const auto& member) { return member.first == section; });
  if (found == members.end()) found = members.insert(members.end(), {section, json_value(json_value::object_type{})});
  if (!found->second.is_object()) return;
  auto section_members = found->second.as_object();
  std::erase_if(section_members, [&](const auto& member) { return member.first == field; });
  section_members.emplace_back(field, std::move(value));
  found->second = json_value(std::move(section_members));
  document = json_value(std::move(members));
}

// Writes <directory>/rung-tune.json whole or not at all. A new tuning
// refuses a directory that holds a journal already: that is another
// experiment, whose saved settings must not be overwritten.
inline void save_launch(const std::filesystem::path& directory, const launch& how) {
  if (!how.resume && std::filesystem::exists(directory / rung::journal_file_name)) {
    throw std::invalid_argument("experiment directory " + directory.string() +
                                " already holds a journal: choose another --name, or go on with it with --resume " +
                                directory.filename().string());
  }
  json_value::array_type program(how.program.begin(), how.program.end());
  const json_value saved(json_value::object_type{{"settings", how.settings},
                                                 {"program", json_value(std::move(program))},
                                                 {"config_file", json_value(how.config_file)},
                                                 {"working_directory", json_value(how.working_directory.string())}});
  std::string text;
  rung::detail::append_json(text, saved);
  text += '\n';
  std::filesystem::create_directories(directory);
  const auto file = directory / launch_file_name;
  const auto partial = directory / (std::string(launch_file_name) + ".partial");
  std::ofstream(partial, std::ios::binary | std::ios::trunc) << text;
  std::error_code error;
  std::filesystem::rename(partial, file, error);
  if (error || std::filesystem::file_size(file) != text.size()) {
    throw std::invalid_argument("cannot write " + file.string() + (error ? ": " + error.message() : ""));
  }
}

// What rung-tune.json (`text`, read from `file`) saved.
inline launch load_launch(const std::string& text, const std::filesystem::path& file) {
  json_value document;
  try {
    document = rung::detail::parse_json(text);
  } catch (const rung::detail::json_error& error) {
    throw std::invalid_argument(file.string() + ": " + error.what());
  }
  rung::detail::json_fields fields(&document, file.string());
  launch how{.resume = true};
  const auto* settings = fields.raw("settings");
  if (settings == nullptr || !settings->is_object()) {
    fields.bad("settings", settings ? *settings : json_value(), "must hold the settings object");
  }
  how.settings = *settings;
  how.program = fields.texts("program").value_or(std::vector<std::string>{});
  if (how.program.empty()) fields.bad("program", json_value(), "must name the program");
  how.config_file = fields.text("config_file").value_or("settings");
  how.working_directory = fields.text("working_directory").value_or(".");
  fields.finish();
  return how;
}

// Fails with "cannot run 'x': ..." unless `program` can be started, before
// any trial tries and fails.
inline void check_program(const std::string& program) {
  const auto executable = rung::detail::resolve_program(program);  // PATH lookup when it has no slash
  struct stat info {};
  const auto cannot = [&](const std::string& why) {
    throw std::invalid_argument("cannot run '" + program + "': " + why);
  };
  if (::stat(executable.c_str(), &info) != 0) cannot(std::strerror(errno));
  if (S_ISDIR(info.st_mode)) cannot("it is a directory");
  if (::access(executable.c_str(), X_OK) != 0) cannot(std::string(std::strerror(errno)) + " (not executable)");
}

// A word as a POSIX shell reads it back: as is when that is safe, else in
// single quotes.
inline std::string shell_quote(std::string_view word) {
  constexpr std::string_view safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=.,/:@%";
  if (!word.empty() && word.find_first_not_of(safe) == std::string_view::npos) return std::string(word);
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// How the tuning ended, as an exit status; says what the summary does not.
template <class Result>
int ending(const Result& result, const rung::tuner_options& options) {
  if (result.interrupted) {
    const auto root = std::filesystem::absolute(options.experiment_root).lexically_normal();
    std::cout << "rung-tune: to go on: rung-tune --resume " << shell_quote(options.name) << " --experiment-root "
              << shell_quote(root.string()) << " (--max-trials or --max-time may raise the budget)" << std::endl;
    return 128 + result.interrupt_signal;
  }
  if (result.status.num_trials_failed > options.max_failures) return too_many_failures;  // the summary says so
  const bool any = std::any_of(result.trials.begin(), result.trials.end(), [](const auto& trial) {
    return trial.status != rung::trial_status::failed && trial.iterations > 0;
  });
  if (any) return succeeded;
  std::cerr << "rung-tune: no trial succeeded (" << result.status.num_trials_failed << " of "
            << result.status.num_trials_started << " failed, the others reported nothing)\n";
  return no_trial_succeeded;
}

}  // namespace rung_tune
