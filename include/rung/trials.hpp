// A trial as drivers and results see it: its configuration, status and the
// last values it reported.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "rung/decision.hpp"

namespace rung {

enum class trial_status : std::uint8_t { in_progress, paused, completed, stopped, failed };

// Syne Tune's spelling, as the status table and results.csv show it.
[[nodiscard]] constexpr std::string_view to_string(trial_status status) noexcept {
  switch (status) {
    case trial_status::in_progress: return "InProgress";
    case trial_status::paused: return "Paused";
    case trial_status::completed: return "Completed";
    case trial_status::stopped: return "Stopped";
    case trial_status::failed: return "Failed";
  }
  return "?";
}

[[nodiscard]] constexpr std::optional<trial_status> trial_status_from_string(std::string_view text) noexcept {
  for (const auto status : {trial_status::in_progress, trial_status::paused, trial_status::completed,
                            trial_status::stopped, trial_status::failed}) {
    if (to_string(status) == text) return status;
  }
  return std::nullopt;
}

[[nodiscard]] constexpr bool is_finished(trial_status status) noexcept {
  return status == trial_status::completed || status == trial_status::stopped || status == trial_status::failed;
}

template <class Config>
struct trial_record {
  trial_id id{};
  Config config{};
  trial_status status = trial_status::in_progress;
  std::int64_t iterations = 0;  // reports made (Syne Tune's "iter")
  double last_resource = 0.0;   // of the last report; 0 before the first (a relaunch resumes from it)
  std::optional<double> run_to;  // where the scheduler will next pause it (start_trial::run_to)
  double worker_time = 0.0;  // seconds spent running, pauses excluded
  double best_metric = std::numeric_limits<double>::quiet_NaN();  // of the scheduler's metric
  std::string error{};      // why it failed
  // Its last end was the tuning's (a limit reached, a signal, request_stop()),
  // not the scheduler's or its own: it shows as stopped, and a resume carries it on.
  bool cut = false;
};

}  // namespace rung
