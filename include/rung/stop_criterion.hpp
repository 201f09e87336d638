// When the tuning ends. rung::stop_criterion has Syne Tune's fields; each set
// field is a limit and the tuning ends when any is reached:
//   rung::stop_criterion{.max_wallclock_time = 720}
// Criteria compose: a || b ends when either ends, a && b when both do, and
// rung::stop_if(predicate) wraps any callable on the tuning status.
//
// Where rung differs from Syne Tune: a limit of N is reached at N, not N + 1,
// and max_num_trials_started limits how many trials start rather than
// ending the tuning: the started trials finish, paused ones may still be
// promoted, and the tuning ends when the scheduler has nothing left to run
// (Syne Tune stops the last trials it started).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "rung/concepts/stop_criterion.hpp"
#include "rung/tuning_status.hpp"
#include "rung/util/format.hpp"

namespace rung {

struct metric_threshold {
  std::string metric = {};
  double value = 0.0;
};

struct stop_criterion {
  using rung_stop_criterion_tag = void;
  std::optional<double> max_wallclock_time = std::nullopt;  // seconds
  std::optional<std::int64_t> max_num_trials_started = std::nullopt;
  std::optional<std::int64_t> max_num_trials_completed = std::nullopt;  // ran to their end
  std::optional<std::int64_t> max_num_trials_finished = std::nullopt;   // completed, stopped or failed
  std::optional<std::int64_t> max_num_evaluations = std::nullopt;       // reports
  std::vector<metric_threshold> min_metric_value = {};        // end once a report goes below
  std::vector<metric_threshold> max_metric_value = {};        // end once a report goes above

  [[nodiscard]] bool operator()(const tuning_status& status) const { return !reason(status).empty(); }

  // Why the tuning ends, in words; empty while it goes on.
  [[nodiscard]] std::string reason(const tuning_status& status) const {
    auto reached = [](std::string_view what, auto limit) {
      return "reached " + std::string(what) + " (" + detail::to_text(limit) + ")";
    };
    if (max_wallclock_time && status.wallclock_time >= *max_wallclock_time) {
      return reached("max_wallclock_time", *max_wallclock_time);
    }
    if (max_num_trials_completed && status.num_trials_completed >= *max_num_trials_completed) {
      return reached("max_num_trials_completed", *max_num_trials_completed);
    }
    if (max_num_trials_finished && status.num_trials_finished() >= *max_num_trials_finished) {
      return reached("max_num_trials_finished", *max_num_trials_finished);
    }
    if (max_num_evaluations && status.num_evaluations >= *max_num_evaluations) {
      return reached("max_num_evaluations", *max_num_evaluations);
    }
    for (const auto& threshold : min_metric_value) {
      const auto index = status.metric_index(threshold.metric);
      if (index && status.metric_min[*index] < threshold.value) {
        return threshold.metric + " went below min_metric_value " + detail::to_text(threshold.value);
      }
    }
    for (const auto& threshold : max_metric_value) {
      const auto index = status.metric_index(threshold.metric);
      if (index && status.metric_max[*index] > threshold.value) {
        return threshold.metric + " went above max_metric_value " + detail::to_text(threshold.value);
      }
    }
    return {};
  }

  [[nodiscard]] bool can_trigger() const {
    return max_wallclock_time || max_num_trials_started || max_num_trials_completed ||
           max_num_trials_finished || max_num_evaluations || !min_metric_value.empty() ||
           !max_metric_value.empty();
  }

  [[nodiscard]] std::optional<std::int64_t> max_trials_started() const { return max_num_trials_started; }

  // Rejects limits that make no sense, naming the field and the value; a
  // threshold on a metric no trial reports is an error too.
  void validate(std::span<const std::string> metric_names) const {
    auto fail = [](std::string_view field, const auto& value, std::string_view rule) {
      throw std::invalid_argument("stop_criterion." + std::string(field) + " = " + detail::to_text(value) +
                                  ": " + std::string(rule));
    };
    if (max_wallclock_time && !(*max_wallclock_time > 0)) {
      fail("max_wallclock_time", *max_wallclock_time, "must be a positive number of seconds");
    }
    const std::pair<std::string_view, const std::optional<std::int64_t>*> counts[] = {
        {"max_num_trials_started", &max_num_trials_started},
        {"max_num_trials_completed", &max_num_trials_completed},
        {"max_num_trials_finished", &max_num_trials_finished},
        {"max_num_evaluations", &max_num_evaluations}};
    for (const auto& [field, count] : counts) {
      if (*count && **count < 1) fail(field, **count, "must be at least 1");
    }
    for (const auto* thresholds : {&min_metric_value, &max_metric_value}) {
      for (const auto& threshold : *thresholds) {
        if (std::find(metric_names.begin(), metric_names.end(), threshold.metric) == metric_names.end()) {
          std::string known;
          for (const auto& name : metric_names) known += (known.empty() ? "" : ", ") + name;
          fail(thresholds == &min_metric_value ? "min_metric_value" : "max_metric_value",
               threshold.metric, "no trial reports this metric (reported metrics: " + known + ")");
        }
      }
    }
  }
};

namespace detail {
template <class T>
std::optional<T> earliest(std::optional<T> a, std::optional<T> b) {
  if (a && b) return std::min(*a, *b);
  return a ? a : b;
}

template <StopCriterion C>
std::string reason_of(const C& criterion, const tuning_status& status) {
  if constexpr (requires { criterion.reason(status); }) {
    return criterion.reason(status);
  } else {
    return criterion(status) ? "the stop criterion was met" : "";
  }
}

template <StopCriterion C>
void validate_criterion(const C& criterion, std::span<const std::string> metric_names) {
  if constexpr (requires { criterion.validate(metric_names); }) criterion.validate(metric_names);
}
}  // namespace detail

// Any callable on the tuning status, as a criterion.
template <class Predicate>
struct stop_if {
  using rung_stop_criterion_tag = void;
  Predicate predicate;
  [[nodiscard]] bool operator()(const tuning_status& status) const { return predicate(status); }
};
template <class Predicate>
stop_if(Predicate) -> stop_if<Predicate>;

template <StopCriterion A, StopCriterion B>
struct stop_when_either {
  using rung_stop_criterion_tag = void;
  A first;
  B second;
  [[nodiscard]] bool operator()(const tuning_status& status) const { return first(status) || second(status); }
  [[nodiscard]] std::string reason(const tuning_status& status) const {
    auto why = detail::reason_of(first, status);
    return why.empty() ? detail::reason_of(second, status) : why;
  }
  [[nodiscard]] bool can_trigger() const { return detail::can_trigger(first) || detail::can_trigger(second); }
  [[nodiscard]] std::optional<std::int64_t> max_trials_started() const {
    return detail::earliest(detail::max_trials_started(first), detail::max_trials_started(second));
  }
  [[nodiscard]] std::optional<double> max_wallclock_time() const {
    return detail::earliest(detail::max_wallclock_time(first), detail::max_wallclock_time(second));
  }
  void validate(std::span<const std::string> metric_names) const {
    detail::validate_criterion(first, metric_names);
    detail::validate_criterion(second, metric_names);
  }
};

template <StopCriterion A, StopCriterion B>
struct stop_when_both {
  using rung_stop_criterion_tag = void;
  A first;
  B second;
  [[nodiscard]] bool operator()(const tuning_status& status) const { return first(status) && second(status); }
  [[nodiscard]] std::string reason(const tuning_status& status) const {
    auto first_reason = detail::reason_of(first, status);
    auto second_reason = detail::reason_of(second, status);
    if (first_reason.empty() || second_reason.empty()) return {};
    return first_reason + " and " + second_reason;
  }
  [[nodiscard]] bool can_trigger() const { return detail::can_trigger(first) && detail::can_trigger(second); }
  // Only a time to look again: the other criterion may not hold then.
  [[nodiscard]] std::optional<double> max_wallclock_time() const {
    return detail::earliest(detail::max_wallclock_time(first), detail::max_wallclock_time(second));
  }
  void validate(std::span<const std::string> metric_names) const {
    detail::validate_criterion(first, metric_names);
    detail::validate_criterion(second, metric_names);
  }
};

namespace detail {
template <class C>
concept rung_stop_criterion = requires { typename C::rung_stop_criterion_tag; };
}  // namespace detail

// Found by argument-dependent lookup when either side is a rung criterion.
template <StopCriterion A, StopCriterion B>
  requires(detail::rung_stop_criterion<A> || detail::rung_stop_criterion<B>)
[[nodiscard]] auto operator||(A first, B second) {
  return stop_when_either<A, B>{std::move(first), std::move(second)};
}

template <StopCriterion A, StopCriterion B>
  requires(detail::rung_stop_criterion<A> || detail::rung_stop_criterion<B>)
[[nodiscard]] auto operator&&(A first, B second) {
  return stop_when_both<A, B>{std::move(first), std::move(second)};
}

// A criterion of any type, as tuner options hold it.
class any_stop_criterion {
 public:
  any_stop_criterion() : any_stop_criterion(stop_criterion{}) {}

  template <StopCriterion C>
    requires(!std::same_as<std::remove_cvref_t<C>, any_stop_criterion>)
  any_stop_criterion(C criterion)  // NOLINT: implicit, so options read naturally
      : can_trigger_(detail::can_trigger(criterion)),
        max_trials_started_(detail::max_trials_started(criterion)),
        max_wallclock_time_(detail::max_wallclock_time(criterion)),
        describe_([criterion](const tuning_status& status) { return detail::reason_of(criterion, status); }),
        validate_([criterion](std::span<const std::string> names) {
          detail::validate_criterion(criterion, names);
        }) {}

  [[nodiscard]] bool operator()(const tuning_status& status) const { return !describe_(status).empty(); }
  [[nodiscard]] std::string reason(const tuning_status& status) const { return describe_(status); }
  [[nodiscard]] bool can_trigger() const { return can_trigger_; }
  [[nodiscard]] std::optional<std::int64_t> max_trials_started() const { return max_trials_started_; }
  [[nodiscard]] std::optional<double> max_wallclock_time() const { return max_wallclock_time_; }
  void validate(std::span<const std::string> metric_names) const { validate_(metric_names); }

 private:
  bool can_trigger_;
  std::optional<std::int64_t> max_trials_started_;
  std::optional<double> max_wallclock_time_;
  std::function<std::string(const tuning_status&)> describe_;
  std::function<void(std::span<const std::string>)> validate_;
};

}  // namespace rung
