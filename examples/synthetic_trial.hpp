// The trial every scheduler example tunes: the shared synthetic workload
// (benchmarks/support/synthetic_workload.hpp), one report per epoch, each
// epoch taking epoch_seconds(config) * time_scale of real time on a timer,
// so a run takes seconds. A coroutine: many trials share one thread.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>

#include "rung/reporter.hpp"
#include "synthetic_workload.hpp"

namespace example {

namespace lc = rung::bench::synthetic_lc;
inline constexpr double time_scale = 0.002;  // 1 simulated second -> 2 ms

template <class Config>
rung::awaitable<void> train(const Config& config, rung::async_reporter& reporter) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  const auto epoch_time = std::chrono::duration<double>(lc::epoch_seconds(config) * time_scale);
  // A trial resumed from a checkpoint starts after the epoch it paused at.
  for (auto epoch = static_cast<std::int64_t>(reporter.resume_from()) + 1; epoch <= lc::max_resource; ++epoch) {
    timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(epoch_time));
    co_await timer.async_wait(boost::asio::use_awaitable);
    const auto decision = co_await reporter.report(static_cast<double>(epoch), lc::error(config, epoch));
    if (decision != rung::decision::continue_trial) co_return;  // stopped (or paused to a checkpoint)
  }
}

}  // namespace example
