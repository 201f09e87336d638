// Writes an experiment directory as the tuning goes:
//   metadata.json   what the experiment is (metrics, mode, space, workers)
//   journal.jsonl   every event, one JSON object per line, flushed as it
//                   happens: the record a crash cannot take away, and what
//                   load_experiment and a resumed tuning read
//   results.csv     one row per report with Syne Tune's column names
//                   (trial_id, st_tuner_time, st_worker_time, st_decision,
//                   status, config_<name>, the resource and the metrics), so
//                   pandas reads it as is and the seeds' plotting code runs
#pragma once

#include <algorithm>
#include <chrono>
#include <limits>
#include <variant>
#include <vector>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "rung/decision.hpp"
#include "rung/detail/csv.hpp"
#include "rung/detail/json_write.hpp"
#include "rung/detail/mapped_append_file.hpp"
#include "rung/experiment_description.hpp"
#include "rung/results/journal.hpp"
#include "rung/trials.hpp"
#include "rung/tuning_status.hpp"
#include "rung/version.hpp"

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

inline void write_all(std::FILE* file, std::string_view text, const std::filesystem::path& path) {
  if (std::fwrite(text.data(), 1, text.size(), file) != text.size()) {
    throw std::system_error(errno, std::generic_category(), "cannot write " + path.string());
  }
}
}  // namespace detail

inline constexpr std::string_view metadata_file_name = "metadata.json";
inline constexpr std::string_view journal_file_name = "journal.jsonl";
inline constexpr std::string_view results_file_name = "results.csv";

template <class Space>
class experiment_recorder {
 public:
  using config_type = typename Space::config_type;

  // Creates `directory` (and its parents); refuses one that already holds a
  // journal, unless `resume` (then it appends to it) .
  experiment_recorder(std::filesystem::path directory, Space space, bool resume = false)
      : directory_(std::move(directory)), space_(std::move(space)) {
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

  void tuning_started(const experiment_description& description, double now) {
    description_ = description;
    if (!description.resumed) write_metadata();
    journal_.emplace(directory_ / journal_file_name);
    if (description.resumed) {
      rewrite_results_from_journal();
    } else {
      results_ = detail::open_for_writing(directory_ / results_file_name);
      // Large buffer for results.csv: it is flushed on flush(), the journal on every event.
      std::setvbuf(results_.get(), nullptr, _IOFBF, 1U << 16U);
      write_results_header();
    }
    line_ = R"({"event":"tuning_started","time":)";
    detail::append_number(line_, now);
    line_ += R"(,"name":)";
    detail::append_json_string(line_, description_.name);
    if (description.resumed) line_ += R"(,"resumed":true)";
    line_ += '}';
    write_event();
  }

  void trial_started(const trial_record<config_type>& trial, double now) {
    begin_event("trial_started", trial.id, now);
    line_ += R"(,"config":)";
    space_.append_json(line_, trial.config);
    line_ += '}';
    write_event();
  }

  void trial_resumed(const trial_record<config_type>& trial, double from_resource, double now) {
    begin_event("trial_resumed", trial.id, now);
    line_ += R"(,"from_resource":)";
    detail::append_number(line_, from_resource);
    line_ += '}';
    write_event();
  }

  void trial_reported(const trial_record<config_type>& trial, double resource, std::span<const double> metrics,
                      decision outcome, double now) {
    begin_event("report", trial.id, now);
    line_ += R"(,"worker_time":)";
    detail::append_number(line_, trial.worker_time);
    line_ += R"(,"resource":)";
    detail::append_number(line_, resource);
    line_ += R"(,"metrics":{)";
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      if (i != 0) line_ += ',';
      detail::append_json_key(line_, description_.metric_names[i]);
      detail::append_number(line_, metrics[i]);
    }
    line_ += R"(},"decision":")";
    line_ += to_string(outcome);
    line_ += R"(","status":")";
    line_ += to_string(trial.status);
    line_ += "\"}";
    write_event();
    write_results_row(trial, resource, metrics, outcome, now);
  }

  void report_ignored(const trial_record<config_type>& trial, double resource, std::string_view why, double now) {
    begin_event("report_ignored", trial.id, now);
    line_ += R"(,"resource":)";
    detail::append_number(line_, resource);
    line_ += R"(,"reason":)";
    detail::append_json_string(line_, why);
    line_ += '}';
    write_event();
  }

  void trial_finished(const trial_record<config_type>& trial, double now) {
    begin_event("trial_finished", trial.id, now);
    line_ += R"(,"status":")";
    line_ += to_string(trial.status);
    line_ += R"(","worker_time":)";
    detail::append_number(line_, trial.worker_time);
    if (!trial.error.empty()) {
      line_ += R"(,"error":)";
      detail::append_json_string(line_, trial.error);
    }
    line_ += '}';
    write_event();
  }

  void tuning_finished(const tuning_status& status, std::string_view reason, double now) {
    line_ = R"({"event":"tuning_finished","time":)";
    detail::append_number(line_, now);
    line_ += R"(,"reason":)";
    detail::append_json_string(line_, reason);
    line_ += R"(,"trials_started":)";
    detail::append_number(line_, status.num_trials_started);
    line_ += '}';
    write_event();
    journal_->close();
  }

  // results.csv is buffered: it is derived data, the journal is the record.
  void flush() {
    if (results_) std::fflush(results_.get());
  }

 private:
  void write_metadata() const {
    std::string json = R"({"tuner_name":)";
    detail::append_json_string(json, description_.name);
    json += R"(,"rung_version":)";
    detail::append_json_string(json, version_string);
    json += R"(,"metric":)";
    detail::append_json_string(json, description_.metric);
    json += R"(,"metric_mode":")";
    json += to_string(description_.mode);
    json += R"(","metric_names":[)";
    for (std::size_t i = 0; i < description_.metric_names.size(); ++i) {
      if (i != 0) json += ',';
      detail::append_json_string(json, description_.metric_names[i]);
    }
    json += R"(],"resource_attr":)";
    detail::append_json_string(json, description_.resource_attr);
    json += R"(,"config_space":)";
    json += description_.config_space_json;
    json += R"(,"n_workers":)";
    detail::append_number(json, description_.n_workers);
    json += R"(,"scheduler_name":)";
    detail::append_json_string(json, description_.scheduler);
    json += R"(,"driver":)";
    detail::append_json_string(json, description_.driver);
    json += R"(,"st_tuner_creation_timestamp":)";
    detail::append_number(json, description_.creation_timestamp.value_or(
                                    std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                                        .count()));
    json += "}\n";
    const auto path = directory_ / metadata_file_name;
    const detail::file_handle file(std::fopen(path.c_str(), "wb"));
    if (!file) throw std::system_error(errno, std::generic_category(), "cannot write " + path.string());
    detail::write_all(file.get(), json, path);
  }

  void begin_event(std::string_view event, trial_id id, double now) {
    line_ = R"({"event":")";
    line_ += event;
    line_ += R"(","trial_id":)";
    detail::append_number(line_, id);
    line_ += R"(,"time":)";
    detail::append_number(line_, now);
  }

  // One event, one line, in the kernel's page cache at once (a shared
  // mapping): a crash of the process loses nothing already recorded.
  void write_event() {
    line_ += '\n';
    journal_->append(line_);
  }

  void write_results_header() {
    row_ = "trial_id,status,st_decision,st_tuner_time,st_worker_time,st_worker_iter,";
    detail::append_csv_field(row_, description_.resource_attr);
    for (const auto& metric : description_.metric_names) {
      row_ += ',';
      detail::append_csv_field(row_, metric);
    }
    for (const auto& name : description_.hyperparameter_names) {
      row_ += ",config_";
      row_ += name;
    }
    row_ += '\n';
    detail::write_all(results_.get(), row_, directory_ / results_file_name);
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
    detail::append_number(row_, worker_time);
    row_ += ',';
    detail::append_number(row_, iterations);
    row_ += ',';
    detail::append_number(row_, resource);
    for (const double value : metrics) {
      row_ += ',';
      detail::append_csv_number(row_, value);
    }
  }

  void end_results_row() {
    row_ += '\n';
    detail::write_all(results_.get(), row_, directory_ / results_file_name);
  }

  // On resume, results.csv is written anew from the journal, the record that
  // a crash cannot cut short, so the two agree row for row.
  void rewrite_results_from_journal() {
    results_ = detail::open_for_writing(directory_ / results_file_name);
    std::setvbuf(results_.get(), nullptr, _IOFBF, 1U << 16U);
    write_results_header();
    std::vector<journal_event> started;
    std::vector<std::int64_t> iterations;
    std::vector<double> metrics;
    read_journal(directory_ / journal_file_name, [&](const journal_event& event) {
      if (event.kind == journal_event_kind::trial_started) {
        started.push_back(event);
        iterations.push_back(0);
      }
      if (event.kind != journal_event_kind::report) return;
      metrics.assign(description_.metric_names.size(), std::numeric_limits<double>::quiet_NaN());
      for (const auto& [name, value] : event.metrics) {
        const auto found = std::find(description_.metric_names.begin(), description_.metric_names.end(), name);
        if (found != description_.metric_names.end()) metrics[static_cast<std::size_t>(found - description_.metric_names.begin())] = value;
      }
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
  experiment_description description_;
  std::optional<detail::mapped_append_file> journal_;
  detail::file_handle results_;
  std::string line_;
  std::string row_;
};

}  // namespace rung
