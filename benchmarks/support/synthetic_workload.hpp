// The shared synthetic benchmark workload "synthetic-lc", specified bit for
// bit in docs/synthetic_workload.md.
//
// What it is for: every benchmark comparison in the project (rung against
// Optuna and Syne Tune, the simulator, scheduler against scheduler) runs on
// this one deterministic multi-fidelity problem, so that all of them do
// exactly the same work. A trial's "training" is a closed-form learning
// curve error(config, epoch) for epochs 1..81, and each epoch costs
// epoch_seconds(config) of simulated time, which differs by up to 6x across
// the space (the stragglers that make synchronous schedules idle).
// scripts/synthetic_workload.py is its Python twin for the Python peers; both
// give bit-identical doubles.
//
// What it is not: a showcase. Early-epoch error mostly reflects how fast a
// configuration converges (a large learning rate), not how good it ends:
// most of the best configurations look worse than the promotion cut at
// epoch 1. Stopping-type ASHA does not beat plain random search on it at an
// equal budget. It is a stress test of misprediction; recorded real learning
// curves (tabulated benchmarks) are the other half of the evidence.
//
// Bit-exactness: the arithmetic uses only + - * /, exp, log10, log2, pow,
// sin, sqrt, min and max, in the spec's left-to-right order, and squares are
// written x * x (as in the Python twin) so no pow() rounding can differ.
// Code including this header must be compiled with -ffp-contract=off, or the
// compiler may fuse a multiply and an add into one FMA and round differently
// from Python (measured: with -mfma -ffp-contract=fast about a quarter of
// the values differ from Python's in the last bits). rung_warnings()
// (cmake/rungWarnings.cmake) adds that flag to every test and benchmark target.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "rung/decision.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/spaces/config_space.hpp"
#include "rung/spaces/hyperparameters.hpp"

namespace rung::bench::synthetic_lc {

// The space, bounds inclusive: lr loguniform, width an integer, dropout
// uniform, optimizer one of two.
inline constexpr auto space =
    rung::config_space(rung::loguniform<"lr">(1e-4, 1.0), rung::randint<"width">(16, 512),
                       rung::uniform<"dropout">(0.0, 0.8), rung::choice<"optimizer">("sgd", "adam"));
using config = decltype(space)::config_type;

// The scheduler settings every comparison shares: rungs at 1, 3, 9, 27
// epochs, and 81 epochs for a trial that is never stopped.
inline constexpr std::int64_t max_resource = 81;  // R
inline constexpr std::int64_t min_resource = 1;   // r_min
inline constexpr std::int64_t reduction_factor = 3;  // eta
inline constexpr std::string_view metric = "error";
inline constexpr rung::mode metric_mode = rung::mode::min;
inline constexpr std::string_view resource_attr = "epoch";

// The shared settings as ASHA's options.
[[nodiscard]] inline rung::asha_options asha_settings(rung::asha_type type) {
  return {.metric = std::string(metric),
          .mode = metric_mode,
          .resource_attr = std::string(resource_attr),
          .grace_period = min_resource,
          .reduction_factor = static_cast<double>(reduction_factor),
          .max_t = max_resource,
          .type = type};
}

// Validation error after `epoch` epochs (1..max_resource) of a configuration
// given by plain values, for tabulated benchmarks and the Python comparison.
// Throws std::out_of_range for an epoch outside 1..max_resource.
[[nodiscard]] inline double error(double lr, std::int64_t width, double dropout, bool adam,
                                  std::int64_t epoch) {
  if (epoch < min_resource || epoch > max_resource) {
    throw std::out_of_range("synthetic-lc: epoch " + std::to_string(epoch) + " is outside 1.." +
                            std::to_string(max_resource));
  }
  const double log_lr = std::log10(lr);
  const double log_width = std::log2(static_cast<double>(width));
  const double adam_flag = adam ? 1.0 : 0.0;
  const double best_log_lr = adam ? -2.5 : -1.2;
  const double lr_curvature = adam ? 0.08 : 0.12;
  const double best_dropout = 0.1 + 0.1 * (log_width - 4.0);

  // The error the curve levels off at: a bowl around the best learning rate
  // and dropout, plus a penalty for narrow networks.
  const double lr_offset = log_lr - best_log_lr;
  const double dropout_offset = dropout - best_dropout;
  double asymptote = (adam ? 0.05 : 0.07) + lr_curvature * (lr_offset * lr_offset);
  asymptote = asymptote + 0.15 * std::exp(-(log_width - 4.0) / 1.5);
  asymptote = asymptote + 0.25 * (dropout_offset * dropout_offset);
  asymptote = std::min(asymptote, 0.85);

  // How many epochs the curve takes to get halfway down: fast for a large
  // learning rate, whatever its asymptote; this is what misleads early stopping.
  double time_constant = 0.5 * std::pow(10.0, -0.5 * (log_lr + 1.0));
  time_constant = time_constant * (1.0 + 0.1 * (log_width - 4.0));
  time_constant = time_constant * (adam ? 1.0 : 2.0);

  const auto t = static_cast<double>(epoch);
  const double base = asymptote + (0.9 - asymptote) / (1.0 + t / time_constant);
  // Deterministic noise that shrinks like 1/sqrt(t), different for every
  // configuration and epoch.
  double phase = 12.9898 * log_lr + 78.233 * log_width;
  phase = phase + 37.719 * dropout;
  phase = phase + 4.1 * t;
  phase = phase + adam_flag;
  const double wiggle = 0.02 * std::sin(phase) / std::sqrt(t);
  return std::min(1.0, std::max(0.0, base + wiggle));
}

// The same for a typed configuration of `space` (or of any space holding the
// four hyperparameters under these names and types).
template <class Config>
  requires(Config::template has<"lr"> && Config::template has<"width"> &&
           Config::template has<"dropout"> && Config::template has<"optimizer">)
[[nodiscard]] double error(const Config& configuration, std::int64_t epoch) {
  return error(configuration.template get<"lr", double>(), configuration.template get<"width", std::int64_t>(),
               configuration.template get<"dropout", double>(),
               configuration.template get<"optimizer", std::string_view>() == "adam", epoch);
}

// Simulated seconds one epoch takes: wider networks and Adam are slower,
// up to 6x apart across the space. Only width and optimizer matter.
[[nodiscard]] inline double epoch_seconds(std::int64_t width, bool adam) {
  return (0.2 + 0.8 * static_cast<double>(width) / 512.0) * (adam ? 1.3 : 1.0);
}

template <class Config>
  requires(Config::template has<"width"> && Config::template has<"optimizer">)
[[nodiscard]] double epoch_seconds(const Config& configuration) {
  return epoch_seconds(configuration.template get<"width", std::int64_t>(),
                       configuration.template get<"optimizer", std::string_view>() == "adam");
}

}  // namespace rung::bench::synthetic_lc

namespace rung::bench {

// The synthetic workload as a simulator Benchmark (rung/concepts/benchmark.hpp).
struct synthetic_lc_benchmark {
  using space_type = std::remove_const_t<decltype(synthetic_lc::space)>;

  [[nodiscard]] const space_type& space() const noexcept { return synthetic_lc::space; }
  [[nodiscard]] std::string_view metric_name() const noexcept { return synthetic_lc::metric; }
  [[nodiscard]] std::int64_t max_epochs(const synthetic_lc::config& /*config*/) const noexcept {
    return synthetic_lc::max_resource;
  }
  [[nodiscard]] double metric(const synthetic_lc::config& config, std::int64_t epoch) const {
    return synthetic_lc::error(config, epoch);
  }
  [[nodiscard]] double epoch_seconds(const synthetic_lc::config& config, std::int64_t /*epoch*/) const {
    return synthetic_lc::epoch_seconds(config);
  }
};

}  // namespace rung::bench
