// Writes an experiment directory as the tuning goes:
//   metadata.json   what the experiment is (metrics, mode, space, workers),
//                   written atomically
//   journal.jsonl   every event, one JSON object per line, in the file as it
//                   happens (see detail/journal_file.hpp and journal_sync.hpp
//                   for what a crash or a power loss can take): the record
//                   that load_experiment and a resumed tuning read
//   results.csv     one row per report with Syne Tune's column names, so
//                   pandas reads it as is and the seeds' plotting code runs
// Every file name, key and column is in results/schema.hpp.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "rung/decision.hpp"
#include "rung/experiment_description.hpp"
#include "rung/journal_sync.hpp"
#include "rung/results/detail/journal_file.hpp"
#include "rung/results/journal.hpp"
#include "rung/results/metadata.hpp"
#include "rung/results/metric_resolver.hpp"
#include "rung/results/schema.hpp"
#include "rung/trials.hpp"
#include "rung/tuning_status.hpp"
#include "rung/util/csv.hpp"
#include "rung/util/json_write.hpp"

namespace rung {

namespace detail {
struct file_closer {
  void operator()(std::FILE* file) const noexcept { std::fclose(file); }
};
using file_handle = std::unique_ptr<std::FILE, file_closer>;

inline file_handle open_for_writing(const std::filesystem::path& path) {
  file_handle file(std::fopen(path.c_str(), "wb"));
  if (!file) {
    throw std::system_error(errno, std::generic_category(), "cannot open " + path.string() + " for writing");
  }
  return file;
}

// The file's path is put together only for the error: a row is written per report.
inline void write_all(std::FILE* file, std::string_view text, const std::filesystem::path& directory,
                      std::string_view file_name) {
  if (std::fwrite(text.data(), 1, text.size(), file) != text.size()) {
    throw std::system_error(errno, std::generic_category(), "cannot write " + (directory / file_name).string());
  }
}
}  // namespace detail

template <class Space>
class experiment_recorder {
 public:
  using config_type = typename Space::config_type;

  // Creates `directory` (and its parents); refuses one that already holds a
  // journal, unless `resume` (then open_to_resume() goes on with it).
  experiment_recorder(std::filesystem::path directory, Space space, bool resume = false,
                      journal_sync sync = journal_sync::none)
      : directory_(std::move(directory)), space_(std::move(space)), sync_(sync) {
    std::filesystem::create_directories(directory_);
    const bool has_journal = std::filesystem::exists(directory_ / journal_file_name);
    if (has_journal && !resume) {
      throw std::invalid_argument("experiment directory " + directory_.string() +
                                  " already holds a journal: choose another name, or resume it");
    }
    if (!has_journal && resume) {
      throw std::invalid_argument("nothing to resume: " + directory_.string() + " holds no journal");
    }
  }

  [[nodiscard]] const std::filesystem::path& directory() const noexcept { return directory_; }

  // Before a resumed tuning replays the journal: locks it, checks that
  // metadata.json describes the same experiment, reads every line (damage
  // is an error naming the file and the line), cuts off what follows the
  // last complete line (see journal_summary::describe_tail) so that nothing
  // is appended to a partial line, and rewrites results.csv from it.
  journal_summary open_to_resume(const experiment_description& description) {
    describe(description);
    const auto journal = directory_ / journal_file_name;
    journal_.emplace(journal, detail::journal_file::open_mode::append, sync_);
    if (grouping_) journal_->group_lines();
    const auto results = directory_ / results_file_name;
    auto rewritten = results;
    rewritten += ".tmp";
    journal_summary summary;
    try {
      detail::check_metadata_matches(directory_ / metadata_file_name, description_);
      open_results(rewritten);
      summary = rewrite_results_from_journal(journal);
      if (summary.truncated) journal_->cut_to(summary.complete_size);
      std::filesystem::rename(rewritten, results);  // the handle writes on, now to results.csv
    } catch (...) {  // the experiment stays as it was: results.csv untouched, the journal unlocked
      results_.reset();
      std::filesystem::remove(rewritten);
      journal_.reset();
      throw;
    }
    seq_ = summary.events;
    dropped_bytes_ = summary.tail_size;
    return summary;
  }

  void tuning_started(const experiment_description& description, double now) {
    if (!journal_) {  // a new experiment (a resumed one was opened by open_to_resume)
      describe(description);
      journal_.emplace(directory_ / journal_file_name, detail::journal_file::open_mode::create, sync_);
      if (grouping_) journal_->group_lines();
      detail::write_metadata(directory_ / metadata_file_name, description_, sync_);
      open_results(directory_ / results_file_name);
    }
    begin_event(journal_event_kind::tuning_started, now);
    key(journal_key::name);
    detail::append_json_string(line_, description_.name);
    if (description.resumed) {
      key(journal_key::resumed);
      line_ += "true";
      key(journal_key::dropped_bytes);
      detail::append_number(line_, dropped_bytes_);
    }
    write_event();
  }

  void trial_started(const trial_record<config_type>& trial, double now) {
    begin_trial_event(journal_event_kind::trial_started, trial.id, now);
    key(journal_key::config);
    space_.append_json(line_, trial.config);
    write_event();
  }

  void trial_resumed(const trial_record<config_type>& trial, double from_resource, double now) {
    begin_trial_event(journal_event_kind::trial_resumed, trial.id, now);
    key(journal_key::from_resource);
    detail::append_number(line_, from_resource);
    write_event();
  }

  void trial_reported(const trial_record<config_type>& trial, double resource, std::span<const double> metrics,
                      decision outcome, decision scheduler_decision, double now) {
    begin_trial_event(journal_event_kind::report, trial.id, now);
    key(journal_key::worker_time);
    detail::append_number(line_, trial.worker_time);
    key(journal_key::resource);
    detail::append_number(line_, resource);
    key(journal_key::metrics);
    line_ += '{';
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      if (i != 0) line_ += ',';
      detail::append_json_key(line_, description_.metric_names[i]);
      detail::append_number(line_, metrics[i]);
    }
    line_ += '}';
    key(journal_key::decision);
    plain_string(to_string(outcome));
    key(journal_key::status);
    plain_string(to_string(trial.status));
    if (outcome != scheduler_decision) {  // the tuning's end turned it into STOP
      mark_cut();
      key(journal_key::scheduler_decision);
      plain_string(to_string(scheduler_decision));
    }
    write_event();
    write_results_row(trial, resource, metrics, outcome, now);
  }

  void report_ignored(const trial_record<config_type>& trial, double resource, std::string_view why, double now) {
    begin_trial_event(journal_event_kind::report_ignored, trial.id, now);
    key(journal_key::resource);
    detail::append_number(line_, resource);
    key(journal_key::reason);
    detail::append_json_string(line_, why);
    write_event();
  }

  void trial_finished(const trial_record<config_type>& trial, double now) {
    begin_trial_event(journal_event_kind::trial_finished, trial.id, now);
    key(journal_key::status);
    plain_string(to_string(trial.status));
    key(journal_key::worker_time);
    detail::append_number(line_, trial.worker_time);
    if (!trial.error.empty()) {
      key(journal_key::error);
      detail::append_json_string(line_, trial.error);
    }
    if (trial.cut) mark_cut();
    write_event();
  }

  void tuning_finished(const tuning_status& status, std::string_view reason, double now) {
    begin_event(journal_event_kind::tuning_finished, now);
    key(journal_key::reason);
    detail::append_json_string(line_, reason);
    key(journal_key::trials_started);
    detail::append_number(line_, status.num_trials_started);
    write_event();
    journal_->close();
    journal_.reset();
  }

  // Group commit (journal_file::group_lines): events wait for
  // commit_events(), which a driver calls before it acts on any of them.
  void group_events() {
    grouping_ = true;
    if (journal_) journal_->group_lines();
  }
  void commit_events() {
    if (journal_) journal_->commit();
  }

  // results.csv is buffered: it is derived data, the journal is the record.
  // Under journal_sync::periodic, the journal is synced here too.
  void flush() {
    if (results_) std::fflush(results_.get());
    if (journal_) journal_->checkpoint();
  }

 private:
  void describe(const experiment_description& description) {
    description_ = description;
    metric_order_.emplace(description_.metric_names);
  }

  // {"seq":12,"event":"report","trial_id":3,"time":1.5 — the object is closed by write_event.
  void begin_event(journal_event_kind kind, double now) {
    begin_line(kind);
    key(journal_key::time);
    detail::append_number(line_, now);
  }

  void begin_trial_event(journal_event_kind kind, trial_id id, double now) {
    begin_line(kind);
    key(journal_key::trial_id);
    detail::append_number(line_, id);
    key(journal_key::time);
    detail::append_number(line_, now);
  }

  void begin_line(journal_event_kind kind) {
    line_ = "{\"";
    line_ += journal_key::seq;
    line_ += "\":";
    detail::append_number(line_, seq_);
    key(journal_key::event);
    plain_string(to_string(kind));
  }

  // The journal's keys and enum names need no escaping.
  void key(std::string_view name) {
    line_ += ",\"";
    line_ += name;
    line_ += "\":";
  }

  void mark_cut() {
    key(journal_key::cut);
    line_ += "true";
  }

  void plain_string(std::string_view text) {
    line_ += '"';
    line_ += text;
    line_ += '"';
  }

  // One event, one complete line, one write: in the file before the tuner acts on it.
  void write_event() {
    line_ += "}\n";
    if (!journal_) throw std::logic_error("experiment_recorder: an event after tuning_finished");
    journal_->append(line_);
    ++seq_;
  }

  // Large buffer for results.csv: it is flushed on flush(), the journal on every event.
  void open_results(const std::filesystem::path& path) {
    results_ = detail::open_for_writing(path);
    std::setvbuf(results_.get(), nullptr, _IOFBF, 1U << 16U);
    write_results_header();
  }

  void write_results_header() {
    row_.clear();
    for (const auto& column : results_columns(description_.resource_attr, description_.metric_names,
                                              description_.hyperparameter_names)) {
      if (!row_.empty()) row_ += ',';
      detail::append_csv_field(row_, column);
    }
    row_ += '\n';
    detail::write_all(results_.get(), row_, directory_, results_file_name);
  }

  void write_results_row(const trial_record<config_type>& trial, double resource, std::span<const double> metrics,
                         decision outcome, double now) {
    begin_results_row(trial.id, to_string(trial.status), to_string(outcome), now, trial.worker_time, trial.iterations,
                      resource, metrics);
    trial.config.for_each([this](std::string_view /*name*/, const auto& value) {
      row_ += ',';
      detail::append_csv_value(row_, value);
    });
    end_results_row();
  }

  void begin_results_row(trial_id id, std::string_view status, std::string_view outcome, double now,
                         double worker_time, std::int64_t iterations, double resource, std::span<const double> metrics) {
    row_.clear();
    detail::append_number(row_, id);
    row_ += ',';
    row_ += status;
    row_ += ',';
    row_ += outcome;
    row_ += ',';
    detail::append_number(row_, now);
    row_ += ',';
    // A worker column's metric, where the trial reported it (not NaN).
    const auto reported = [&](std::string_view column) {
      const auto found = metric_order_->index_of(column);
      return found && *found < metrics.size() && metrics[*found] == metrics[*found] ? metrics[*found]
                                                                                    : std::optional<double>();
    };
    detail::append_number(row_, reported(results_column::worker_time).value_or(worker_time));
    row_ += ',';
    if (const auto iteration = reported(results_column::worker_iter)) {
      detail::append_number(row_, *iteration);
    } else {
      detail::append_number(row_, iterations);
    }
    row_ += ',';
    detail::append_number(row_, resource);
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      if (is_worker_column(description_.metric_names[i])) continue;
      row_ += ',';
      detail::append_csv_number(row_, metrics[i]);
    }
  }

  void end_results_row() {
    row_ += '\n';
    detail::write_all(results_.get(), row_, directory_, results_file_name);
  }

  // On resume, results.csv is written anew from the journal, the record that
  // a crash cannot cut short, so the two agree row for row.
  journal_summary rewrite_results_from_journal(const std::filesystem::path& journal) {
    std::vector<journal_event> started;
    std::vector<std::int64_t> iterations;
    std::vector<double> metrics;
    return read_journal(journal, [&](const journal_event& event) {
      if (event.kind == journal_event_kind::trial_started) {
        started.push_back(event);
        iterations.push_back(0);
      }
      if (event.kind != journal_event_kind::report) return;
      metric_order_->place(event.metrics, metrics, [](std::string_view /*not in metadata.json*/) {});
      const auto index = static_cast<std::size_t>(event.trial);
      begin_results_row(event.trial, event.status, event.decision, event.time, event.worker_time, ++iterations.at(index),
                        event.resource, metrics);
      for (const auto& [name, value] : started.at(index).config) {
        row_ += ',';
        std::visit([this](const auto& held) { detail::append_csv_value(row_, held); }, value);
      }
      end_results_row();
    });
  }

  std::filesystem::path directory_;
  Space space_;
  journal_sync sync_;
  experiment_description description_;
  std::optional<detail::metric_resolver> metric_order_;  // of description_.metric_names
  std::optional<detail::journal_file> journal_;
  bool grouping_ = false;  // group_events(): the journal, once open, groups its lines
  std::size_t seq_ = 0;               // the next line's index
  std::uintmax_t dropped_bytes_ = 0;  // cut off the journal's end by open_to_resume
  detail::file_handle results_;
  std::string line_;
  std::string row_;
};

}  // namespace rung
