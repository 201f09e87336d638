// The one mapping between metric names and the tuner's fixed order of them
// (tuner_options::metrics, metadata.json's metric_names): a trial's report,
// a journal line's metrics and results.csv's columns all go through it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rung::detail {

class metric_resolver {
 public:
  // `scheduler_metric` indexes `names`; without it, resolve() requires no metric.
  explicit metric_resolver(std::span<const std::string> names,
                           std::optional<std::size_t> scheduler_metric = std::nullopt)
      : names_(names.begin(), names.end()), scheduler_metric_(scheduler_metric) {}

  [[nodiscard]] std::string_view scheduler_metric_name() const { return names_.at(scheduler_metric_.value()); }

  [[nodiscard]] std::optional<std::size_t> index_of(std::string_view name) const {
    const auto found = std::find(names_.begin(), names_.end(), name);
    if (found == names_.end()) return std::nullopt;
    return static_cast<std::size_t>(found - names_.begin());
  }

  // The metrics (each with .name and .value, or a (name, value) pair) in the
  // tuner's order, NaN where not given, into `values`; a name the tuner does
  // not know goes to on_unknown(name). A name given twice is an error
  // (`where` begins its message).
  template <class Reported, class OnUnknown>
  void place(const Reported& reported, std::vector<double>& values, OnUnknown&& on_unknown,
             std::string_view where = {}) const {
    values.assign(names_.size(), std::numeric_limits<double>::quiet_NaN());
    thread_local std::vector<bool> seen;
    seen.assign(names_.size(), false);
    for (const auto& metric : reported) {
      const auto [name, value] = name_and_value(metric);
      const auto index = index_of(name);
      if (!index) {
        on_unknown(name);
        continue;
      }
      if (seen[*index]) {
        throw std::invalid_argument(std::string(where) + "metric '" + std::string(name) + "' is given twice");
      }
      seen[*index] = true;
      values[*index] = value;
    }
  }

  // A trial's report: one value per known metric, NaN where not reported;
  // an unknown metric, or none for the scheduler's, is an error. The span
  // points into a per-thread buffer, valid until the thread's next call.
  template <class Reported>
  std::span<const double> resolve(std::span<const Reported> reported) const {
    thread_local std::vector<double> values;
    place(
        reported, values,
        [this](std::string_view name) {
          throw std::invalid_argument("report(): unknown metric '" + std::string(name) + "'; the tuner expects " +
                                      listed() + " (declare others in tuner_options::metrics)");
        },
        "report(): ");
    if (scheduler_metric_ && std::none_of(reported.begin(), reported.end(), [this](const auto& metric) {
          return name_and_value(metric).first == names_[*scheduler_metric_];
        })) {
      throw std::invalid_argument("report(): the scheduler's metric '" + names_[*scheduler_metric_] +
                                  "' is missing from the report");
    }
    return values;
  }

 private:
  template <class Metric>
  static std::pair<std::string_view, double> name_and_value(const Metric& metric) {
    if constexpr (requires { metric.name; }) {
      return {metric.name, metric.value};
    } else {
      return {metric.first, metric.second};
    }
  }

  [[nodiscard]] std::string listed() const {
    std::string text;
    for (const auto& name : names_) text += (text.empty() ? "'" : ", '") + name + "'";
    return text;
  }

  std::vector<std::string> names_;
  std::optional<std::size_t> scheduler_metric_;
};

}  // namespace rung::detail
