// Cost of a scheduler decision as trials accumulate: N trials fed one after
// another through ASHA (stopping and promotion) on the synthetic workload
// (R = 81, r_min = 1, eta = 3), one worker. Each trial reports its error at
// epochs 1, 2, ... until the decision is not continue; with promotion the
// worker follows suggestions, resuming paused trials where they paused.
// The time covers everything a driver does per report: suggest, the
// configuration draw, the workload's error, on_report, on_trial_end. It is
// the benchmark thread's CPU time, so that other load on a shared machine
// does not count. Each case is the best of several runs, with freed memory
// kept by malloc, so that it measures the scheduler rather than the first
// touch of fresh pages (costly in a virtual machine); the first run's figure
// is printed too, as cold_us_per_report.
// scripts/bench_optuna_asha.py feeds Optuna's SuccessiveHalvingPruner the
// same way and prints the same line.
//   {"benchmark":"bench_scheduler","scheduler":"asha_stopping","trials":1000,...}
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <malloc.h>
#include <string_view>
#include <variant>
#include <vector>

#include "rung/schedulers/asha.hpp"
#include "rung/searchers/random_search.hpp"
#include "synthetic_workload.hpp"

namespace {

namespace lc = rung::bench::synthetic_lc;

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

struct outcome {
  std::int64_t reports = 0;
  double best_error = std::numeric_limits<double>::infinity();
  double seconds = 0;
};

outcome feed(rung::asha_type type, std::int64_t trials) {
  auto scheduler = rung::asha(rung::random_searcher(lc::space, {.seed = 1}), lc::asha_settings(type));
  using config = lc::config;
  struct running_trial {  // what a driver keeps per trial, together
    config configuration;
    std::int64_t epoch = 0;  // the last one reported
  };
  std::vector<running_trial> started;
  started.reserve(static_cast<std::size_t>(trials));
  outcome result;
  const double start = cpu_seconds();
  for (;;) {
    const auto new_id = static_cast<rung::trial_id>(started.size());
    auto next = scheduler.suggest(new_id);
    rung::trial_id trial = 0;
    if (auto* fresh = std::get_if<rung::start_trial<config>>(&next)) {
      if (new_id == trials) break;
      started.push_back({std::move(fresh->config), 0});
      trial = new_id;
    } else if (const auto* resumed = std::get_if<rung::resume_trial>(&next)) {
      trial = resumed->trial;
    } else {
      break;
    }
    running_trial& run = started[static_cast<std::size_t>(trial)];
    for (;;) {
      const std::int64_t epoch = ++run.epoch;
      const double error = lc::error(run.configuration, epoch);
      ++result.reports;
      result.best_error = std::min(result.best_error, error);
      const auto decision = scheduler.on_report({trial, static_cast<double>(epoch), error});
      if (decision == rung::decision::continue_trial) continue;
      if (decision == rung::decision::stop_trial) {
        scheduler.on_trial_end(trial, epoch >= lc::max_resource ? rung::trial_end::completed
                                                                 : rung::trial_end::stopped);
      }
      break;
    }
  }
  result.seconds = cpu_seconds() - start;
  return result;
}

}  // namespace

// Optional arguments pick cases: bench_scheduler [asha_stopping|asha_promotion] [trials]
int main(int argc, char** argv) {
  const std::string_view only_scheduler = argc > 1 ? argv[1] : "";
  const std::int64_t only_trials = argc > 2 ? std::atoll(argv[2]) : 0;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest: big blocks come from the heap
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());  // and stay there once freed
  for (const auto type : {rung::asha_type::stopping, rung::asha_type::promotion}) {
    const std::string_view name = type == rung::asha_type::stopping ? "asha_stopping" : "asha_promotion";
    if (!only_scheduler.empty() && only_scheduler != name) continue;
    for (const std::int64_t trials : {1'000, 10'000, 100'000, 1'000'000}) {
      if (only_trials != 0 && only_trials != trials) continue;
      // Small cases repeat (best of) so that timer and cache noise average out.
      const int repeats = static_cast<int>(std::clamp<std::int64_t>(1'000'000 / trials, 3, 200));
      const outcome cold = feed(type, trials);
      outcome best = cold;
      for (int i = 1; i < repeats; ++i) {
        const outcome again = feed(type, trials);
        if (again.seconds < best.seconds) best = again;
      }
      std::printf(
          "{\"benchmark\":\"bench_scheduler\",\"scheduler\":\"%.*s\",\"trials\":%lld,\"reports\":%lld,"
          "\"us_per_report\":%.4f,\"best_error\":%.6f,\"cold_us_per_report\":%.4f}\n",
          static_cast<int>(name.size()), name.data(), static_cast<long long>(trials),
          static_cast<long long>(best.reports), best.seconds / static_cast<double>(best.reports) * 1e6,
          best.best_error, cold.seconds / static_cast<double>(cold.reports) * 1e6);
      std::fflush(stdout);
    }
  }
}
