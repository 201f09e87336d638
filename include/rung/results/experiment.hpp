// Reading an experiment directory back: load_experiment(dir) gives every
// report (the rows of results.csv), every trial with its configuration and
// how it ended, the best configuration and the incumbent over time. It reads
// the journal, which is written as events happen, so it works on a running
// or crashed tuning as well as on a finished one.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/partial_sum.hpp>
#include <range/v3/view/transform.hpp>
#include <range/v3/view/unique.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rung/decision.hpp"
#include "rung/incumbent_point.hpp"
#include "rung/results/journal.hpp"
#include "rung/results/metadata.hpp"
#include "rung/results/metric_resolver.hpp"
#include "rung/results/schema.hpp"
#include "rung/trials.hpp"
#include "rung/util/json.hpp"
#include "rung/util/scalar.hpp"

namespace rung {

// One report: a row of results.csv.
struct experiment_row {
  trial_id trial = 0;
  double tuner_time = 0.0;   // st_tuner_time
  double worker_time = 0.0;  // the tuner's clock of the trial's running time
  double resource = 0.0;
  std::vector<double> metrics = {};  // in metadata.metric_names order
  std::string decision = {};    // CONTINUE, PAUSE or STOP
  std::string status = {};      // the trial's status after the decision
};

struct experiment_trial {
  trial_id id = 0;
  std::vector<std::pair<std::string, scalar_value>> config = {};  // in the space's order
  std::string status = std::string(to_string(trial_status::in_progress));
  std::string error = {};
  double started_at = 0.0;  // st_tuner_time of its start

  [[nodiscard]] const scalar_value* find(std::string_view name) const {
    for (const auto& [key, value] : config) {
      if (key == name) return &value;
    }
    return nullptr;
  }
};

class experiment {
 public:
  experiment_metadata metadata;
  std::vector<experiment_row> rows;
  std::vector<experiment_trial> trials;  // indexed by trial id
  std::string stop_reason;               // empty unless the tuning finished
  bool finished = false;
  bool truncated = false;  // the journal's last line was cut off (a crash mid-write)

  [[nodiscard]] std::size_t metric_index(std::string_view name) const {
    if (const auto index = detail::metric_resolver(metadata.metric_names).index_of(name)) return *index;
    throw std::invalid_argument("experiment " + metadata.name + " has no metric '" + std::string(name) + "'");
  }

  // The report with the best value of the scheduler's metric (NaN is worst).
  [[nodiscard]] const experiment_row* best_row() const {
    const std::size_t index = metric_index(metadata.metric);
    const experiment_row* best = nullptr;
    for (const auto& row : rows) {
      if (best == nullptr || better(metadata.mode, row.metrics[index], best->metrics[index])) best = &row;
    }
    return best;
  }

  [[nodiscard]] const experiment_trial* best_trial() const {
    const auto* row = best_row();
    return row == nullptr ? nullptr : &trials.at(static_cast<std::size_t>(row->trial));
  }

  // The views below are range-v3 views over `rows`, computed as they are
  // walked (valid while the experiment lives): compose them with range-v3
  // pipelines, or collect one with `| ranges::to<std::vector>()`.

  // The reports of one trial, in order: its learning curve.
  [[nodiscard]] auto curve(trial_id id) const {
    return ranges::views::filter(rows, [id](const experiment_row& row) { return row.trial == id; });
  }

  // One metric's value in every report, in report order.
  [[nodiscard]] auto metric_values(std::string_view name) const {
    return ranges::views::transform(rows, [index = metric_index(name)](const experiment_row& row) {
      return row.metrics[index];
    });
  }

  // The best metric so far after each report that improved it.
  [[nodiscard]] auto incumbent() const {
    const rung::mode direction = metadata.mode;
    return ranges::views::transform(rows,
                                    [index = metric_index(metadata.metric)](const experiment_row& row) {
                                      return incumbent_point{row.tuner_time, row.metrics[index], row.trial};
                                    }) |
           ranges::views::partial_sum([direction](const incumbent_point& so_far, const incumbent_point& next) {
             return better(direction, next.best, so_far.best) ? next : so_far;
           }) |
           ranges::views::unique([](const incumbent_point& earlier, const incumbent_point& later) {
             return earlier.trial == later.trial && earlier.best == later.best;
           });
  }
};

namespace detail {
// Builds an experiment's tables from the journal's events.
class experiment_builder {
 public:
  explicit experiment_builder(experiment& target) : target_(target), metric_order_(target.metadata.metric_names) {}

  void operator()(const journal_event& event) {
    switch (event.kind) {
      case journal_event_kind::trial_started: {
        if (static_cast<std::size_t>(event.trial) != target_.trials.size()) {
          throw std::invalid_argument("trial " + std::to_string(event.trial) + " started out of order");
        }
        target_.trials.push_back({.id = event.trial, .config = event.config, .started_at = event.time});
        break;
      }
      case journal_event_kind::report: {
        experiment_row row{.trial = event.trial,
                           .tuner_time = event.time,
                           .worker_time = event.worker_time,
                           .resource = event.resource,
                           .metrics = {},
                           .decision = event.decision,
                           .status = event.status};
        metric_order_.place(event.metrics, row.metrics, [](std::string_view /*not in metadata.json*/) {});
        trial_at(event.trial).status = event.status;
        target_.rows.push_back(std::move(row));
        break;
      }
      case journal_event_kind::trial_finished:
        trial_at(event.trial).status = event.status;
        trial_at(event.trial).error = event.text;
        break;
      case journal_event_kind::trial_resumed:
        trial_at(event.trial).status = to_string(trial_status::in_progress);
        break;
      case journal_event_kind::tuning_finished:
        target_.finished = true;
        target_.stop_reason = event.text;
        break;
      case journal_event_kind::tuning_started:
        target_.finished = false;  // a resumed tuning goes on after an earlier end
        break;
      case journal_event_kind::report_ignored:
        break;
    }
  }

 private:
  experiment_trial& trial_at(trial_id id) {
    if (id < 0 || static_cast<std::size_t>(id) >= target_.trials.size()) {
      throw std::invalid_argument("event for trial " + std::to_string(id) + ", which never started");
    }
    return target_.trials[static_cast<std::size_t>(id)];
  }

  experiment& target_;
  metric_resolver metric_order_;
};

}  // namespace detail

// Reads metadata.json and journal.jsonl of an experiment directory. A
// malformed file is an error naming the file (and the journal's line). A
// journal whose last line is cut off (a running or crashed tuning) loads
// what precedes it, with `truncated` set.
inline experiment load_experiment(const std::filesystem::path& directory) {
  experiment result;
  result.metadata = detail::read_metadata(directory / metadata_file_name);
  result.truncated = read_journal(directory / journal_file_name, detail::experiment_builder(result)).truncated;
  return result;
}

}  // namespace rung
