// Checks the multi-fidelity schedulers (ASHA, Hyperband, synchronous
// Hyperband) share: one whole maximum resource for every trial, a ladder of
// rung levels below it, reports at whole resources, and the start of
// on_report.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "rung/decision.hpp"
#include "rung/schedulers/detail/per_trial.hpp"
#include "rung/schedulers/options.hpp"
#include "rung/schedulers/rung_levels.hpp"
#include "rung/util/format.hpp"

namespace rung::detail {

// Resources above this are refused: a double holds every whole number up to 2^53.
inline constexpr double largest_resource = 0x1p53;

// A hyperparameter that can take more than one value cannot hold the
// maximum resource: the rungs are the same for every trial.
template <class Space>
void require_constant(const Space& space, std::string_view who, const std::string& attr) {
  const auto not_constant = [&] {
    bad_option(who, "max_resource_attr", attr,
               "the hyperparameter must be a constant, e.g. rung::constant<\"" + attr +
                   "\">(81): the rung levels are the same for every trial");
  };
  if constexpr (requires { space.hyperparameters(); }) {  // rung::config_space
    std::apply(
        [&](const auto&... hp) {
          const auto check = [&](const auto& one) {
            if constexpr (requires { one.domain.cardinality(); }) {
              if (one.name == attr && one.domain.cardinality() == 1) return;
            }
            if (one.name == attr) not_constant();
          };
          (check(hp), ...);
        },
        space.hyperparameters());
  } else if constexpr (requires { space.domains()[0].cardinality(); }) {  // rung::dynamic_config_space
    for (std::size_t i = 0; i < space.names().size(); ++i) {
      if (space.names()[i] == attr && space.domains()[i].cardinality() != 1) not_constant();
    }
  }
}

// The maximum resource of a checked core (checked_core in options.hpp):
// max_t, or the value of the constant hyperparameter named by
// max_resource_attr (the seeds' "max_epochs"), a whole number.
template <class Space>
std::int64_t resolve_max_resource(const Space& space, std::string_view who, const scheduler_core& core) {
  if (!core.max_t && core.max_resource_attr.empty()) {
    bad_option(who, "max_t", "unset",
               "set max_t, or max_resource_attr to the hyperparameter holding the maximum resource "
               "(e.g. .max_resource_attr = \"max_epochs\")");
  }
  if (!core.max_t) require_constant(space, who, core.max_resource_attr);
  const double value = *max_resource_rule(core)(space.midpoint());
  if (value != std::floor(value) || value > largest_resource) {
    bad_option(who, core.max_t ? "max_t" : "max_resource_attr",
               core.max_t ? to_text(value) : core.max_resource_attr + " = " + to_text(value),
               "the maximum resource must be a whole number (rung levels are)");
  }
  return static_cast<std::int64_t>(value);
}

inline void require_brackets(std::string_view who, std::int64_t brackets) {
  if (brackets < 1) bad_option(who, "brackets", to_text(brackets), "must be at least 1 (1: successive halving)");
}

// Schedulers keep a trial's rungs in 64-bit sets; eta >= 2 below 2^53 makes at most 53.
inline constexpr std::size_t most_rungs = 63;

// The rung levels: the listed ones, or grace_period * reduction_factor^k.
inline rung_ladder make_ladder(std::string_view who, std::int64_t grace_period, double reduction_factor,
                               const std::vector<std::int64_t>& listed, std::int64_t max_resource) {
  check_reduction_factor(who, reduction_factor);  // rules use eta even with listed levels
  auto levels = listed.empty() ? geometric_rung_levels(grace_period, reduction_factor, max_resource, who)
                               : listed_rung_levels(listed, max_resource, who);
  if (levels.size() > most_rungs) {
    bad_option(who, "rung_levels", list_text(listed), "at most " + to_text(most_rungs) + " rung levels");
  }
  return rung_ladder(std::move(levels), max_resource);
}

// Rung levels are whole numbers, so reports must come at whole resources
// (Syne Tune asserts the same). Thrown from on_report before any state
// changes; the tuner records the trial as failed with this message.
inline void require_whole_resource(std::string_view who, std::string_view resource_attr, const observation& obs) {
  const double r = obs.resource;
  // In range, a round trip through an integer is exact only for whole numbers (and cheaper than floor()).
  if (r >= 1 && r <= largest_resource && static_cast<double>(static_cast<std::int64_t>(r)) == r) return;
  throw std::invalid_argument(std::string(who) + ": trial " + to_text(obs.trial) + " reported " +
                              std::string(resource_attr) + " = " + to_text(r) +
                              ": the resource must be a whole number >= 1, as rung levels are");
}

// Where a trial stands in a halving scheduler (ASHA, synchronous Hyperband).
enum class halving_phase : std::uint8_t { unknown, running, paused, stopped, ended };

// What on_report of a halving scheduler starts with: the trial's state when
// the report is the scheduler's to decide, else (state null) the decision
// that stands.
template <class State>
struct opened_report {
  State* state = nullptr;
  decision standing = decision::continue_trial;
};

// The report's resource must be whole, and its trial one that suggest()
// started (else it throws, before any state changes). A late report of a
// paused trial keeps it paused; one of a trial no longer running stops it.
template <class State>
opened_report<State> open_report(std::string_view who, std::string_view resource_attr, per_trial<State>& trials,
                                 const observation& obs) {
  require_whole_resource(who, resource_attr, obs);
  State* state = trials.find(obs.trial);
  if (obs.trial < 0 || state == nullptr || state->phase == halving_phase::unknown) {
    throw std::invalid_argument(std::string(who) + ": report for trial " + to_text(obs.trial) +
                                ", which suggest() never started");
  }
  if (state->phase == halving_phase::paused) return {.standing = decision::pause_trial};
  if (state->phase != halving_phase::running) return {.standing = decision::stop_trial};
  return {.state = state};
}

}  // namespace rung::detail
