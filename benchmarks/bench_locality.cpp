// What locality costs promotion ASHA: workers grouped into ranks of 8 (MPI
// ranks, machines), a paused trial resumed only on its own rank (its model
// waits in memory there: in_memory_local) or on any worker after loading
// its checkpoint (checkpoint_anywhere, with a load time per resume), at 8,
// 64 and 500 workers, on the synthetic workload, for a fixed budget of
// simulated time; and the extreme of locality, one worker per rank (a trial
// resumes only on the worker it paused on). Per case, over the seeds: the
// best error and the utilisation (epoch time over worker time; a checkpoint
// load is not busy), mean and spread; the simulated seconds until the best
// error is at most 0.10 (over the seeds that got there); and what explains
// them: trials started, trials trained to 81 epochs, resumes, the simulated
// seconds a resumed trial sat paused, and the trials still paused at the end
// (in memory, each holds its model on its rank).
// One JSON line per case:
//   {"benchmark":"bench_locality","workers":64,"workers_per_rank":8,"locality":"in_memory_local",
//    "checkpoint_load_seconds":0,"budget_seconds":3600,"seeds":8,"best_error_mean":...,...}
//
//   bench_locality                 # 10 seeds, 900 simulated seconds
//   bench_locality SEEDS BUDGET
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rung/drivers/simulator.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/searchers/random_search.hpp"
#include "synthetic_workload.hpp"

namespace {

namespace lc = rung::bench::synthetic_lc;

constexpr double target_error = 0.10;

struct locality_case {
  std::size_t workers_per_rank;
  rung::paused_trial_locality locality;
  double load_seconds;
};

struct one_run {
  double best_error = 0;
  double utilization = 0;
  double trials_started = 0;
  double trials_at_max = 0;
  double resumes = 0;
  double paused_seconds_per_resume = 0;
  double paused_at_end = 0;  // trials still paused when the budget ran out (in memory: models held)
  double seconds_to_target = std::numeric_limits<double>::quiet_NaN();  // NaN: not reached
};

one_run simulate_once(std::size_t workers, locality_case how, std::uint64_t seed, double budget) {
  auto scheduler =
      rung::asha(rung::random_searcher(lc::space, {.seed = seed}), lc::asha_settings(rung::asha_type::promotion));
  const auto result = rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{},
                                     {.n_workers = workers,
                                      .workers_per_rank = how.workers_per_rank,
                                      .locality = how.locality,
                                      .checkpoint_load_seconds = how.load_seconds,
                                      .stop_criterion = rung::stop_criterion{.max_wallclock_time = budget},
                                      .record_schedule = true});
  one_run run{.best_error = result.best_metric,
              .utilization = result.statistics.utilization(),
              .trials_started = static_cast<double>(result.status.num_trials_started),
              .paused_at_end = static_cast<double>(result.status.num_trials_paused)};
  for (const auto& point : result.statistics.incumbent) {
    if (point.best <= target_error) {
      run.seconds_to_target = point.time;
      break;
    }
  }
  for (const auto& trial : result.trials) run.trials_at_max += trial.iterations == lc::max_resource ? 1 : 0;
  // The schedule lists stretches in the order they ended: a trial's next stretch began when it resumed.
  std::map<rung::trial_id, double> paused_since;
  double paused_seconds = 0;
  for (const auto& span : result.statistics.schedule) {
    if (span.first_epoch > 1) {
      run.resumes += 1;
      paused_seconds += span.start - paused_since.at(span.trial);
    }
    paused_since[span.trial] = span.end;
  }
  run.paused_seconds_per_resume = run.resumes > 0 ? paused_seconds / run.resumes : 0;
  return run;
}

struct spread {
  double mean = 0;
  double sd = 0;  // sample standard deviation
  double min = 0;
  double max = 0;
};

// Over the runs where the field is a number.
spread spread_of(const std::vector<one_run>& runs, double one_run::*field) {
  std::vector<double> values;
  for (const auto& run : runs) {
    if (!std::isnan(run.*field)) values.push_back(run.*field);
  }
  if (values.empty()) return {.mean = std::numeric_limits<double>::quiet_NaN()};
  spread s{.min = values.front(), .max = values.front()};
  for (const double value : values) {
    s.mean += value;
    s.min = std::min(s.min, value);
    s.max = std::max(s.max, value);
  }
  s.mean /= static_cast<double>(values.size());
  for (const double value : values) s.sd += (value - s.mean) * (value - s.mean);
  s.sd = values.size() > 1 ? std::sqrt(s.sd / static_cast<double>(values.size() - 1)) : 0;
  return s;
}

// A JSON number, or null for NaN (no seed reached the target).
std::string json_number(double value, int decimals) {
  if (std::isnan(value)) return "null";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

void print_case(std::size_t workers, locality_case how, std::uint64_t seeds, double budget) {
  std::vector<one_run> runs;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) runs.push_back(simulate_once(workers, how, seed, budget));
  const spread error = spread_of(runs, &one_run::best_error);
  const spread busy = spread_of(runs, &one_run::utilization);
  const spread to_target = spread_of(runs, &one_run::seconds_to_target);
  const auto reached =
      std::count_if(runs.begin(), runs.end(), [](const one_run& run) { return !std::isnan(run.seconds_to_target); });
  const std::string_view locality =
      how.locality == rung::paused_trial_locality::in_memory_local ? "in_memory_local" : "checkpoint_anywhere";
  std::printf(
      "{\"benchmark\":\"bench_locality\",\"workers\":%zu,\"workers_per_rank\":%zu,\"locality\":\"%.*s\","
      "\"checkpoint_load_seconds\":%g,\"budget_seconds\":%g,\"seeds\":%llu,"
      "\"best_error_mean\":%.5f,\"best_error_sd\":%.5f,\"best_error_min\":%.5f,\"best_error_max\":%.5f,"
      "\"utilization_mean\":%.5f,\"utilization_sd\":%.5f,\"utilization_min\":%.5f,"
      "\"target_error\":%g,\"target_reached\":%lld,\"seconds_to_target_mean\":%s,\"seconds_to_target_sd\":%s,"
      "\"trials_started_mean\":%.1f,\"trials_at_max_mean\":%.1f,\"resumes_mean\":%.1f,"
      "\"paused_seconds_per_resume_mean\":%.2f,\"paused_at_end_mean\":%.1f}\n",
      workers, how.workers_per_rank, static_cast<int>(locality.size()), locality.data(), how.load_seconds, budget,
      static_cast<unsigned long long>(seeds), error.mean, error.sd, error.min, error.max, busy.mean, busy.sd,
      busy.min, target_error, static_cast<long long>(reached), json_number(to_target.mean, 1).c_str(),
      json_number(to_target.sd, 1).c_str(), spread_of(runs, &one_run::trials_started).mean, spread_of(runs, &one_run::trials_at_max).mean,
      spread_of(runs, &one_run::resumes).mean, spread_of(runs, &one_run::paused_seconds_per_resume).mean,
      spread_of(runs, &one_run::paused_at_end).mean);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const long long seeds = argc > 1 ? std::atoll(argv[1]) : 10;
  const double budget = argc > 2 ? std::atof(argv[2]) : 900.0;
  if (seeds < 1 || !(budget > 0)) {
    std::fprintf(stderr, "usage: bench_locality [SEEDS >= 1] [BUDGET simulated seconds > 0]\n");
    return 2;
  }
  using enum rung::paused_trial_locality;
  const locality_case cases[] = {{8, in_memory_local, 0.0},
                                 {8, checkpoint_anywhere, 0.0},
                                 {8, checkpoint_anywhere, 1.0},
                                 {8, checkpoint_anywhere, 5.0},
                                 {1, in_memory_local, 0.0}};
  for (const std::size_t workers : {8, 64, 500}) {
    for (const auto how : cases) print_case(workers, how, static_cast<std::uint64_t>(seeds), budget);
  }
  return 0;
}
