// Maps the metrics a trial reports by name to the tuner's fixed order, and
// rejects names the tuner was not told about.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rung::detail {

class metric_resolver {
 public:
  metric_resolver(std::span<const std::string> names, std::size_t scheduler_metric)
      : names_(names.begin(), names.end()), scheduler_metric_(scheduler_metric) {}

  [[nodiscard]] std::string_view scheduler_metric_name() const { return names_[scheduler_metric_]; }

  // One value per known metric, NaN where not reported. The span points into
  // a per-thread buffer, valid until the thread's next call.
  template <class Reported>
  std::span<const double> resolve(std::span<const Reported> reported) const {
    thread_local std::vector<double> values;
    values.assign(names_.size(), std::numeric_limits<double>::quiet_NaN());
    thread_local std::vector<bool> seen;
    seen.assign(names_.size(), false);
    for (const auto& metric : reported) {
      const auto found = std::find(names_.begin(), names_.end(), metric.name);
      if (found == names_.end()) {
        throw std::invalid_argument("report(): unknown metric '" + std::string(metric.name) + "'; the tuner expects " +
                                    listed() + " (declare others in tuner_options::metrics)");
      }
      const auto index = static_cast<std::size_t>(found - names_.begin());
      if (seen[index]) {
        throw std::invalid_argument("report(): metric '" + std::string(metric.name) + "' is given twice");
      }
      seen[index] = true;
      values[index] = metric.value;
    }
    if (!seen[scheduler_metric_]) {
      throw std::invalid_argument("report(): the scheduler's metric '" + names_[scheduler_metric_] +
                                  "' is missing from the report");
    }
    return values;
  }

 private:
  [[nodiscard]] std::string listed() const {
    std::string text;
    for (const auto& name : names_) text += (text.empty() ? "'" : ", '") + name + "'";
    return text;
  }

  std::vector<std::string> names_;
  std::size_t scheduler_metric_;
};

}  // namespace rung::detail
