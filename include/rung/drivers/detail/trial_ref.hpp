// The user's trial as the tuner's driver holds it: a non-owning reference
// with its type erased. The driver is most of the tuner's code; erased, it is
// compiled once per scheduler and recorder instead of once per trial type
// (each lambda is a type of its own), for one indirect call per trial run.
// Not std::function: that would copy the trial and refuse move-only ones.
#pragma once

#include <concepts>
#include <functional>
#include <memory>

#include "rung/concepts/trial.hpp"
#include "rung/reporter.hpp"

namespace rung::detail {

// A trial type whose state cannot stay in memory (a child process) declares
// `static constexpr bool pause_in_memory = false`: it is asked to return.
template <class F>
constexpr bool trial_pauses_in_memory() {
  if constexpr (requires { F::pause_in_memory; }) {
    return bool{F::pause_in_memory};
  } else {
    return true;
  }
}

template <class Config, class Reporter, class Result>
class trial_ref {
 public:
  template <class F>
    requires(!std::same_as<F, trial_ref>)  // copying a trial_ref copies the reference
  explicit trial_ref(F& trial)
      : object_(std::addressof(trial)),
        call_([](void* object, const Config& config, Reporter& reporter) -> Result {
          return std::invoke(*static_cast<F*>(object), config, reporter);
        }),
        pauses_in_memory_(trial_pauses_in_memory<F>()) {}

  Result operator()(const Config& config, Reporter& reporter) const { return call_(object_, config, reporter); }
  [[nodiscard]] bool pauses_in_memory() const noexcept { return pauses_in_memory_; }

 private:
  void* object_;
  Result (*call_)(void*, const Config&, Reporter&);
  bool pauses_in_memory_;
};

template <class Config>
using blocking_trial_ref = trial_ref<Config, reporter, void>;
template <class Config>
using coroutine_trial_ref = trial_ref<Config, async_reporter, awaitable<void>>;

// The reference a trial is driven through: a coroutine trial (one that is
// both forms counts as a coroutine) or a blocking one.
template <class Config, Trial<Config> F>
auto erase_trial(F& trial) {
  if constexpr (CoroutineTrial<F, Config>) {
    return coroutine_trial_ref<Config>(trial);
  } else {
    return blocking_trial_ref<Config>(trial);
  }
}

}  // namespace rung::detail
