// Asynchronous successive halving, promotion type (the ASHA paper's
// Algorithm 2): every trial pauses at each rung level; a free worker resumes
// the best paused trial that the rung's cutoff lets go on, to the next level,
// or starts a new one. Paused trials keep their state in memory (their
// coroutine waits in report()); nothing is retrained.
#include <rung/schedulers/asha.hpp>
#include <rung/searchers/random_search.hpp>
#include <rung/drivers/tuner.hpp>

#include "synthetic_trial.hpp"

int main() {
  namespace lc = example::lc;
  auto scheduler = rung::asha(rung::random_searcher(lc::space, {.seed = 1}), {.metric = "error",
                                                                              .grace_period = 1,
                                                                              .reduction_factor = 3,
                                                                              .max_t = lc::max_resource,
                                                                              .type = rung::asha_type::promotion});
  rung::tuner tuner(std::move(scheduler), {.n_workers = 4,
                                           .stop_criterion = rung::stop_criterion{.max_wallclock_time = 3},
                                           .record_results = false});
  tuner.run(example::train<lc::config>);
}
