// Any scheduler behind one interface per configuration space.
//   scheduler_ref<Space>  refers to a scheduler (not owning): the drivers hold
//                         one, so that the event loop, the session and the
//                         journal replay are compiled once per space, not
//                         once per scheduler and searcher type;
//   any_scheduler<Space>  owns one: a value that a factory can return, for a
//                         scheduler chosen at run time.
// Both model Scheduler and its optional parts: suggest(id, paused_only) on a
// scheduler without admission waits (it never starts a trial), and
// filters_resumes() says whether a resume_filter is honoured (a scheduler
// without one is asked without it), and continues_below() is 0, no promise,
// for a scheduler that makes none.
#pragma once

#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "rung/concepts/scheduler.hpp"
#include "rung/decision.hpp"

namespace rung {

namespace detail {

template <class S>
using space_of_t = std::remove_cvref_t<decltype(std::declval<const S&>().space())>;

// The scheduler's name in metadata.json: its variant, its static name, or "custom".
template <class S>
std::string scheduler_name(const S& scheduler) {
  if constexpr (requires { scheduler.variant(); }) {
    return std::string(scheduler.variant());
  } else if constexpr (requires { S::name; }) {
    return std::string(S::name);
  } else {
    return "custom";
  }
}

// Whether the scheduler's searcher runs out on its own (then a tuning needs
// no stop criterion): a type's is_exhaustible_v, or an any_searcher's runs_out().
template <class S>
bool searcher_is_exhaustible(const S& scheduler) {
  if constexpr (requires { scheduler.searcher_exhaustible(); }) {
    return scheduler.searcher_exhaustible();
  } else if constexpr (requires { scheduler.searcher().runs_out(); }) {
    return scheduler.searcher().runs_out();
  } else if constexpr (requires { scheduler.inner(); }) {
    return searcher_is_exhaustible(scheduler.inner());  // a scheduler around another (median stopping)
  } else if constexpr (requires { typename S::searcher_type; }) {
    return is_exhaustible_v<typename S::searcher_type>;
  } else {
    return false;
  }
}

// The scheduler's searcher's standing warning (the Searcher concept's hook).
template <class S>
std::optional<std::string_view> searcher_warning(const S& scheduler) noexcept {
  if constexpr (requires { scheduler.searcher_warning(); }) {
    return scheduler.searcher_warning();
  } else if constexpr (requires { scheduler.searcher(); }) {
    return warning_of(scheduler.searcher());
  } else if constexpr (requires { scheduler.inner(); }) {
    return searcher_warning(scheduler.inner());
  } else {
    return std::nullopt;
  }
}

// One table of calls per scheduler type and space.
template <class Space>
struct scheduler_calls {
  using config_type = typename Space::config_type;
  suggestion<config_type> (*suggest)(void*, trial_id, trial_admission, resume_filter);
  decision (*on_report)(void*, const observation&);
  void (*on_trial_end)(void*, trial_id, trial_end);
  std::optional<double> (*max_resource)(const void*, const config_type&);
  double (*continues_below)(const void*, trial_id);
  std::string_view (*metric)(const void*);
  mode (*metric_mode)(const void*);
  std::string_view (*resource_attr)(const void*);
  const Space& (*space)(const void*);
  std::string (*name)(const void*);
  bool (*searcher_exhaustible)(const void*);
  std::optional<std::string_view> (*searcher_warning)(const void*);
  bool filters_resumes;
};

template <class S, class Space>
inline constexpr scheduler_calls<Space> calls_of{
    .suggest = [](void* object, trial_id new_id, trial_admission admission,
                  resume_filter may_resume) -> suggestion<typename Space::config_type> {
      auto& scheduler = *static_cast<S*>(object);
      if constexpr (SchedulerWithResumeFilter<S>) {
        if (!may_resume.allows_all()) return scheduler.suggest(new_id, admission, may_resume);
      }
      if (admission == trial_admission::paused_only) {
        if constexpr (SchedulerWithAdmission<S>) {
          return scheduler.suggest(new_id, admission);
        } else {
          return wait_for_trials{};  // it could only start one
        }
      }
      return scheduler.suggest(new_id);
    },
    .on_report = [](void* object, const observation& obs) { return static_cast<S*>(object)->on_report(obs); },
    .on_trial_end = [](void* object, trial_id id, trial_end how) { static_cast<S*>(object)->on_trial_end(id, how); },
    .max_resource = [](const void* object, const typename Space::config_type& config) {
      return static_cast<const S*>(object)->max_resource(config);
    },
    .continues_below = [](const void* object, trial_id id) {
      if constexpr (SchedulerWithDecisionPoints<S>) {
        return static_cast<const S*>(object)->continues_below(id);
      } else {
        return 0.0;
      }
    },
    .metric = [](const void* object) { return std::string_view(static_cast<const S*>(object)->metric()); },
    .metric_mode = [](const void* object) { return static_cast<const S*>(object)->metric_mode(); },
    .resource_attr = [](const void* object) {
      return std::string_view(static_cast<const S*>(object)->resource_attr());
    },
    .space = [](const void* object) -> const Space& { return static_cast<const S*>(object)->space(); },
    .name = [](const void* object) { return scheduler_name(*static_cast<const S*>(object)); },
    .searcher_exhaustible = [](const void* object) { return searcher_is_exhaustible(*static_cast<const S*>(object)); },
    .searcher_warning = [](const void* object) { return searcher_warning(*static_cast<const S*>(object)); },
    .filters_resumes = SchedulerWithResumeFilter<S>,
};

}  // namespace detail

template <ConfigSpace Space>
class scheduler_ref {
 public:
  using space_type = Space;
  using config_type = typename Space::config_type;

  // Any scheduler over Space; a scheduler_ref or any_scheduler is copied, not wrapped again.
  template <Scheduler S>
    requires(!std::derived_from<S, scheduler_ref> && std::same_as<detail::space_of_t<S>, Space> &&
             std::same_as<typename S::config_type, config_type>)
  scheduler_ref(S& scheduler)  // NOLINT(google-explicit-constructor): a driver takes any scheduler as is
      : object_(&scheduler), calls_(&detail::calls_of<S, Space>) {}

  suggestion<config_type> suggest(trial_id new_id, trial_admission admission = trial_admission::new_or_paused,
                                  resume_filter may_resume = {}) {
    return calls_->suggest(object_, new_id, admission, may_resume);
  }
  decision on_report(const observation& obs) { return calls_->on_report(object_, obs); }
  void on_trial_end(trial_id id, trial_end how) { calls_->on_trial_end(object_, id, how); }
  [[nodiscard]] std::optional<double> max_resource(const config_type& config) const {
    return calls_->max_resource(object_, config);
  }
  [[nodiscard]] double continues_below(trial_id id) const { return calls_->continues_below(object_, id); }
  [[nodiscard]] std::string_view metric() const { return calls_->metric(object_); }
  [[nodiscard]] mode metric_mode() const { return calls_->metric_mode(object_); }
  [[nodiscard]] std::string_view resource_attr() const { return calls_->resource_attr(object_); }
  [[nodiscard]] const Space& space() const { return calls_->space(object_); }
  // The held scheduler's name (detail::scheduler_name reads it from here).
  [[nodiscard]] std::string variant() const { return calls_->name(object_); }
  [[nodiscard]] bool searcher_exhaustible() const { return calls_->searcher_exhaustible(object_); }
  [[nodiscard]] std::optional<std::string_view> searcher_warning() const { return calls_->searcher_warning(object_); }
  // Whether suggest() resumes only what a resume_filter allows.
  [[nodiscard]] bool filters_resumes() const noexcept { return calls_->filters_resumes; }

  // The held scheduler if it is an S (as std::get_if has it), else nullptr.
  template <Scheduler S>
  [[nodiscard]] S* get_if() const noexcept {
    return calls_ == &detail::calls_of<S, Space> ? static_cast<S*>(object_) : nullptr;
  }

 private:
  void* object_;
  const detail::scheduler_calls<Space>* calls_;
};

// Owns its scheduler; moving it keeps the scheduler where it is, so a
// scheduler_ref taken from it stays valid.
template <ConfigSpace Space>
class any_scheduler : public scheduler_ref<Space> {
 public:
  template <Scheduler S>
    requires(!std::derived_from<S, scheduler_ref<Space>>)
  any_scheduler(S scheduler)  // NOLINT(google-explicit-constructor): a scheduler converts to its erased form
      : any_scheduler(std::make_unique<S>(std::move(scheduler))) {}

 private:
  template <class S>
  explicit any_scheduler(std::unique_ptr<S> held)
      : scheduler_ref<Space>(*held), held_(held.release(), [](void* object) { delete static_cast<S*>(object); }) {}

  std::unique_ptr<void, void (*)(void*)> held_;
};

template <Scheduler S>
any_scheduler(S) -> any_scheduler<detail::space_of_t<S>>;

}  // namespace rung
