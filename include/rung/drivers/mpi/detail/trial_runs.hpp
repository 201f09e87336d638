// The trials' callables as rank 0 of the MPI driver sees them: each one that
// has not returned yet, the rank and slot it runs on, and what it was told.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "rung/decision.hpp"
#include "rung/drivers/mpi/detail/rank_slots.hpp"
#include "rung/util/format.hpp"

namespace rung::detail {

enum class run_state : std::uint8_t {
  running,
  paused,     // in memory on its rank, holding no slot
  returning,  // told to stop, or to pause in checkpoint mode: its callable is returning
};

struct relaunch_request {
  slot kept;
  double from_resource = 0.0;
};

// A callable that has not returned yet.
struct running_callable {
  int rank = 0;
  std::int64_t local = 0;          // its slot on that rank (reporter::worker())
  run_state state = run_state::running;
  std::optional<slot> held;        // the slot it counts against (another rank's when lent)
  std::optional<relaunch_request> relaunch;  // resumed before it returned from a checkpoint pause
  double running_since = 0.0;
  double worked_before = 0.0;      // worker seconds before the last pause
  std::optional<std::string> refusal;  // of a report it did not wait for: it fails

  // Worker seconds so far: none pass while it is paused in memory.
  [[nodiscard]] double worked(double now) const {
    return worked_before + (state == run_state::paused ? 0.0 : now - running_since);
  }
};

using trial_runs = std::unordered_map<trial_id, running_callable>;

// The error for a message from `rank` whose field trial names a callable it does not run.
[[noreturn]] inline void bad_trial_field(int rank, std::string_view what, trial_id id, std::string_view why) {
  throw std::invalid_argument("rank " + to_text(rank) + ": " + std::string(what) + " message: field trial = " +
                              to_text(id) + ": " + std::string(why));
}

// The trial's callable, which `rank` says it runs (its `what` message names
// the trial): else an error naming the rank and the field. On every report:
// the error's text is made only when there is one.
inline running_callable& owned_by(trial_runs& runs, int rank, trial_id id, std::string_view what) {
  const auto found = runs.find(id);
  if (found == runs.end()) bad_trial_field(rank, what, id, "no rank runs that trial");
  if (found->second.rank != rank) bad_trial_field(rank, what, id, "it runs on rank " + to_text(found->second.rank));
  if (found->second.state == run_state::paused) {
    bad_trial_field(rank, what, id, "the trial is paused in memory there and was not resumed");
  }
  return found->second;
}

}  // namespace rung::detail
