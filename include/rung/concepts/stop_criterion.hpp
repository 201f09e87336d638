// The StopCriterion role: a predicate on the tuning status that ends the
// tuning when it returns true. Optional: can_trigger() (false when no limit
// is set, so the tuner can refuse a run that would never end),
// max_trials_started() (a limit on starting trials rather than on the run)
// and max_wallclock_time (when the tuner must look even if nothing happens).
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>

#include "rung/tuning_status.hpp"

namespace rung {

template <class C>
concept StopCriterion = std::copy_constructible<C> && requires(const C& criterion, const tuning_status& status) {
  { criterion(status) } -> std::convertible_to<bool>;
};

namespace detail {
template <StopCriterion C>
bool can_trigger(const C& criterion) {
  if constexpr (requires { criterion.can_trigger(); }) {
    return criterion.can_trigger();
  } else {
    return true;  // a user predicate is trusted to end
  }
}

// The wall-clock limit, if the criterion has one: the tuner wakes up then
// to check it, even when no trial reports.
template <StopCriterion C>
std::optional<double> max_wallclock_time(const C& criterion) {
  if constexpr (requires { criterion.max_wallclock_time(); }) {
    return criterion.max_wallclock_time();
  } else if constexpr (requires { criterion.max_wallclock_time; }) {
    return criterion.max_wallclock_time;
  } else {
    return std::nullopt;
  }
}

template <StopCriterion C>
std::optional<std::int64_t> max_trials_started(const C& criterion) {
  if constexpr (requires { criterion.max_trials_started(); }) {
    return criterion.max_trials_started();
  } else {
    return std::nullopt;
  }
}
}  // namespace detail

}  // namespace rung
