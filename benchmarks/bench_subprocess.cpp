// The cost of a trial run as a child process: 1,000 trials of a program that
// reports once and exits (support/report_once.cpp), 8 workers, results
// recorded as a user runs it. One JSON line. Target: at most 5 ms per trial.
//   bench_subprocess [trials] [workers]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "rung/drivers/subprocess/subprocess_trial.hpp"
#include "rung/drivers/tuner.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"

namespace {

constexpr auto space = rung::config_space(rung::loguniform<"learning_rate">(1e-3, 1.0), rung::randint<"units">(8, 512),
                                          rung::choice<"optimizer">("sgd", "adam"));

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t trials = argc > 1 ? std::atoll(argv[1]) : 1'000;
  const std::size_t workers = argc > 2 ? static_cast<std::size_t>(std::atoll(argv[2])) : 8;
  const auto root = std::filesystem::temp_directory_path() / "rung-bench-subprocess";
  std::filesystem::remove_all(root);
  rung::tuner tuner(rung::fifo(rung::random_searcher(space, {.seed = 1}), {.metric = "loss"}),
                    {.n_workers = workers,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = trials},
                     .name = "subprocess",
                     .experiment_root = root,
                     .log = nullptr});
  const auto start = std::chrono::steady_clock::now();
  const auto result = tuner.run(rung::subprocess_trial({.command = {RUNG_REPORT_ONCE}}));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result.status.num_trials_completed != trials) {
    std::fprintf(stderr, "expected %lld completed trials, got %lld\n", static_cast<long long>(trials),
                 static_cast<long long>(result.status.num_trials_completed));
    return 1;
  }
  std::printf(R"({"benchmark":"bench_subprocess","trials":%lld,"workers":%zu,"seconds":%.3f,"ms_per_trial":%.3f})"
              "\n",
              static_cast<long long>(trials), workers, seconds, seconds * 1e3 / static_cast<double>(trials));
  std::filesystem::remove_all(root);
}
