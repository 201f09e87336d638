// Asynchronous successive halving, stopping type: the seeds' Syne Tune
// example (d2l, "Asynchronous Successive Halving") on the synthetic workload.
// A trial that reaches a rung level (1, 3, 9, 27 epochs) with an error worse
// than the rung's cutoff stops; the others run to max_epochs.
#include <rung/spaces/config_space.hpp>
#include <rung/schedulers/asha.hpp>
#include <rung/searchers/random_search.hpp>
#include <rung/drivers/tuner.hpp>

#include "synthetic_trial.hpp"

int main() {
  constexpr auto space = rung::config_space(
      rung::loguniform<"lr">(1e-4, 1.0), rung::randint<"width">(16, 512), rung::uniform<"dropout">(0.0, 0.8),
      rung::choice<"optimizer">("sgd", "adam"), rung::constant<"max_epochs">(81));

  auto scheduler =
      rung::asha(rung::random_searcher(space, {.seed = 1}),
                 {.metric = "error", .grace_period = 1, .reduction_factor = 3, .max_resource_attr = "max_epochs"});
  rung::tuner tuner(std::move(scheduler), {.n_workers = 4,
                                           .stop_criterion = rung::stop_criterion{.max_num_trials_started = 200},
                                           .record_results = false});
  tuner.run(example::train<decltype(space)::config_type>);
}
