// The Trial role: the user's training code, in one of two forms.
//   BlockingTrial:  f(const Config&, rung::reporter&), run on a worker thread;
//   CoroutineTrial: f(const Config&, rung::async_reporter&) returning
//                   rung::awaitable<void>, run on the tuner's io_context.
#pragma once

#include <concepts>

#include "rung/reporter.hpp"

namespace rung {

template <class F, class Config>
concept BlockingTrial = std::invocable<F&, const Config&, reporter&>;

template <class F, class Config>
concept CoroutineTrial = requires(F& trial, const Config& config, async_reporter& reporter) {
  { trial(config, reporter) } -> std::same_as<awaitable<void>>;
};

template <class F, class Config>
concept Trial = BlockingTrial<F, Config> || CoroutineTrial<F, Config>;

}  // namespace rung
