// What the tuning has done so far: the counts and extremes stop criteria and
// the status table read. Drivers keep it; in the simulator the clock is virtual.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rung {

struct tuning_status {
  double wallclock_time = 0.0;  // seconds since the tuning started
  std::int64_t num_trials_started = 0;
  std::int64_t num_trials_running = 0;
  std::int64_t num_trials_paused = 0;
  std::int64_t num_trials_completed = 0;  // ran to their end
  std::int64_t num_trials_stopped = 0;    // stopped early, or when the tuning ended
  std::int64_t num_trials_failed = 0;
  std::int64_t num_evaluations = 0;  // reports recorded

  // Over every report, per metric (NaN values are skipped).
  std::vector<std::string> metric_names;
  std::vector<double> metric_min;
  std::vector<double> metric_max;

  [[nodiscard]] std::int64_t num_trials_finished() const noexcept {
    return num_trials_completed + num_trials_stopped + num_trials_failed;
  }

  [[nodiscard]] std::optional<std::size_t> metric_index(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < metric_names.size(); ++i) {
      if (metric_names[i] == name) return i;
    }
    return std::nullopt;
  }

  void set_metric_names(std::vector<std::string> names) {
    metric_names = std::move(names);
    metric_min.assign(metric_names.size(), std::numeric_limits<double>::infinity());
    metric_max.assign(metric_names.size(), -std::numeric_limits<double>::infinity());
  }

  void observe_metric(std::size_t index, double value) noexcept {
    if (std::isnan(value)) return;
    if (value < metric_min[index]) metric_min[index] = value;
    if (value > metric_max[index]) metric_max[index] = value;
  }
};

}  // namespace rung
