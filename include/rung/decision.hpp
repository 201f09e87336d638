// The vocabulary schedulers and drivers share: trial ids, optimisation mode,
// observations, decisions on a report and suggestions for a free worker.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace rung {

using trial_id = std::int64_t;

enum class mode : std::uint8_t { min, max };

[[nodiscard]] constexpr std::string_view to_string(mode m) noexcept { return m == mode::min ? "min" : "max"; }

// True when a is strictly better than b. NaN is the worst value: it is never
// better than anything, and anything that is not NaN is better than it.
[[nodiscard]] inline bool better(mode m, double a, double b) noexcept {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return m == mode::min ? a < b : a > b;
}

// The value used to rank a metric: NaN maps to the worst value, so sorting
// and quantiles never see NaN.
[[nodiscard]] inline double rank_value(mode m, double metric) noexcept {
  if (!std::isnan(metric)) return metric;
  return m == mode::min ? std::numeric_limits<double>::infinity()
                        : -std::numeric_limits<double>::infinity();
}

// What a scheduler decides on each report.
enum class decision : std::uint8_t {
  continue_trial,  // keep training
  pause_trial,     // free the worker; the trial may be resumed later
  stop_trial,      // end the trial
};

// Syne Tune's spelling, used in results.csv (st_decision) and the journal.
[[nodiscard]] constexpr std::string_view to_string(decision d) noexcept {
  switch (d) {
    case decision::continue_trial: return "CONTINUE";
    case decision::pause_trial: return "PAUSE";
    case decision::stop_trial: return "STOP";
  }
  return "?";
}

[[nodiscard]] constexpr std::optional<decision> decision_from_string(std::string_view text) noexcept {
  for (const auto d : {decision::continue_trial, decision::pause_trial, decision::stop_trial}) {
    if (to_string(d) == text) return d;
  }
  return std::nullopt;
}

// One report as the scheduler sees it: the resource reached (epochs) and the
// value of the scheduler's metric there.
struct observation {
  trial_id trial{};
  double resource{};
  double metric{};
};

// How a trial ended, as the scheduler is told.
enum class trial_end : std::uint8_t {
  completed,  // the trial's callable returned after running to its end
  stopped,    // stopped by a decision or because the tuning ended
  failed,     // the callable threw
};

// What a free worker should do next. run_to: the resource to run the trial
// to, unless a report's decision stops it first: where the scheduler will
// next pause it (promotion ASHA: its next rung level; synchronous Hyperband:
// its rung's level), else its maximum resource (max_t, or the configuration's
// max_resource_attr). nullopt only when the scheduler knows no maximum (fifo
// with neither). A trial that checkpoints may end there by itself, as Syne
// Tune's LocalBackend has it do through max_resource_attr; an ask/tell loop
// need compute no rung level of its own.
template <class Config>
struct start_trial {
  Config config;
  std::optional<double> run_to = std::nullopt;
};

struct resume_trial {
  trial_id trial{};
  double from_resource{};  // the resource the trial paused at
  std::optional<double> run_to = std::nullopt;
};

// Nothing to start now, but trials are running whose results may change that
// (synchronous successive halving waits for its rung to fill).
struct wait_for_trials {};

// Nothing will ever be started again: the searcher is exhausted.
struct search_exhausted {};

// Whether a suggestion may start a new trial. A driver that may start no more
// (max_num_trials_started reached) still lets paused trials be promoted.
enum class trial_admission : std::uint8_t { new_or_paused, paused_only };

// Which paused trials a free worker may resume. A driver whose paused trials
// stay in memory where they ran (a trial paused on an MPI rank) lets a slot
// resume only its own; a scheduler then promotes the best trial the filter
// allows, or starts a new one, or waits. Not owning: the predicate outlives
// the suggest call it is passed to. Default: every paused trial.
class resume_filter {
 public:
  resume_filter() = default;
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, resume_filter> && std::is_invocable_r_v<bool, const F&, trial_id>)
  resume_filter(const F& may_resume)  // NOLINT(google-explicit-constructor): a lambda passes as is
      : object_(&may_resume), call_([](const void* object, trial_id id) -> bool {
          return (*static_cast<const F*>(object))(id);
        }) {}

  [[nodiscard]] bool operator()(trial_id id) const { return call_ == nullptr || call_(object_, id); }
  [[nodiscard]] bool allows_all() const noexcept { return call_ == nullptr; }

 private:
  const void* object_ = nullptr;
  bool (*call_)(const void*, trial_id) = nullptr;
};

template <class Config>
using suggestion = std::variant<start_trial<Config>, resume_trial, wait_for_trials, search_exhausted>;

}  // namespace rung
