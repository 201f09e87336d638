// What bench_claims runs: the six methods of the ASHA paper's comparison on
// the synthetic workload in the simulator, and the statistics it prints.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "rung/drivers/simulator.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/schedulers/synchronous_hyperband.hpp"
#include "rung/searchers/random_search.hpp"
#include "synthetic_workload.hpp"

namespace rung::bench::claims {

namespace lc = synthetic_lc;

enum class method_kind {
  random_search,
  synchronous_sh,
  synchronous_hyperband,
  synchronous_hyperband_parallel,  // idle workers start the next bracket, as Syne Tune's
  asha_stopping,
  asha_promotion,
  async_hyperband
};
inline constexpr std::array all_methods = {
    method_kind::random_search,  method_kind::synchronous_sh, method_kind::synchronous_hyperband,
    method_kind::synchronous_hyperband_parallel, method_kind::asha_stopping, method_kind::asha_promotion,
    method_kind::async_hyperband};

inline const char* name(method_kind method) {
  switch (method) {
    case method_kind::random_search: return "random_search";
    case method_kind::synchronous_sh: return "synchronous_sh";
    case method_kind::synchronous_hyperband: return "synchronous_hyperband";
    case method_kind::synchronous_hyperband_parallel: return "synchronous_hyperband_parallel";
    case method_kind::asha_stopping: return "asha_stopping";
    case method_kind::asha_promotion: return "asha_promotion";
    case method_kind::async_hyperband: return "async_hyperband";
  }
  return "?";
}

// The synthetic curves with every epoch taking 1 s: the setting of the
// paper's theory, where time(R) is the same for every configuration.
struct equal_epochs_benchmark : synthetic_lc_benchmark {
  [[nodiscard]] double epoch_seconds(const lc::config& /*config*/, std::int64_t /*epoch*/) const { return 1.0; }
};

// Simulated seconds each worker count runs for: the same worker-seconds
// for every count, so linear scaling shows as equal curves in time * workers.
inline double horizon(std::size_t workers) { return 60000.0 / static_cast<double>(workers); }

inline constexpr double eta = static_cast<double>(lc::reduction_factor);
inline constexpr int rungs_below_top = 4;  // K: rungs 1, 3, 9, 27 below R = 81

// sum_{i=0..K} eta^(i-K): ASHA's first full training in units of time(R).
inline double theory_asha_time_r() {
  double total = 0.0;
  for (int i = 0; i <= rungs_below_top; ++i) total += std::pow(eta, i - rungs_below_top);
  return total;
}
inline double theory_sh_time_r() { return rungs_below_top + 1.0; }

struct claims_run {
  simulation_statistics statistics;
  tuning_status status;
  double best_metric = 0.0;
  double first_full_training_time_r = std::numeric_limits<double>::quiet_NaN();  // time(R) of that trial
};

template <class Scheduler, class Benchmark>
claims_run run_scheduler(Scheduler scheduler, const Benchmark& benchmark, std::size_t workers,
                         any_stop_criterion stop, bool schedule = false) {
  auto result = simulate(scheduler, benchmark,
                         {.n_workers = workers, .stop_criterion = std::move(stop), .record_schedule = schedule});
  claims_run run{std::move(result.statistics), result.status, result.best_metric};
  if (const auto first = run.statistics.first_full_trial) {
    const auto& config = result.trials[static_cast<std::size_t>(*first)].config;
    run.first_full_training_time_r = 0.0;
    for (std::int64_t epoch = 1; epoch <= lc::max_resource; ++epoch) {
      run.first_full_training_time_r += benchmark.epoch_seconds(config, epoch);
    }
  }
  return run;
}

// `method` with `searcher` (random search in the ASHA paper's comparison);
// random_search is fifo.
template <class Searcher, class Benchmark>
claims_run simulate_searcher_on(const Searcher& searcher, const Benchmark& benchmark, method_kind method,
                                std::uint64_t seed, std::size_t workers, any_stop_criterion stop,
                                std::int64_t max_t = lc::max_resource, bool schedule = false,
                                std::int64_t iterations = 0) {
  const std::string metric(lc::metric);
  const auto asha_with = [&](asha_type type, std::int64_t brackets) {
    auto options = lc::asha_settings(type);
    options.max_t = max_t;
    options.brackets = brackets;
    options.seed = seed;
    return asha(searcher, std::move(options));
  };
  const auto synchronous_with = [&](std::optional<std::int64_t> brackets, bool parallel = false) {
    return rung::synchronous_hyperband(searcher, {.metric = metric, .max_t = max_t, .brackets = brackets,
                                                  .iterations = iterations, .parallel_brackets = parallel});
  };
  switch (method) {
    case method_kind::random_search:
      return run_scheduler(fifo_scheduler(searcher, {.metric = metric, .max_t = static_cast<double>(max_t)}),
                           benchmark, workers, std::move(stop), schedule);
    case method_kind::synchronous_sh:
      return run_scheduler(synchronous_with(1), benchmark, workers, std::move(stop), schedule);
    case method_kind::synchronous_hyperband:
      return run_scheduler(synchronous_with(std::nullopt), benchmark, workers, std::move(stop), schedule);
    case method_kind::synchronous_hyperband_parallel:
      return run_scheduler(synchronous_with(std::nullopt, true), benchmark, workers, std::move(stop), schedule);
    case method_kind::asha_stopping:
      return run_scheduler(asha_with(asha_type::stopping, 1), benchmark, workers, std::move(stop), schedule);
    case method_kind::asha_promotion:
      return run_scheduler(asha_with(asha_type::promotion, 1), benchmark, workers, std::move(stop), schedule);
    case method_kind::async_hyperband:
      return run_scheduler(asha_with(asha_type::promotion, rungs_below_top + 1), benchmark, workers,
                           std::move(stop), schedule);
  }
  throw std::logic_error("unknown method");
}

template <class Benchmark>
claims_run simulate_on(const Benchmark& benchmark, method_kind method, std::uint64_t seed, std::size_t workers,
                       any_stop_criterion stop, std::int64_t max_t = lc::max_resource, bool schedule = false,
                       std::int64_t iterations = 0) {
  return simulate_searcher_on(random_searcher(lc::space, {.seed = seed}), benchmark, method, seed, workers,
                              std::move(stop), max_t, schedule, iterations);
}

inline claims_run simulate_method(method_kind method, std::uint64_t seed, std::size_t workers,
                                  any_stop_criterion stop, bool equal_epochs) {
  if (equal_epochs) return simulate_on(equal_epochs_benchmark{}, method, seed, workers, std::move(stop));
  return simulate_on(synthetic_lc_benchmark{}, method, seed, workers, std::move(stop));
}

// The seeds' scheduling picture: R = 9 (rungs 1, 3, 9), one pass of
// synchronous SH over 9 trials; ASHA for as long as SH took.
inline claims_run simulate_small_bracket(method_kind method, std::size_t workers) {
  constexpr std::int64_t small_r = 9;
  constexpr std::uint64_t seed = 2;
  const auto sh = simulate_on(synthetic_lc_benchmark{}, method_kind::synchronous_sh, seed, workers,
                              stop_criterion{.max_num_trials_started = 9}, small_r, true, 1);
  if (method == method_kind::synchronous_sh) return sh;
  return simulate_on(synthetic_lc_benchmark{}, method, seed, workers,
                     stop_criterion{.max_wallclock_time = sh.statistics.end_time}, small_r, true);
}

// The best metric at `time` (NaN before the first report).
inline double best_at(const std::vector<incumbent_point>& trace, double time) {
  const auto after = std::upper_bound(trace.begin(), trace.end(), time,
                                      [](double t, const incumbent_point& point) { return t < point.time; });
  return after == trace.begin() ? std::numeric_limits<double>::quiet_NaN() : std::prev(after)->best;
}

struct summary {
  double median = 0.0;
  double q25 = 0.0;
  double q75 = 0.0;
  double min = 0.0;
};

// Quantiles as numpy's default (linear) computes them; NaN sorts last.
inline summary summarize(std::vector<double> values) {
  std::sort(values.begin(), values.end(), [](double a, double b) { return std::isnan(b) ? !std::isnan(a) : a < b; });
  const auto quantile = [&](double q) {
    const double position = q * static_cast<double>(values.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const auto above = std::min(below + 1, values.size() - 1);
    const double fraction = position - static_cast<double>(below);
    if (fraction == 0.0) return values[below];
    return values[below] + (values[above] - values[below]) * fraction;
  };
  return {quantile(0.5), quantile(0.25), quantile(0.75), values.front()};
}

// JSON has no NaN or infinity: null stands for "never" / "not yet".
inline std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

inline void append_number(std::string& list, double value) {
  if (!list.empty()) list += ',';
  list += json_number(value);
}

}  // namespace rung::bench::claims
