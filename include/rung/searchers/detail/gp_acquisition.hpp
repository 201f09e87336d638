// Expected improvement for minimisation.
#pragma once

#include <algorithm>
#include <cmath>
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

}  // namespace rung::detail
