// Expected improvement for minimisation, and its logarithm: far from the
// incumbent, where a confident model's EI underflows to 0 for every
// candidate, the logarithm still ranks them (else the argmax is arbitrary).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace rung::detail {

inline constexpr double min_predictive_sd = 1e-12;

// E[max(best - f, 0)] for f ~ N(mean, variance): (best - mean) Phi(z) + sd phi(z), z = (best - mean) / sd.
// Never negative; with no variance left, the plain improvement.
[[nodiscard]] inline double expected_improvement(double mean, double variance, double best) {
  const double sd = std::sqrt(std::max(variance, 0.0));
  const double gain = best - mean;
  if (sd < min_predictive_sd) return std::max(gain, 0.0);
  const double z = gain / sd;
  const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
  const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
  return std::max(gain * cdf + sd * pdf, 0.0);
}

// log EI; below z = -5 from EI = sd (z Phi(z) + phi(z)) ~ sd phi(z) / z^2 (1 - 3 / z^2),
// whose relative error there is under 1%. -infinity only when certain and not better.
[[nodiscard]] inline double log_expected_improvement(double mean, double variance, double best) {
  const double sd = std::sqrt(std::max(variance, 0.0));
  const double gain = best - mean;
  if (sd < min_predictive_sd) return gain > 0 ? std::log(gain) : -std::numeric_limits<double>::infinity();
  const double z = gain / sd;
  if (z > -5.0) return std::log(expected_improvement(mean, variance, best));
  return std::log(sd) - 0.5 * z * z - 0.5 * std::log(2.0 * std::numbers::pi) - 2.0 * std::log(-z) +
         std::log1p(-3.0 / (z * z));
}

}  // namespace rung::detail
