#include "lenet_tuning.hpp"

#include <rung/rung.hpp>
#include <rung/schedulers/asha.hpp>
#include <rung/schedulers/synchronous_hyperband.hpp>
#include <rung/searchers/kde_searcher.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace lenet {

namespace {

// run(scheduler) with the scheduler --scheduler names over `searcher`.
template <class Searcher, class Run>
tuning_outcome with_scheduler(const lenet_settings& settings, Searcher searcher, Run& run) {
  const std::string metric(metric_name);
  const auto asha = [&](rung::asha_type type, std::int64_t brackets) {
    return run(rung::asha(std::move(searcher), {.metric = metric,
                                                .grace_period = 2,
                                                .reduction_factor = 2,
                                                .max_resource_attr = "max_epochs",
                                                .type = type,
                                                .brackets = brackets,
                                                .seed = settings.seed}));
  };
  if (settings.scheduler == "asha") return asha(rung::asha_type::stopping, 1);
  if (settings.scheduler == "asha-promotion") return asha(rung::asha_type::promotion, 1);
  // As many brackets as the rung levels allow (asha uses min(brackets, rungs + 1),
  // and there are fewer rungs than epochs).
  if (settings.scheduler == "hyperband") return asha(rung::asha_type::stopping, settings.max_epochs);
  if (settings.scheduler == "sync-sh") {
    return run(rung::synchronous_hyperband(std::move(searcher), {.metric = metric,
                                                                 .grace_period = 2,
                                                                 .reduction_factor = 2,
                                                                 .max_resource_attr = "max_epochs",
                                                                 .brackets = 1}));
  }
  if (settings.scheduler == "random") {
    return run(rung::fifo(std::move(searcher), {.metric = metric, .max_resource_attr = "max_epochs"}));
  }
  require_known_scheduler(settings.scheduler);
  throw std::logic_error("--scheduler " + settings.scheduler + " is listed in scheduler_names but not made here");
}

// Calls run(scheduler) with the scheduler --scheduler names and the
// searcher --searcher names, searching the seeds' space from the seeds'
// initial configuration on, with the seeds' rungs (grace period 2,
// reduction factor 2, up to max_epochs).
template <class Run>
tuning_outcome with_policies(const lenet_settings& settings, Run&& run) {
  const auto space = make_search_space(settings.max_epochs);
  const auto seeds_first = std::vector{search_space::partial().set<"learning_rate">(0.1).set<"batch_size">(128)};
  if (settings.searcher == "kde") {
    return with_scheduler(settings, rung::kde_searcher(space, {.seed = settings.seed, .points_to_evaluate = seeds_first}),
                          run);
  }
  require_known_searcher(settings.searcher);
  return with_scheduler(settings, rung::random_searcher(space, {.seed = settings.seed, .points_to_evaluate = seeds_first}),
                        run);
}

rung::any_stop_criterion stop_criterion(const lenet_settings& settings) {
  const rung::stop_criterion limits{.max_wallclock_time = settings.max_wallclock,
                                    .max_num_trials_started = settings.max_trials};
  if (!settings.stop_at_error) return limits;
  return limits || rung::stop_if{[target = *settings.stop_at_error](const rung::tuning_status& status) {
           const auto index = status.metric_index(metric_name);
           return index && status.metric_min[*index] <= target;
         }};
}

}  // namespace

namespace {
template <std::size_t N>
void require_known(std::string_view flag, std::string_view name, const std::array<std::string_view, N>& names) {
  if (std::find(names.begin(), names.end(), name) != names.end()) return;
  std::string known;
  for (const auto each : names) known += (known.empty() ? "" : ", ") + std::string(each);
  throw std::invalid_argument(std::string(flag) + " " + std::string(name) + ": unknown; expected one of " + known);
}
}  // namespace

void require_known_scheduler(std::string_view name) { require_known("--scheduler", name, scheduler_names); }
void require_known_searcher(std::string_view name) { require_known("--searcher", name, searcher_names); }

tuning_outcome tune_lenet(const lenet_settings& settings, const prepared_data& data) {
  if (settings.workers < 1) throw std::invalid_argument("--workers 0: at least one worker is needed");
  if (settings.max_epochs < 1) {
    throw std::invalid_argument("--max-epochs " + std::to_string(settings.max_epochs) + ": must be at least 1");
  }
  if (!settings.max_wallclock) throw std::logic_error("tune_lenet: max_wallclock unset (prepare_data sets it)");
  if (!(*settings.max_wallclock > 0)) {
    throw std::invalid_argument("--max-wallclock " + std::to_string(*settings.max_wallclock) + ": must be > 0 seconds");
  }
  if (settings.pack < 1) {
    throw std::invalid_argument("--pack " + std::to_string(settings.pack) +
                                ": must be at least 1 (1 trains every trial alone)");
  }
  if (static_cast<std::size_t>(settings.pack) > settings.workers) {
    throw std::invalid_argument("--pack " + std::to_string(settings.pack) + ": must be at most --workers (" +
                                std::to_string(settings.workers) + "): a pack holds trials that train at once");
  }
  const double max_wallclock = *settings.max_wallclock;
  if (settings.log) {
    *settings.log << "rung: LeNet on Fashion-MNIST, " << data.description << "; " << settings.workers
                  << " workers (1 LibTorch thread each), "
                  << (settings.pack > 1 ? "packs of " + std::to_string(settings.pack) + " trials" : "unpacked")
                  << ", scheduler " << settings.scheduler << ", at most " << max_wallclock << " s\n";
  }
  return with_policies(settings, [&](auto scheduler) {
    rung::tuner tuner(std::move(scheduler),
                      {.n_workers = settings.workers,
                       .stop_criterion = stop_criterion(settings),
                       .metrics = {std::string(metric_name), std::string(train_loss_name)},
                       .print_update_interval = settings.print_update_interval > 0 ? settings.print_update_interval
                                                                                   : max_wallclock / 4,
                       .max_failures = settings.max_failures,
                       .name = settings.name,
                       .experiment_root = settings.out,
                       .log = settings.log});
    const lenet_trial trial(data.devices, settings.seed,
                            {.pack_size = static_cast<std::size_t>(settings.pack), .workers = settings.workers});
    const auto result = tuner.run(trial);
    tuning_outcome outcome{.experiment_dir = result.experiment_dir,
                           .best_validation_error = std::nullopt,
                           .best_config = {},
                           .status = result.status,
                           .stop_reason = result.stop_reason,
                           .most_trials_packed = trial.most_trials_packed()};
    if (result.best_config) {
      outcome.best_validation_error = result.best_metric;
      tuner.scheduler().space().append_json(outcome.best_config, *result.best_config);
    }
    return outcome;
  });
}

}  // namespace lenet
