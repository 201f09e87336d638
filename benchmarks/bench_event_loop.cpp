// The tuner's own cost per trial: 100,000 trials that report once and return,
// 8 workers, results recorded to an experiment directory as a user runs it.
// One JSON line per trial form. Target: at most 20 us per trial.
//   bench_event_loop [trials] [workers]
// RUNG_BENCH_JOURNAL_SYNC=none|periodic|every_event chooses the journal's
// sync policy (tuner_options::journal_sync; default none, as users run it).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "rung/drivers/tuner.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"

namespace {

constexpr auto space = rung::config_space(rung::loguniform<"learning_rate">(1e-3, 1.0), rung::randint<"units">(8, 512),
                                          rung::choice<"optimizer">("sgd", "adam"));
using config = decltype(space)::config_type;

double objective(const config& c) {
  return c.get<"learning_rate">() * static_cast<double>(c.get<"units">()) * (c.get<"optimizer">() == "adam" ? 1 : 2);
}

rung::journal_sync sync_policy() {
  const char* chosen = std::getenv("RUNG_BENCH_JOURNAL_SYNC");
  for (const auto policy : {rung::journal_sync::none, rung::journal_sync::periodic, rung::journal_sync::every_event}) {
    if (chosen == nullptr || rung::to_string(policy) == chosen) return policy;
  }
  std::fprintf(stderr, "RUNG_BENCH_JOURNAL_SYNC=%s: must be none, periodic or every_event\n", chosen);
  std::exit(2);
}

template <class Trial>
void measure(const char* form, Trial trial, std::int64_t trials, std::size_t workers) {
  const auto root = std::filesystem::temp_directory_path() / "rung-bench-event-loop";
  // Recording is on, as users run it; RUNG_BENCH_NO_RECORDING=1 shows what it costs.
  const bool recording = std::getenv("RUNG_BENCH_NO_RECORDING") == nullptr;
  std::filesystem::remove_all(root);
  rung::tuner tuner(rung::fifo(rung::random_searcher(space, {.seed = 1}), {.metric = "loss"}),
                    {.n_workers = workers,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = trials},
                     .name = form,
                     .experiment_root = root,
                     .record_results = recording,
                     .journal_sync = sync_policy(),
                     .log = nullptr});
  const auto start = std::chrono::steady_clock::now();
  const auto result = tuner.run(trial);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result.status.num_trials_completed != trials) {
    std::fprintf(stderr, "expected %lld completed trials, got %lld\n", static_cast<long long>(trials),
                 static_cast<long long>(result.status.num_trials_completed));
    std::exit(1);
  }
  std::printf(R"({"benchmark":"bench_event_loop","form":"%s","trials":%lld,"workers":%zu,"recording":%s,)"
              R"("journal_sync":"%s","seconds":%.3f,"us_per_trial":%.2f})"
              "\n",
              form, static_cast<long long>(trials), workers, recording ? "true" : "false",
              rung::to_string(sync_policy()).data(), seconds, seconds * 1e6 / static_cast<double>(trials));
  std::fflush(stdout);
  std::filesystem::remove_all(root);
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t trials = argc > 1 ? std::atoll(argv[1]) : 100'000;
  const std::size_t workers = argc > 2 ? static_cast<std::size_t>(std::atoll(argv[2])) : 8;
  measure(
      "blocking", [](const config& c, rung::reporter& reporter) { reporter.report(1.0, objective(c)); }, trials,
      workers);
  measure(
      "coroutine",
      [](const config& c, rung::async_reporter& reporter) -> rung::awaitable<void> {
        co_await reporter.report(1.0, objective(c));
      },
      trials, workers);
}
