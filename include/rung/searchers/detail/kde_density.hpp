// A product-kernel density over model coordinates (model_coordinates.hpp),
// as BOHB fits one on the good and one on the bad observations. Numeric
// dimensions: Gaussian kernels with Scott's rule (statsmodels'
// normal_reference, 1.06 sd n^(-1/(4+d))), floored at the dimension's
// minimum bandwidth and at Optuna's 1 / min(100, n + 1). Categorical dimensions: the Aitchison-Aitken kernel
// (1 - lambda on the datum's category, lambda / (c - 1) on each other),
// lambda by the same rule with the Gini spread sqrt(1 - sum p_k^2) in place
// of the standard deviation, so that it does not depend on how the
// categories are numbered, and at most (c - 1) / c (uniform).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <span>
#include <utility>
#include <vector>

#include "rung/random.hpp"
#include "rung/searchers/detail/model_coordinates.hpp"

namespace rung::detail {

// Box-Muller from the stream's own uniforms, so that draws reproduce everywhere.
inline double standard_normal(random_stream& rng) {
  const double radius = std::sqrt(-2.0 * std::log(1.0 - rng.uniform01()));  // 1 - u: never log(0)
  return radius * std::cos(2.0 * std::numbers::pi * rng.uniform01());
}

class kde_density {
 public:
  // `points`: one row of dims.size() model coordinates per observation.
  // Held column by column, so that scoring a point runs down contiguous
  // columns (the compiler vectorises it).
  kde_density(std::span<const model_dimension> dims, std::span<const double> points)
      : dims_(dims.begin(), dims.end()),
        size_(points.size() / dims.size()),
        columns_(dims.size(), std::vector<double>(size_)),
        bandwidth_(dims.size()),
        inverse_bandwidth_(dims.size()),
        match_(dims.size()),
        mismatch_(dims.size()) {
    const std::size_t d = dims_.size();
    for (std::size_t i = 0; i < size_; ++i) {
      for (std::size_t j = 0; j < d; ++j) columns_[j][i] = points[i * d + j];
    }
    const double scott = 1.06 * std::pow(static_cast<double>(size_), -1.0 / (4.0 + static_cast<double>(d)));
    // Optuna's clip: no kernel narrower than 1 / min(100, n + 1) of the cube, so
    // that a cluster of near-equal points cannot shrink the search to nothing.
    const double clip = 1.0 / std::min(100.0, static_cast<double>(size_) + 1.0);
    log_normaliser_ = -std::log(static_cast<double>(size_));
    for (std::size_t j = 0; j < d; ++j) {
      const auto& dim = dims_[j];
      if (dim.categories == 0) {
        const double h = std::max({dim.min_bandwidth, clip, scott * standard_deviation(columns_[j])});
        bandwidth_[j] = h;
        inverse_bandwidth_[j] = 1.0 / h;
        log_normaliser_ -= std::log(h) + 0.5 * std::log(2.0 * std::numbers::pi);
      } else {
        const double c = static_cast<double>(dim.categories);
        const double lambda = std::clamp(scott * gini_spread(columns_[j], dim.categories), dim.min_bandwidth,
                                         (c - 1.0) / c);
        bandwidth_[j] = lambda;
        match_[j] = std::log(1.0 - lambda);
        mismatch_[j] = std::log(lambda / (c - 1.0));
      }
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  // log of the mean kernel over the observations at model point x; terms
  // below e^-40 of the largest are left out (they cannot move a double sum).
  [[nodiscard]] double log_density(const double* x, std::vector<double>& scratch) const {
    scratch.assign(size_, 0.0);
    double* log_kernel = scratch.data();
    for (std::size_t j = 0; j < dims_.size(); ++j) {
      const double* column = columns_[j].data();
      if (dims_[j].categories == 0) {
        const double at = x[j];
        const double inverse = inverse_bandwidth_[j];
        for (std::size_t i = 0; i < size_; ++i) {
          const double z = (at - column[i]) * inverse;
          log_kernel[i] -= 0.5 * z * z;
        }
      } else {
        const double at = x[j];
        const double match = match_[j];
        const double mismatch = mismatch_[j];
        for (std::size_t i = 0; i < size_; ++i) log_kernel[i] += column[i] == at ? match : mismatch;
      }
    }
    const double largest = *std::max_element(log_kernel, log_kernel + size_);
    double sum = 0;
    for (std::size_t i = 0; i < size_; ++i) {
      const double relative = log_kernel[i] - largest;
      if (relative > -40.0) sum += std::exp(relative);
    }
    return log_normaliser_ + largest + std::log(sum);
  }

  // A draw from the kernel around observation `datum`, numeric widths times
  // `widen` (BOHB's bandwidth_factor) and truncated to [0, 1]; a categorical
  // dimension keeps the datum's category with probability 1 - lambda.
  void sample_near(std::size_t datum, double widen, random_stream& rng, double* out) const {
    for (std::size_t j = 0; j < dims_.size(); ++j) {
      const double at = columns_[j][datum];
      if (dims_[j].categories == 0) {
        out[j] = truncated_normal(at, bandwidth_[j] * widen, rng);
      } else {
        out[j] = rng.uniform01() < 1.0 - bandwidth_[j] ? at : static_cast<double>(rng.index(dims_[j].categories));
      }
    }
  }

 private:
  static constexpr int max_truncation_draws = 64;

  static double truncated_normal(double mean, double sd, random_stream& rng) {
    for (int draw = 0; draw < max_truncation_draws; ++draw) {
      const double value = mean + sd * standard_normal(rng);
      if (value >= 0.0 && value <= 1.0) return value;
    }
    return std::clamp(mean, 0.0, 1.0);  // a width far beyond the cube: stay at the datum
  }

  static double standard_deviation(const std::vector<double>& column) {
    if (column.size() < 2) return 0;
    double mean = 0;
    for (const double value : column) mean += value;
    mean /= static_cast<double>(column.size());
    double squares = 0;
    for (const double value : column) squares += (value - mean) * (value - mean);
    return std::sqrt(squares / static_cast<double>(column.size() - 1));
  }

  static double gini_spread(const std::vector<double>& column, std::size_t categories) {
    std::vector<double> counts(categories, 0.0);
    for (const double category : column) counts[static_cast<std::size_t>(category)] += 1.0;
    double concentration = 0;
    for (const double count : counts) {
      const double share = count / static_cast<double>(column.size());
      concentration += share * share;
    }
    return std::sqrt(std::max(0.0, 1.0 - concentration));
  }

  std::vector<model_dimension> dims_;
  std::size_t size_;
  std::vector<std::vector<double>> columns_;  // columns_[j][i]: observation i's coordinate j
  std::vector<double> bandwidth_;             // numeric: h; categorical: lambda
  std::vector<double> inverse_bandwidth_;
  std::vector<double> match_, mismatch_;      // categorical log kernels
  double log_normaliser_ = 0;
};

}  // namespace rung::detail
