// The Gaussian process's covariance: a Matern 5/2 kernel with one length
// scale per input dimension (ARD), a signal variance, and observation noise.
// The hyperparameters live as logarithms, so an optimiser may move them
// freely and they stay positive. Loops run over raw row-major storage: the
// Gram matrix's pairs are the hot path, also in unoptimised test builds.
#pragma once

#include <cmath>
#include <cstddef>

#include <Eigen/Core>

namespace rung::detail {

// One point per row.
using gp_points = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct gp_hyperparameters {
  Eigen::VectorXd log_lengthscales;
  double log_signal_variance = 0.0;
  double log_noise_variance = 0.0;

  [[nodiscard]] std::size_t dimensions() const noexcept { return static_cast<std::size_t>(log_lengthscales.size()); }
  [[nodiscard]] double signal_variance() const { return std::exp(log_signal_variance); }
  [[nodiscard]] double noise_variance() const { return std::exp(log_noise_variance); }

  // The optimiser's view: the length scales, then the signal and noise variances.
  [[nodiscard]] Eigen::VectorXd packed() const {
    Eigen::VectorXd all(log_lengthscales.size() + 2);
    all << log_lengthscales, log_signal_variance, log_noise_variance;
    return all;
  }
  [[nodiscard]] static gp_hyperparameters unpacked(const Eigen::VectorXd& all) {
    const Eigen::Index dims = all.size() - 2;
    return {all.head(dims), all(dims), all(dims + 1)};
  }
};

inline constexpr double sqrt5 = 2.23606797749978969640917366873;

// k(r) for the scaled distance r, without the signal variance.
[[nodiscard]] inline double matern52_unit(double r) {
  return (1.0 + sqrt5 * r + 5.0 / 3.0 * r * r) * std::exp(-sqrt5 * r);
}

// The factor g(r) with dk/d(log l_d) = s^2 g(r) (delta_d / l_d)^2: finite at r = 0.
[[nodiscard]] inline double matern52_lengthscale_factor(double r) {
  return 5.0 / 3.0 * (1.0 + sqrt5 * r) * std::exp(-sqrt5 * r);
}

// Points divided by their length scales, so that distances need no division.
[[nodiscard]] inline gp_points scaled_points(const gp_points& points, const gp_hyperparameters& hp) {
  const Eigen::RowVectorXd inverse = (-hp.log_lengthscales.array()).exp().matrix().transpose();
  return points.array().rowwise() * inverse.array();
}

[[nodiscard]] inline double scaled_distance(const double* a, const double* b, Eigen::Index dims) {
  double squared = 0.0;
  for (Eigen::Index d = 0; d < dims; ++d) {
    const double delta = a[d] - b[d];
    squared += delta * delta;
  }
  return std::sqrt(squared);
}

// K(a, b) without noise: rows of `a` against rows of `b`, both scaled.
[[nodiscard]] inline Eigen::MatrixXd matern52_cross(const gp_points& a, const gp_points& b, double signal_variance) {
  Eigen::MatrixXd cross(a.rows(), b.rows());
  const Eigen::Index dims = a.cols();
  for (Eigen::Index j = 0; j < b.rows(); ++j) {
    const double* bj = b.data() + j * dims;
    double* column = cross.data() + j * a.rows();
    for (Eigen::Index i = 0; i < a.rows(); ++i) {
      column[i] = signal_variance * matern52_unit(scaled_distance(a.data() + i * dims, bj, dims));
    }
  }
  return cross;
}

// K(x, x) without noise, of scaled points: each pair computed once.
[[nodiscard]] inline Eigen::MatrixXd matern52_gram(const gp_points& x, double signal_variance) {
  const Eigen::Index n = x.rows();
  const Eigen::Index dims = x.cols();
  Eigen::MatrixXd gram(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    gram(j, j) = signal_variance;
    for (Eigen::Index i = j + 1; i < n; ++i) {
      const double value = signal_variance * matern52_unit(scaled_distance(x.data() + i * dims, x.data() + j * dims, dims));
      gram(i, j) = value;
      gram(j, i) = value;
    }
  }
  return gram;
}

}  // namespace rung::detail
