// Synchronous Hyperband (JMLR 2018), for comparison with the asynchronous
// schedulers: each rung waits for its slowest trial before the best third go
// on, so workers idle. One pass over the brackets s = 4..0 (81 trials at 1
// epoch, then 34 at 3, 15 at 9, 8 at 27, 5 at 81), then the tuning ends.
// .brackets = 1 would give synchronous successive halving.
#include <cstdio>

#include <rung/schedulers/synchronous_hyperband.hpp>
#include <rung/searchers/random_search.hpp>
#include <rung/drivers/tuner.hpp>

#include "synthetic_trial.hpp"

int main() {
  namespace lc = example::lc;
  auto scheduler = rung::synchronous_hyperband(rung::random_searcher(lc::space, {.seed = 1}),
                                               {.metric = "error", .max_t = lc::max_resource, .iterations = 1});
  rung::tuner tuner(std::move(scheduler), {.n_workers = 4,
                                           .stop_criterion = rung::stop_criterion{.max_wallclock_time = 60},
                                           .record_results = false});
  const auto result = tuner.run(example::train<lc::config>);
  double busy = 0;  // seconds trials ran, over all workers
  for (const auto& trial : result.trials) busy += trial.worker_time;
  std::printf("workers were busy %.0f%% of the time (the rest they waited for rungs to fill)\n",
              100 * busy / (4 * result.status.wallclock_time));
}
