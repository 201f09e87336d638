// Speed of the simulator: N trials of ASHA on the synthetic workload with W
// simulated workers, through rung::simulate exactly as a user calls it
// (the session's bookkeeping, the stop criterion, the event queue), with
// and without writing the experiment directory. One JSON line per case:
//   {"benchmark":"synthetic-lc","scheduler":"asha_stopping","workers":500,"trials":1000000,
//    "events":...,"seconds":...,"events_per_s":...,"recording":false,...}
// seconds is wall-clock time of the whole simulate() call.
//
//   bench_simulator                      # the case: 1,000,000 trials, 500 workers
//   bench_simulator TRIALS WORKERS       # another size
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "rung/drivers/simulator.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/searchers/random_search.hpp"
#include "synthetic_workload.hpp"

namespace {

namespace lc = rung::bench::synthetic_lc;

void run_case(rung::asha_type type, std::int64_t trials, std::size_t workers, bool recording) {
  auto scheduler = rung::asha(rung::random_searcher(lc::space, {.seed = 1}), lc::asha_settings(type));
  const auto root = std::filesystem::temp_directory_path() / "rung-bench-simulator";
  std::filesystem::remove_all(root);
  const auto started = std::chrono::steady_clock::now();
  const auto result = rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{},
                                     {.n_workers = workers,
                                      .stop_criterion = rung::stop_criterion{.max_num_trials_started = trials},
                                      .name = "bench",
                                      .experiment_root = root,
                                      .record_results = recording});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto events = result.statistics.events;
  std::printf(
      "{\"benchmark\":\"synthetic-lc\",\"scheduler\":\"%s\",\"workers\":%zu,\"trials\":%lld,\"events\":%lld,"
      "\"seconds\":%.3f,\"events_per_s\":%.0f,\"recording\":%s,\"simulated_seconds\":%.1f,\"utilization\":%.4f,"
      "\"best_error\":%.5f}\n",
      type == rung::asha_type::stopping ? "asha_stopping" : "asha_promotion", workers,
      static_cast<long long>(result.status.num_trials_started), static_cast<long long>(events), seconds,
      static_cast<double>(events) / seconds, recording ? "true" : "false", result.statistics.end_time,
      result.statistics.utilization(), result.best_metric);
  std::fflush(stdout);
  std::filesystem::remove_all(root);
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t trials = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
  const std::size_t workers = argc > 2 ? static_cast<std::size_t>(std::atoll(argv[2])) : 500;
  if (trials < 1 || workers < 1) {
    std::fprintf(stderr, "usage: bench_simulator [TRIALS >= 1] [WORKERS >= 1]\n");
    return 2;
  }
  run_case(rung::asha_type::stopping, trials, workers, false);
  run_case(rung::asha_type::promotion, trials, workers, false);
  run_case(rung::asha_type::stopping, trials / 10, workers, true);  // files for 100,000 trials
  return 0;
}
