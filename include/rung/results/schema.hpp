// The experiment folder's three formats, spelt once: the writer
// (experiment_recorder), the readers (load_experiment, read_journal), the
// resume (the journal's replay, the metadata check) and rung-tune take every
// file name, event name, key and column from here.
//   journal.jsonl   one event per line: journal_event_kind, journal_key
//   metadata.json   what the experiment is: metadata_key (the fields'
//                   order and their members: results/metadata.hpp)
//   results.csv     one row per report: results_column, results_columns()
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rung {

inline constexpr std::string_view metadata_file_name = "metadata.json";
inline constexpr std::string_view journal_file_name = "journal.jsonl";
inline constexpr std::string_view results_file_name = "results.csv";

// ---- journal.jsonl ----

enum class journal_event_kind : std::uint8_t {
  tuning_started,
  trial_started,
  trial_resumed,
  report,
  report_ignored,
  trial_finished,
  tuning_finished,
};

// Indexed by journal_event_kind.
inline constexpr std::string_view journal_event_names[] = {"tuning_started", "trial_started",  "trial_resumed",
                                                           "report",         "report_ignored", "trial_finished",
                                                           "tuning_finished"};

[[nodiscard]] constexpr std::string_view to_string(journal_event_kind kind) noexcept {
  return journal_event_names[static_cast<std::size_t>(kind)];
}

[[nodiscard]] constexpr std::optional<journal_event_kind> journal_event_kind_from_string(std::string_view name) noexcept {
  const auto* found = std::find(std::begin(journal_event_names), std::end(journal_event_names), name);
  if (found == std::end(journal_event_names)) return std::nullopt;
  return static_cast<journal_event_kind>(found - std::begin(journal_event_names));
}

// Every line: seq, event, then trial_id (trial events) and time. Then, by event:
//   tuning_started   name [resumed dropped_bytes]
//   trial_started    config
//   trial_resumed    from_resource
//   report           worker_time resource metrics decision status [cut scheduler_decision]
//   report_ignored   resource reason
//   trial_finished   status worker_time [error] [cut]
//   tuning_finished  reason trials_started
namespace journal_key {
inline constexpr std::string_view seq = "seq";  // every event: its line's 0-based index
inline constexpr std::string_view event = "event";
inline constexpr std::string_view time = "time";
inline constexpr std::string_view trial_id = "trial_id";
inline constexpr std::string_view config = "config";
inline constexpr std::string_view from_resource = "from_resource";
inline constexpr std::string_view worker_time = "worker_time";
inline constexpr std::string_view resource = "resource";
inline constexpr std::string_view metrics = "metrics";
inline constexpr std::string_view decision = "decision";
inline constexpr std::string_view status = "status";
inline constexpr std::string_view reason = "reason";
inline constexpr std::string_view error = "error";
inline constexpr std::string_view name = "name";
inline constexpr std::string_view resumed = "resumed";
inline constexpr std::string_view dropped_bytes = "dropped_bytes";  // tuning_started: the tail a resume cut off
inline constexpr std::string_view trials_started = "trials_started";
// report, trial_finished: true where the tuning's end (a limit, a signal,
// request_stop()) cut the trial short, not the scheduler; a resume carries it on.
inline constexpr std::string_view cut = "cut";
// report, with cut: what the scheduler decided before the tuning's end turned it into STOP.
inline constexpr std::string_view scheduler_decision = "scheduler_decision";
}  // namespace journal_key

// ---- metadata.json ----

// Syne Tune's names where it has them (tuner_name, metric_mode,
// st_tuner_creation_timestamp); in the file in this order.
namespace metadata_key {
inline constexpr std::string_view tuner_name = "tuner_name";
inline constexpr std::string_view rung_version = "rung_version";  // the writer's, not read back
inline constexpr std::string_view metric = "metric";
inline constexpr std::string_view metric_mode = "metric_mode";
inline constexpr std::string_view metric_names = "metric_names";
inline constexpr std::string_view resource_attr = "resource_attr";
inline constexpr std::string_view config_space = "config_space";  // {name: domain}: the hyperparameters' order
inline constexpr std::string_view n_workers = "n_workers";
inline constexpr std::string_view scheduler_name = "scheduler_name";
inline constexpr std::string_view driver = "driver";
inline constexpr std::string_view creation_timestamp = "st_tuner_creation_timestamp";
}  // namespace metadata_key

// ---- results.csv ----

// Syne Tune's column names.
namespace results_column {
inline constexpr std::string_view trial_id = "trial_id";
inline constexpr std::string_view status = "st_status";      // the trial's, after the decision
inline constexpr std::string_view decision = "st_decision";  // CONTINUE, PAUSE or STOP
inline constexpr std::string_view tuner_time = "st_tuner_time";
// The trial's own when it reports a metric of this name (as syne_tune.Reporter
// does), else the tuner's clock of the trial's running time.
inline constexpr std::string_view worker_time = "st_worker_time";
// The trial's own when reported, else its count of reports.
inline constexpr std::string_view worker_iter = "st_worker_iter";
inline constexpr std::string_view config_prefix = "config_";  // config_<hyperparameter>
}  // namespace results_column

// The columns before the resource's, in the file's order.
inline constexpr std::string_view results_leading_columns[] = {
    results_column::trial_id,   results_column::status,      results_column::decision,
    results_column::tuner_time, results_column::worker_time, results_column::worker_iter};

// A metric of one of these names fills the column of its name instead of one of its own.
inline constexpr std::string_view results_worker_columns[] = {results_column::worker_time,
                                                              results_column::worker_iter};

[[nodiscard]] constexpr bool is_worker_column(std::string_view metric) noexcept {
  return std::find(std::begin(results_worker_columns), std::end(results_worker_columns), metric) !=
         std::end(results_worker_columns);
}

// The header: the leading columns, the resource, the metrics (but those
// filling a worker column), then config_<name> per hyperparameter.
[[nodiscard]] inline std::vector<std::string> results_columns(std::string_view resource_attr,
                                                              std::span<const std::string> metric_names,
                                                              std::span<const std::string> hyperparameter_names) {
  std::vector<std::string> columns(std::begin(results_leading_columns), std::end(results_leading_columns));
  columns.emplace_back(resource_attr);
  for (const auto& metric : metric_names) {
    if (!is_worker_column(metric)) columns.push_back(metric);
  }
  for (const auto& name : hyperparameter_names) columns.push_back(std::string(results_column::config_prefix) + name);
  return columns;
}

}  // namespace rung
