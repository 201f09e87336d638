// Quickstart: asynchronous random search on the shared synthetic workload
// (benchmarks/support/synthetic_workload.hpp). Each trial "trains" for up to
// 81 epochs; an epoch waits epoch_seconds(config) scaled down 1000x, so four
// workers run a few hundred trials in 20 seconds, always busy.
//   example_quickstart [seconds] [workers]
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdlib>
#include <rung/rung.hpp>

#include "synthetic_workload.hpp"

namespace lc = rung::bench::synthetic_lc;

// A coroutine trial: it waits on a timer instead of computing, so many run
// at once on one thread.
rung::awaitable<void> train(const lc::config& config, rung::async_reporter& reporter) {
  boost::asio::steady_timer epoch_timer(co_await boost::asio::this_coro::executor);
  const auto epoch_time = std::chrono::duration<double>(lc::epoch_seconds(config) / 1000);
  for (std::int64_t epoch = 1; epoch <= lc::max_resource; ++epoch) {
    epoch_timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(epoch_time));
    co_await epoch_timer.async_wait(boost::asio::use_awaitable);
    const double error = lc::error(config, epoch);
    if (co_await reporter.report(static_cast<double>(epoch), error) != rung::decision::continue_trial) co_return;
  }
}

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 20.0;
  const std::size_t workers = argc > 2 ? static_cast<std::size_t>(std::atoi(argv[2])) : 4;

  rung::tuner tuner(
      rung::fifo(rung::random_searcher(lc::space, {.seed = 42}),
                 {.metric = "error", .mode = rung::mode::min, .resource_attr = "epoch", .max_t = lc::max_resource}),
      {.n_workers = workers,
       .stop_criterion = rung::stop_criterion{.max_wallclock_time = seconds},
       .print_update_interval = seconds / 2});
  const auto result = tuner.run(train);
  return result.best_trial ? EXIT_SUCCESS : EXIT_FAILURE;
}
