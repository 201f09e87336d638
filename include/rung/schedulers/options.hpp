// What every scheduler's options share, the options core (metric, mode,
// resource attribute, and where a trial's maximum resource comes from), its
// one validation, and helpers for the other checks.
//
// The core is not a base class of the options structs: a designated
// initializer cannot name a base's member, and
// `rung::asha(searcher, {.metric = "loss", .max_t = 9})` must compile. So
// each options struct lists the core's fields itself (same names, same
// defaults), and core_of() reads them from any struct that has them; the
// schedulers check them once through checked_core(), and code that reads the
// core once for every scheduler (the factory) fills an options struct with
// options_with_core().
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "rung/decision.hpp"
#include "rung/util/format.hpp"
#include "rung/util/scalar.hpp"

namespace rung {

struct scheduler_core {
  std::string metric = {};
  rung::mode mode = rung::mode::min;
  std::string resource_attr = "epoch";
  std::optional<double> max_t = std::nullopt;  // the maximum resource; whole for the halving schedulers
  std::string max_resource_attr = {};          // or: the hyperparameter holding it
};

// An options struct that carries the core's fields (max_t as a double or a whole number).
template <class Options>
concept CarriesSchedulerCore = requires(Options& options) {
  { options.metric } -> std::convertible_to<std::string>;
  { options.mode } -> std::convertible_to<rung::mode>;
  { options.resource_attr } -> std::convertible_to<std::string>;
  { *options.max_t } -> std::convertible_to<double>;
  { options.max_resource_attr } -> std::convertible_to<std::string>;
};

template <CarriesSchedulerCore Options>
[[nodiscard]] scheduler_core core_of(const Options& options) {
  return {.metric = options.metric,
          .mode = options.mode,
          .resource_attr = options.resource_attr,
          .max_t = options.max_t ? std::optional<double>(static_cast<double>(*options.max_t)) : std::nullopt,
          .max_resource_attr = options.max_resource_attr};
}

namespace detail {
[[noreturn]] inline void bad_option(std::string_view scheduler, std::string_view field, std::string_view value,
                                    std::string_view rule) {
  throw std::invalid_argument(std::string(scheduler) + ": options." + std::string(field) + " = " +
                              std::string(value) + ": " + std::string(rule));
}
}  // namespace detail

// Options (the rest default) holding the core's fields. A whole-number
// max_t must be given one: `who` names the scheduler in the error.
template <CarriesSchedulerCore Options>
[[nodiscard]] Options options_with_core(const scheduler_core& core, std::string_view who) {
  Options options{};
  options.metric = core.metric;
  options.mode = core.mode;
  options.resource_attr = core.resource_attr;
  options.max_resource_attr = core.max_resource_attr;
  if (core.max_t) {
    using max_type = std::remove_cvref_t<decltype(*options.max_t)>;
    if constexpr (std::integral<max_type>) {
      const double value = *core.max_t;
      if (!(value == std::trunc(value) && std::abs(value) < 0x1p53)) {
        detail::bad_option(who, "max_t", detail::to_text(value), "must be a whole number (rung levels are)");
      }
    }
    options.max_t = static_cast<max_type>(*core.max_t);
  }
  return options;
}

}  // namespace rung

namespace rung::detail {

template <class Config>
std::optional<scalar_value> find_config_value(const Config& config, std::string_view name) {
  std::optional<scalar_value> found;
  config.for_each([&](std::string_view key, const auto& value) {
    if (key == name) found = to_scalar(value);
  });
  return found;
}

// Drivers number trials 0, 1, 2, ...; an ask/tell caller may skip ids, but not go below 0.
inline void require_trial_id(std::string_view scheduler, trial_id id) {
  if (id < 0) {
    throw std::invalid_argument(std::string(scheduler) + ": suggest(): trial id " + to_text(id) +
                                ": trial ids must be >= 0");
  }
}

// The one check of the core, in the order its fields are listed; `who`
// names the scheduler. The maximum resource may be left open here (fifo
// needs none); the halving schedulers require one (resolve_max_resource).
template <class Space, CarriesSchedulerCore Options>
scheduler_core checked_core(std::string_view who, const Options& options, const Space& space) {
  scheduler_core core = core_of(options);
  if (core.metric.empty()) {
    bad_option(who, "metric", "\"\"", "name the metric the trials report, e.g. .metric = \"validation_error\"");
  }
  if (core.mode != mode::min && core.mode != mode::max) {
    bad_option(who, "mode", to_text(static_cast<int>(core.mode)), "must be min or max");
  }
  if (core.resource_attr.empty()) {
    bad_option(who, "resource_attr", "\"\"", "name the resource the trials report, e.g. .resource_attr = \"epoch\"");
  }
  if (core.max_t && !(*core.max_t > 0)) bad_option(who, "max_t", to_text(*core.max_t), "must be positive");
  const std::string& attr = core.max_resource_attr;
  if (core.max_t && !attr.empty()) {
    bad_option(who, "max_resource_attr", attr, "set either max_t or max_resource_attr, not both");
  }
  if (attr.empty()) return core;
  const auto names = space.names();
  if (std::find(names.begin(), names.end(), attr) == names.end()) {
    std::string known;
    for (const auto& name : names) known += (known.empty() ? "" : ", ") + std::string(name);
    bad_option(who, "max_resource_attr", attr, "not a hyperparameter of the space (" + known + ")");
  }
  const auto value = find_config_value(space.midpoint(), attr);
  if (!value || !holds_number(*value) || !(as_double(*value) > 0)) {
    bad_option(who, "max_resource_attr", attr, "the hyperparameter must hold a positive number");
  }
  return core;
}

// A trial's maximum resource, from a checked core: max_t if set, else the
// value of the hyperparameter named max_resource_attr (the seeds' "max_epochs").
class max_resource_rule {
 public:
  explicit max_resource_rule(const scheduler_core& checked)
      : max_t_(checked.max_t), attr_(checked.max_resource_attr) {}

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
