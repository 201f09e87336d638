// Asynchronous Hyperband: ASHA with several brackets. Each new trial draws a
// bracket s (seeded, in proportion to synchronous Hyperband's trial counts)
// and skips the lowest s rung levels, which hedges against rungs that judge
// too early: on this workload a large learning rate looks good at epoch 1
// and ends badly.
#include <rung/schedulers/asha.hpp>
#include <rung/searchers/random_search.hpp>
#include <rung/drivers/tuner.hpp>

#include "synthetic_trial.hpp"

int main() {
  namespace lc = example::lc;
  auto scheduler = rung::asha(
      rung::random_searcher(lc::space, {.seed = 1}),
      {.metric = "error", .max_t = lc::max_resource, .type = rung::asha_type::promotion, .brackets = 3, .seed = 7});
  rung::tuner tuner(std::move(scheduler), {.n_workers = 4,
                                           .stop_criterion = rung::stop_criterion{.max_wallclock_time = 3},
                                           .record_results = false});
  tuner.run(example::train<lc::config>);
}
