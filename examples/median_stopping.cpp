// The median stopping rule around FIFO scheduling: a trial whose running
// average error at an epoch is worse than the median of the others' there
// stops (once 5 trials have reported at that epoch); the rest run to 81.
#include <rung/schedulers/fifo.hpp>
#include <rung/schedulers/median_stopping.hpp>
#include <rung/searchers/random_search.hpp>
#include <rung/drivers/tuner.hpp>

#include "synthetic_trial.hpp"

int main() {
  namespace lc = example::lc;
  auto scheduler =
      rung::median_stopping(rung::fifo(rung::random_searcher(lc::space, {.seed = 1}), {.metric = "error", .max_t = 81}),
                            {.grace_population = 5, .rank_cutoff = 0.5});
  rung::tuner tuner(std::move(scheduler), {.n_workers = 4,
                                           .stop_criterion = rung::stop_criterion{.max_num_trials_started = 100},
                                           .record_results = false});
  tuner.run(example::train<lc::config>);
}
