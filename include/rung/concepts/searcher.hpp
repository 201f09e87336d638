// The Searcher role: proposes configurations. Required: suggest(trial_id)
// returning a configuration, or nullopt once it has nothing left to propose.
// Optional hooks, called when present: on_report(observation) and
// on_trial_end(trial_id, trial_end), for searchers that learn from results,
// and set_metric_mode(rung::mode), which a scheduler holding the searcher
// calls once in its constructor: a report carries only the metric's value,
// and a searcher that models it must know whether smaller is better.
// A searcher may declare `static constexpr bool exhaustible = true` when it
// runs out on its own (grid search): then the tuner needs no stop criterion.
// A searcher that can degrade (a model fit that fails numerically) may give
// `std::optional<std::string_view> warning() const`: a note the drivers
// write to their log, once, when it first appears (searchers do no I/O).
#pragma once

#include <concepts>
#include <optional>
#include <string_view>

#include "rung/concepts/config_space.hpp"
#include "rung/decision.hpp"

namespace rung {

// Move-constructible: schedulers hold their searcher by value.
template <class S>
concept Searcher = std::move_constructible<S> && ConfigSpace<typename S::space_type> &&
                   std::same_as<typename S::config_type, typename S::space_type::config_type> &&
                   requires(S& searcher, const S& const_searcher, trial_id id) {
                     { searcher.suggest(id) } -> std::same_as<std::optional<typename S::config_type>>;
                     { const_searcher.space() } -> std::same_as<const typename S::space_type&>;
                   };

namespace detail {
template <class S>
void notify_report(S& searcher, const observation& obs) {
  if constexpr (requires { searcher.on_report(obs); }) searcher.on_report(obs);
}
template <class S>
void notify_metric_mode(S& searcher, mode metric_mode) {
  if constexpr (requires { searcher.set_metric_mode(metric_mode); }) searcher.set_metric_mode(metric_mode);
}
template <class S>
void notify_trial_end(S& searcher, trial_id id, trial_end how) {
  if constexpr (requires { searcher.on_trial_end(id, how); }) searcher.on_trial_end(id, how);
}
// The searcher's standing warning; nullopt when it has none or no such hook.
template <class S>
std::optional<std::string_view> warning_of(const S& searcher) noexcept {
  if constexpr (requires { { searcher.warning() } -> std::same_as<std::optional<std::string_view>>; }) {
    return searcher.warning();
  } else {
    return std::nullopt;
  }
}
}  // namespace detail

template <class S>
inline constexpr bool is_exhaustible_v = [] {
  if constexpr (requires { S::exhaustible; }) {
    return bool{S::exhaustible};
  } else {
    return false;
  }
}();

}  // namespace rung
