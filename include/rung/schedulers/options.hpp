// Checks and helpers every scheduler's options share: the metric, the
// resource attribute and where a trial's maximum resource comes from.
#pragma once

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "rung/decision.hpp"
#include "rung/util/format.hpp"
#include "rung/util/scalar.hpp"

namespace rung::detail {

template <class Config>
std::optional<scalar_value> find_config_value(const Config& config, std::string_view name) {
  std::optional<scalar_value> found;
  config.for_each([&](std::string_view key, const auto& value) {
    if (key == name) found = to_scalar(value);
  });
  return found;
}

[[noreturn]] inline void bad_option(std::string_view scheduler, std::string_view field, std::string_view value,
                                    std::string_view rule) {
  throw std::invalid_argument(std::string(scheduler) + ": options." + std::string(field) + " = " +
                              std::string(value) + ": " + std::string(rule));
}

// Drivers number trials 0, 1, 2, ...; an ask/tell caller may skip ids, but not go below 0.
inline void require_trial_id(std::string_view scheduler, trial_id id) {
  if (id < 0) {
    throw std::invalid_argument(std::string(scheduler) + ": suggest(): trial id " + to_text(id) +
                                ": trial ids must be >= 0");
  }
}

inline void require_metric(std::string_view scheduler, std::string_view metric) {
  if (metric.empty()) {
    bad_option(scheduler, "metric", "\"\"", "name the metric the trials report, e.g. .metric = \"validation_error\"");
  }
}

// A trial's maximum resource: max_t if set, else the value of the
// hyperparameter named max_resource_attr (the seeds' "max_epochs").
template <class Space>
class max_resource_rule {
 public:
  max_resource_rule(const Space& space, std::string_view scheduler, std::optional<double> max_t,
                    std::string max_resource_attr)
      : max_t_(max_t), attr_(std::move(max_resource_attr)) {
    if (max_t_ && !(*max_t_ > 0)) bad_option(scheduler, "max_t", to_text(*max_t_), "must be positive");
    if (max_t_ && !attr_.empty()) {
      bad_option(scheduler, "max_resource_attr", attr_, "set either max_t or max_resource_attr, not both");
    }
    if (attr_.empty()) return;
    const auto names = space.names();
    if (std::find(names.begin(), names.end(), attr_) == names.end()) {
      std::string known;
      for (const auto& name : names) known += (known.empty() ? "" : ", ") + std::string(name);
      bad_option(scheduler, "max_resource_attr", attr_, "not a hyperparameter of the space (" + known + ")");
    }
    const auto value = find_config_value(space.midpoint(), attr_);
    if (!value || !holds_number(*value) || !(as_double(*value) > 0)) {
      bad_option(scheduler, "max_resource_attr", attr_, "the hyperparameter must hold a positive number");
    }
  }

  template <class Config>
  [[nodiscard]] std::optional<double> operator()(const Config& config) const {
    if (max_t_) return max_t_;
    if (attr_.empty()) return std::nullopt;
    return as_double(*find_config_value(config, attr_));
  }

  // The limit when it is the same for every configuration.
  [[nodiscard]] std::optional<double> fixed() const noexcept { return max_t_; }
  [[nodiscard]] const std::string& attr() const noexcept { return attr_; }

 private:
  std::optional<double> max_t_;
  std::string attr_;
};

}  // namespace rung::detail
