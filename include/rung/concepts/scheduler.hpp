// The Scheduler role: the pure decision logic every driver (the Asio tuner,
// the simulator) feeds with events.
//   suggest(new_id)  a worker is free: start a new trial (it gets new_id),
//                    resume a paused one, wait, or nothing is left;
//   on_report(obs)   a trial reached obs.resource with obs.metric: continue,
//                    pause or stop it;
//   on_trial_end     the trial is gone (completed, stopped or failed).
// It names the metric it optimises, its mode and the resource attribute.
// Optional: suggest(new_id, trial_admission::paused_only), which never starts
// a new trial: drivers call it once no more may start, so that paused trials
// can still be promoted (rung's multi-fidelity schedulers have it).
// Optional: continues_below(id), a promise about trial id's coming reports
// (FIFO and ASHA make it; see detail::SchedulerWithDecisionPoints).
#pragma once

#include <concepts>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "rung/concepts/searcher.hpp"
#include "rung/decision.hpp"

namespace rung {

// Move-constructible: the drivers (and median_stopping) hold it by value.
template <class S>
concept Scheduler =
    std::move_constructible<S> && Configuration<typename S::config_type> &&
    requires(S& scheduler, const S& const_scheduler, trial_id id, const observation& obs, trial_end how) {
      { scheduler.suggest(id) } -> std::same_as<suggestion<typename S::config_type>>;
      { scheduler.on_report(obs) } -> std::same_as<decision>;
      { scheduler.on_trial_end(id, how) } -> std::same_as<void>;
      { const_scheduler.metric() } -> std::convertible_to<std::string_view>;
      { const_scheduler.metric_mode() } -> std::same_as<mode>;
      { const_scheduler.resource_attr() } -> std::convertible_to<std::string_view>;
      // The resource at which a trial counts as fully trained, if known.
      { const_scheduler.max_resource(std::declval<const typename S::config_type&>()) }
          -> std::same_as<std::optional<double>>;
      requires ConfigSpace<std::remove_cvref_t<decltype(const_scheduler.space())>>;
    };

namespace detail {
template <class S>
concept SchedulerWithAdmission = requires(S& scheduler, trial_id id) {
  { scheduler.suggest(id, trial_admission::paused_only) } -> std::same_as<suggestion<typename S::config_type>>;
};
// Optional: suggest(new_id, admission, resume_filter), which resumes only
// paused trials the filter allows (drivers whose paused trials live on one
// machine of many); rung's multi-fidelity schedulers have it.
template <class S>
concept SchedulerWithResumeFilter = requires(S& scheduler, trial_id id, resume_filter may_resume) {
  {
    scheduler.suggest(id, trial_admission::new_or_paused, may_resume)
  } -> std::same_as<suggestion<typename S::config_type>>;
};
// Optional: continues_below(id), a promise that, while trial id runs, each of
// its reports at a resource below the value is answered continue_trial,
// whatever its metric (0: no promise). A driver whose answers cross a
// network (MPI) lets the trial go on at such reports without waiting for
// the answer. The value may only grow with the trial's own reports: one made
// earlier stays true until a report at or above it is answered.
template <class S>
concept SchedulerWithDecisionPoints = requires(const S& scheduler, trial_id id) {
  { scheduler.continues_below(id) } -> std::same_as<double>;
};
}  // namespace detail

}  // namespace rung
