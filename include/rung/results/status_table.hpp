// The tuner's status table, laid out as Syne Tune prints it (a pandas
// frame: right-aligned columns, reals with six decimals, '-' where a trial
// has not reported yet):
//  trial_id     status  iter  learning_rate  batch_size  max_epochs  epoch  validation_error  worker-time
//         0  Completed    10       0.100000         128          10     10          0.276305    70.635542
// 2 trials running, 16 finished (16 until the end), 722.85s wallclock-time
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "rung/trials.hpp"
#include "rung/tuning_status.hpp"
#include "rung/util/format.hpp"

namespace rung {

namespace detail {
inline std::string table_number(double value) {
  if (std::isnan(value)) return "-";
  if (std::trunc(value) == value && std::abs(value) < 1e15) return to_text(static_cast<std::int64_t>(value));
  return fixed(value, 6);
}

template <class Value>
std::string table_value(const Value& value) {
  if constexpr (std::is_floating_point_v<Value>) {
    return fixed(value, 6);
  } else {
    return to_text(value);
  }
}

class text_table {
 public:
  explicit text_table(std::vector<std::string> header) : columns_(header.size()), widths_(header.size(), 0) {
    add_row(std::move(header));
  }

  void add_row(std::vector<std::string> row) {
    for (std::size_t i = 0; i < columns_; ++i) widths_[i] = std::max(widths_[i], row[i].size());
    rows_.push_back(std::move(row));
  }

  void write(std::string& out) const {
    for (const auto& row : rows_) {
      for (std::size_t i = 0; i < columns_; ++i) {
        out.append(i == 0 ? 1 : 2, ' ');
        out.append(widths_[i] - row[i].size(), ' ');
        out += row[i];
      }
      out += '\n';
    }
  }

 private:
  std::size_t columns_;
  std::vector<std::size_t> widths_;
  std::vector<std::vector<std::string>> rows_;
};
}  // namespace detail

struct status_table_options {
  std::size_t max_rows = 40;  // beyond this, running trials and the latest others are shown
};

// `last_metrics(id)` gives the trial's last reported value of each metric.
template <class Trials, class LastMetrics>
std::string format_status_table(const Trials& trials, const tuning_status& status, std::string_view resource_attr,
                                LastMetrics&& last_metrics, status_table_options options = {}) {
  std::string out;
  if (!trials.empty()) {
    std::vector<std::string> header = {"trial_id", "status", "iter"};
    trials.front().config.for_each([&](std::string_view name, const auto&) { header.emplace_back(name); });
    header.emplace_back(resource_attr);
    for (const auto& metric : status.metric_names) header.push_back(metric);
    header.emplace_back("worker-time");
    detail::text_table table(std::move(header));

    // Which trials to show: all, or the running and paused ones plus the latest others.
    std::vector<std::size_t> shown;
    std::size_t others_budget =
        options.max_rows > static_cast<std::size_t>(status.num_trials_running + status.num_trials_paused)
            ? options.max_rows - static_cast<std::size_t>(status.num_trials_running + status.num_trials_paused)
            : 0;
    for (std::size_t i = trials.size(); i-- > 0;) {
      const bool active = !is_finished(trials[i].status);
      if (trials.size() <= options.max_rows || active || others_budget > 0) {
        if (!active && trials.size() > options.max_rows) --others_budget;
        shown.push_back(i);
      }
    }
    std::reverse(shown.begin(), shown.end());
    for (const std::size_t index : shown) {
      const auto& trial = trials[index];
      std::vector<std::string> row = {detail::to_text(trial.id), std::string(to_string(trial.status)),
                                      detail::to_text(trial.iterations)};
      trial.config.for_each([&](std::string_view, const auto& value) { row.push_back(detail::table_value(value)); });
      row.push_back(detail::table_number(trial.last_resource));
      const std::span<const double> metrics = last_metrics(trial.id);
      for (const double value : metrics) row.push_back(trial.iterations == 0 ? "-" : detail::table_value(value));
      row.push_back(trial.iterations == 0 ? "-" : detail::fixed(trial.worker_time, 6));
      table.add_row(std::move(row));
    }
    table.write(out);
    if (shown.size() < trials.size()) {
      out += "(" + detail::to_text(trials.size() - shown.size()) + " finished trials not shown)\n";
    }
  }
  out += detail::to_text(status.num_trials_running) + " trials running, ";
  if (status.num_trials_paused > 0) out += detail::to_text(status.num_trials_paused) + " paused, ";
  out += detail::to_text(status.num_trials_finished()) + " finished (" + detail::to_text(status.num_trials_completed) +
         " until the end), " + detail::fixed(status.wallclock_time, 2) + "s wallclock-time\n";
  return out;
}

}  // namespace rung
