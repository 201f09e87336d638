// Using a scheduler on its own, without the tuner: your training code asks
// for a configuration, reports each epoch and obeys the decision. This is
// how rung fits into an existing training loop or job system; the tuner
// does exactly this for you, n_workers at a time.
#include <cstdio>
#include <rung/rung.hpp>
#include <string>
#include <variant>

#include "synthetic_workload.hpp"

namespace lc = rung::bench::synthetic_lc;

int main() {
  // ASHA (stopping type): poor trials are stopped at rungs 1, 3 and 9 epochs.
  auto scheduler = rung::asha(rung::random_searcher(lc::space, {.seed = 7}),
                              {.metric = "error", .grace_period = 1, .reduction_factor = 3, .max_t = 27});
  double best_error = 1.0;
  std::string best_config;
  std::int64_t epochs = 0;
  for (rung::trial_id id = 0; id < 50; ++id) {
    // Ask: a new configuration (or, with promotion-type schedulers, a paused trial to resume).
    auto suggestion = scheduler.suggest(id);
    const auto* start = std::get_if<rung::start_trial<lc::config>>(&suggestion);
    if (start == nullptr) break;  // the searcher has nothing left
    const lc::config& config = start->config;

    // Train and tell: report every epoch; the decision says whether to go on.
    rung::decision decision = rung::decision::continue_trial;
    for (std::int64_t epoch = 1; decision == rung::decision::continue_trial; ++epoch) {
      const double error = lc::error(config, epoch);  // your training epoch goes here
      decision = scheduler.on_report({.trial = id, .resource = static_cast<double>(epoch), .metric = error});
      ++epochs;
      if (error < best_error) {
        best_error = error;
        best_config.clear();
        scheduler.space().append_json(best_config, config);
      }
    }
    scheduler.on_trial_end(id, rung::trial_end::completed);
  }
  // 50 trials to 27 epochs would be 1350 epochs; ASHA spends far fewer.
  std::printf("%lld epochs for 50 trials; best error %.4f with %s\n", static_cast<long long>(epochs), best_error,
              best_config.c_str());
}
