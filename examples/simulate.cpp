// Choosing a scheduler before spending GPU hours: the same schedulers the
// tuner runs, driven in virtual time on a benchmark — here the shared
// synthetic workload, or learning curves you recorded (a CSV file given as
// the first argument: config_lr, config_width, config_dropout,
// config_optimizer, epoch, error, seconds; see rung/drivers/tabulated_benchmark.hpp).
// 500 simulated workers for an hour of simulated time (some 700,000 trials)
// take about a second per scheduler. Prints each scheduler's best error, utilization and time to the
// first fully trained model.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <rung/schedulers/asha.hpp>
#include <rung/schedulers/synchronous_hyperband.hpp>
#include <rung/searchers/random_search.hpp>
#include <rung/drivers/simulator.hpp>
#include <rung/drivers/tabulated_benchmark.hpp>

#include "synthetic_workload.hpp"

namespace {

namespace lc = rung::bench::synthetic_lc;

// `table`: the configurations the benchmark holds (empty: any of the space).
template <class Benchmark>
void compare(const Benchmark& benchmark, std::size_t workers, double seconds, const std::vector<lc::config>& table) {
  rung::random_searcher_options<typename Benchmark::space_type> searcher_options{.seed = 1};
  rung::any_stop_criterion stop = rung::stop_criterion{.max_wallclock_time = seconds};
  if (!table.empty()) {  // propose the table's configurations, and no others
    searcher_options.points_to_evaluate.emplace(table.begin(), table.end());
    stop = rung::stop_criterion{.max_wallclock_time = seconds,
                                .max_num_trials_started = static_cast<std::int64_t>(table.size())};
  }
  const auto searcher = rung::random_searcher(benchmark.space(), searcher_options);
  const rung::simulator_options options{.n_workers = workers, .stop_criterion = stop};
  const auto report = [](const char* name, const auto& result) {
    std::printf("%-26s best error %.4f  utilization %5.1f%%  first full training at %7.1f s  trials %lld\n", name,
                result.best_metric, 100 * result.statistics.utilization(), result.statistics.first_full_training,
                static_cast<long long>(result.status.num_trials_started));
  };
  report("ASHA (stopping)", rung::simulate(rung::asha(searcher, {.metric = "error", .max_t = lc::max_resource}),
                                           benchmark, options));
  report("ASHA (promotion)",
         rung::simulate(rung::asha(searcher, {.metric = "error", .max_t = lc::max_resource,
                                              .type = rung::asha_type::promotion}),
                        benchmark, options));
  report("synchronous Hyperband",
         rung::simulate(rung::synchronous_hyperband(searcher, {.metric = "error", .max_t = lc::max_resource}),
                        benchmark, options));
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc > 1) {
    const auto table = rung::tabulated_benchmark<std::remove_const_t<decltype(lc::space)>>::load(lc::space, argv[1]);
    std::printf("recorded curves from %s, 8 simulated workers, 1 simulated hour\n", argv[1]);
    compare(table, 8, 3600, table.configurations());
    return 0;
  }
  std::printf("synthetic workload, 500 simulated workers, 1 simulated hour\n");
  compare(rung::bench::synthetic_lc_benchmark{}, 500, 3600, {});
  return 0;
} catch (const std::exception& error) {
  std::cerr << "simulate: " << error.what() << '\n';
  return 1;
}
