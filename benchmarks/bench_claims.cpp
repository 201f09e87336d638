// The ASHA paper's claims, measured in the simulator on the synthetic
// workload (R = 81, r_min = 1, eta = 3), each as JSON lines that
// scripts/plot_claims.py draws (docs/simulator.md shows the pictures):
//   first_full   a. time to the first fully trained model with ample
//                   workers, ASHA (promotion) against synchronous SH, next to
//                   the theory: sum_i eta^(i-K) time(R) <= eta/(eta-1) time(R)
//                   against (K+1) time(R)
//   utilization  b. busy worker-seconds over available worker-seconds
//   incumbent    c. best error so far over simulated time, the methods,
//                   1, 4, 25 and 100 workers; and the time to error <= 0.10
//   schedule     d. each worker's trials over time, two workers, SH and ASHA
//   equal_epochs    the best error at an equal number of epochs, one worker,
//                   per searcher with fifo and both ASHAs, for
//                   scripts/compare_optuna.py
// Every figure is the median over seeds 1..S, with quartiles for spread.
// Synchronous Hyperband runs twice: as published (idle workers wait) and
// with parallel brackets (idle workers start the next bracket, as Syne Tune).
//
//   searcher_incumbent  the searchers under ASHA with 25 and 100 workers: the
//                   time to error <= 0.095 and the best error over time,
//                   for docs/searchers.md (scripts/plot_searchers.py)
//
//   bench_claims [SEEDS]                 # all claims (default 10 seeds)
//   bench_claims equal_epochs EPOCHS SEEDS [SEARCHER...]
//   bench_claims searcher_incumbent SEEDS WORKERS,... [SEARCHER...]
// A SEARCHER is NAME[:KEY=VALUE,...] (claims_searchers.hpp); random if none.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "claims_searchers.hpp"
#include "claims_support.hpp"

namespace {

using namespace rung::bench::claims;

// a. From one worker to ample ones (81: every trial of SH's first rung at
// once), in units of time(R), the first fully trained trial's own 81 epochs.
void first_full_training(int seeds) {
  for (const bool equal_epochs : {true, false}) {
    for (const std::size_t workers : {1U, 3U, 9U, 27U, 81U}) {
      for (const auto method : {method_kind::asha_promotion, method_kind::synchronous_sh}) {
        std::vector<double> in_time_r;
        for (int seed = 1; seed <= seeds; ++seed) {
          const auto run = simulate_method(method, static_cast<std::uint64_t>(seed), workers,
                                           rung::stop_criterion{.max_num_trials_completed = 1}, equal_epochs);
          in_time_r.push_back(run.statistics.first_full_training / run.first_full_training_time_r);
        }
        const auto summary = summarize(in_time_r);
        std::printf(
            "{\"claim\":\"first_full\",\"workload\":\"%s\",\"method\":\"%s\",\"workers\":%zu,\"seeds\":%d,"
            "\"median_time_r\":%.4f,\"q25\":%.4f,\"q75\":%.4f,\"theory_asha_time_r\":%.4f,"
            "\"theory_sh_time_r\":%.1f}\n",
            equal_epochs ? "1 s epochs" : "synthetic-lc", name(method), workers, seeds, summary.median, summary.q25,
            summary.q75, theory_asha_time_r(), theory_sh_time_r());
      }
    }
  }
}

// b. Over a fixed span of simulated time, so that no method is judged on
// the last trials draining.
void utilization(int seeds) {
  for (const std::size_t workers : {4U, 25U, 100U}) {
    for (const auto method : all_methods) {
      std::vector<double> values;
      for (int seed = 1; seed <= seeds; ++seed) {
        const auto run = simulate_method(method, static_cast<std::uint64_t>(seed), workers,
                                         rung::stop_criterion{.max_wallclock_time = horizon(workers)}, false);
        values.push_back(run.statistics.utilization());
      }
      const auto summary = summarize(values);
      std::printf(
          "{\"claim\":\"utilization\",\"method\":\"%s\",\"workers\":%zu,\"seeds\":%d,\"simulated_seconds\":%.0f,"
          "\"median\":%.5f,\"q25\":%.5f,\"q75\":%.5f,\"min\":%.5f}\n",
          name(method), workers, seeds, horizon(workers), summary.median, summary.q25, summary.q75, summary.min);
    }
  }
}

// c. The incumbent on 120 times spaced evenly in log time, from a
// thousandth of the span to its end, and when error <= 0.10 is first reached.
void incumbent(int seeds) {
  constexpr int points = 120;
  constexpr double target = 0.10;
  for (const std::size_t workers : {1U, 4U, 25U, 100U}) {
    const double span = horizon(workers);
    const auto grid_time = [span](int i) { return span * std::pow(10.0, -3.0 + 3.0 * i / (points - 1)); };
    for (const auto method : all_methods) {
      std::vector<std::vector<double>> curves(points);
      std::vector<double> reach_times;
      for (int seed = 1; seed <= seeds; ++seed) {
        const auto run = simulate_method(method, static_cast<std::uint64_t>(seed), workers,
                                         rung::stop_criterion{.max_wallclock_time = span}, false);
        const auto& trace = run.statistics.incumbent;
        for (int i = 0; i < points; ++i) curves[i].push_back(best_at(trace, grid_time(i)));
        const auto reached = std::find_if(trace.begin(), trace.end(), [](const auto& p) { return p.best <= target; });
        reach_times.push_back(reached == trace.end() ? INFINITY : reached->time);
      }
      std::string times;
      std::string medians;
      std::string lows;
      std::string highs;
      for (int i = 0; i < points; ++i) {
        const auto summary = summarize(curves[i]);
        append_number(times, grid_time(i));
        append_number(medians, summary.median);
        append_number(lows, summary.q25);
        append_number(highs, summary.q75);
      }
      const auto reach = summarize(reach_times);
      const auto reached = std::count_if(reach_times.begin(), reach_times.end(), [](double t) { return std::isfinite(t); });
      std::printf(
          "{\"claim\":\"incumbent\",\"method\":\"%s\",\"workers\":%zu,\"seeds\":%d,\"target\":%.2f,"
          "\"time_to_target_median\":%s,\"time_to_target_q25\":%s,\"time_to_target_q75\":%s,\"seeds_reaching\":%td,"
          "\"final_median\":%.5f,\"time\":[%s],\"median\":[%s],\"q25\":[%s],\"q75\":[%s]}\n",
          name(method), workers, seeds, target, json_number(reach.median).c_str(), json_number(reach.q25).c_str(),
          json_number(reach.q75).c_str(), reached, summarize(curves.back()).median, times.c_str(), medians.c_str(),
          lows.c_str(), highs.c_str());
    }
  }
}

// d. The seeds' picture: two workers, synchronous SH against ASHA, nine
// trials' worth of time.
void schedule() {
  for (const auto method : {method_kind::synchronous_sh, method_kind::asha_promotion}) {
    const auto run = simulate_small_bracket(method, 2);
    for (const auto& span : run.statistics.schedule) {
      std::printf(
          "{\"claim\":\"schedule\",\"method\":\"%s\",\"worker\":%zu,\"trial\":%lld,\"start\":%.4f,\"end\":%.4f,"
          "\"first_epoch\":%lld,\"last_epoch\":%lld}\n",
          name(method), span.worker, static_cast<long long>(span.trial), span.start, span.end,
          static_cast<long long>(span.first_epoch), static_cast<long long>(span.last_epoch));
    }
    std::printf("{\"claim\":\"schedule_summary\",\"method\":\"%s\",\"workers\":2,\"end\":%.4f,\"utilization\":%.5f}\n",
                name(method), run.statistics.end_time, run.statistics.utilization());
  }
}

// One worker, a budget of epochs, each searcher with fifo and both ASHAs:
// what Optuna is compared against (scripts/compare_optuna.py).
void equal_epochs(std::int64_t epochs, int seeds, const std::vector<searcher_spec>& searchers) {
  for (const auto& spec : searchers) {
    for (const auto method : {method_kind::random_search, method_kind::asha_stopping, method_kind::asha_promotion}) {
      for (int seed = 1; seed <= seeds; ++seed) {
        const auto run = with_searcher(spec, static_cast<std::uint64_t>(seed), [&](const auto& searcher) {
          return simulate_searcher_on(searcher, rung::bench::synthetic_lc_benchmark{}, method, static_cast<std::uint64_t>(seed), 1,
                                      rung::stop_criterion{.max_num_evaluations = epochs});
        });
        std::printf(
            "{\"claim\":\"equal_epochs\",\"library\":\"rung\",\"searcher\":\"%s\",\"scheduler\":\"%s\",\"seed\":%d,"
            "\"epochs\":%lld,\"trials\":%lld,\"best_error\":%.6f}\n",
            spec.text.c_str(), scheduler_name(method), seed, static_cast<long long>(run.status.num_evaluations),
            static_cast<long long>(run.status.num_trials_started), run.best_metric);
        std::fflush(stdout);
      }
    }
  }
}

// Many workers, ASHA: when each searcher first reaches error <= 0.095 in
// simulated time, and its median best error over time (on 60 times spaced
// evenly in log time from a thousandth of the span to its end), for
// scripts/plot_searchers.py. Each run spans horizon(workers), as incumbent's.
void searcher_incumbent(int seeds, const std::vector<std::size_t>& worker_counts,
                        const std::vector<searcher_spec>& searchers) {
  constexpr int points = 60;
  constexpr double target = 0.095;
  for (const std::size_t workers : worker_counts) {
    const double span = horizon(workers);
    const auto grid_time = [span](int i) { return span * std::pow(10.0, -3.0 + 3.0 * i / (points - 1)); };
    for (const auto method : {method_kind::asha_stopping, method_kind::asha_promotion}) {
      for (const auto& spec : searchers) {
        std::vector<std::vector<double>> curves(points);
        std::vector<double> reach_times;
        std::vector<double> finals;
        for (int seed = 1; seed <= seeds; ++seed) {
          const auto run = with_searcher(spec, static_cast<std::uint64_t>(seed), [&](const auto& searcher) {
            return simulate_searcher_on(searcher, rung::bench::synthetic_lc_benchmark{}, method, static_cast<std::uint64_t>(seed),
                                        workers, rung::stop_criterion{.max_wallclock_time = span});
          });
          const auto& trace = run.statistics.incumbent;
          for (int i = 0; i < points; ++i) curves[static_cast<std::size_t>(i)].push_back(best_at(trace, grid_time(i)));
          const auto reached =
              std::find_if(trace.begin(), trace.end(), [](const auto& p) { return p.best <= target; });
          reach_times.push_back(reached == trace.end() ? INFINITY : reached->time);
          finals.push_back(run.best_metric);
          std::printf(
              "{\"claim\":\"searcher_time_to_target\",\"searcher\":\"%s\",\"scheduler\":\"%s\",\"workers\":%zu,"
              "\"seed\":%d,\"target\":%.3f,\"time_to_target\":%s,\"trials\":%lld,\"best_error\":%.6f}\n",
              spec.text.c_str(), scheduler_name(method), workers, seed, target, json_number(reach_times.back()).c_str(),
              static_cast<long long>(run.status.num_trials_started), run.best_metric);
          std::fflush(stdout);
        }
        std::string times;
        std::string medians;
        for (int i = 0; i < points; ++i) {
          append_number(times, grid_time(i));
          append_number(medians, summarize(curves[static_cast<std::size_t>(i)]).median);
        }
        const auto reach = summarize(reach_times);
        const auto reaching =
            std::count_if(reach_times.begin(), reach_times.end(), [](double t) { return std::isfinite(t); });
        std::printf(
            "{\"claim\":\"searcher_incumbent\",\"searcher\":\"%s\",\"scheduler\":\"%s\",\"workers\":%zu,"
            "\"seeds\":%d,\"simulated_seconds\":%.0f,\"target\":%.3f,\"time_to_target_median\":%s,"
            "\"time_to_target_q25\":%s,\"time_to_target_q75\":%s,\"seeds_reaching\":%td,\"final_median\":%.6f,"
            "\"time\":[%s],\"median\":[%s]}\n",
            spec.text.c_str(), scheduler_name(method), workers, seeds, span, target, json_number(reach.median).c_str(),
            json_number(reach.q25).c_str(), json_number(reach.q75).c_str(), reaching, summarize(finals).median,
            times.c_str(), medians.c_str());
        std::fflush(stdout);
      }
    }
  }
}

}  // namespace

// The searchers named from argv[first] on; "random" when none is.
std::vector<searcher_spec> searchers_from(int argc, char** argv, int first) {
  std::vector<searcher_spec> specs;
  for (int i = first; i < argc; ++i) specs.push_back(parse_searcher(argv[i]));
  if (specs.empty()) specs.push_back(parse_searcher("random"));
  return specs;
}

// "25,100": worker counts, each at least 1.
std::vector<std::size_t> worker_counts(std::string_view text) {
  std::vector<std::size_t> counts;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string item(text.substr(0, comma));
    const long long count = std::atoll(item.c_str());
    if (count < 1) throw std::invalid_argument("WORKERS: \"" + item + "\" is not a count of at least 1");
    counts.push_back(static_cast<std::size_t>(count));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return counts;
}

constexpr const char* usage =
    "usage: bench_claims [SEEDS >= 1]\n"
    "       bench_claims equal_epochs [EPOCHS >= 1] [SEEDS >= 1] [SEARCHER...]\n"
    "       bench_claims searcher_incumbent [SEEDS >= 1] [WORKERS,...] [SEARCHER...]\n"
    "SEARCHER: random, kde, regularized_evolution or gp, optionally NAME:KEY=VALUE,... (default random)\n";

int main(int argc, char** argv) {
  const std::string_view mode = argc > 1 ? std::string_view(argv[1]) : std::string_view{};
  try {
    if (mode == "equal_epochs") {
      const std::int64_t epochs = argc > 2 ? std::atoll(argv[2]) : 5000;
      const int seeds = argc > 3 ? std::atoi(argv[3]) : 10;
      if (epochs < 1 || seeds < 1) throw std::invalid_argument("EPOCHS and SEEDS must be at least 1");
      equal_epochs(epochs, seeds, searchers_from(argc, argv, 4));
      return 0;
    }
    if (mode == "searcher_incumbent") {
      const int seeds = argc > 2 ? std::atoi(argv[2]) : 10;
      const auto workers = worker_counts(argc > 3 ? argv[3] : "25,100");
      if (seeds < 1) throw std::invalid_argument("SEEDS must be at least 1");
      searcher_incumbent(seeds, workers, searchers_from(argc, argv, 4));
      return 0;
    }
  } catch (const std::invalid_argument& error) {
    std::fprintf(stderr, "bench_claims: %s\n%s", error.what(), usage);
    return 2;
  }
  const int seeds = argc > 1 ? std::atoi(argv[1]) : 10;
  if (seeds < 1) {
    std::fprintf(stderr, "%s", usage);
    return 2;
  }
  first_full_training(seeds);
  utilization(seeds);
  incumbent(seeds);
  schedule();
  return 0;
}
