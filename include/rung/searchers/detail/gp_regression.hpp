// Gaussian-process regression on normalised targets: the Cholesky factor of
// K + noise (with growing jitter when it is not numerically positive
// definite), the posterior at new points, pending points as fantasies, and
// the log marginal likelihood with its gradient in the log hyperparameters.
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <utility>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "rung/searchers/detail/gp_kernel.hpp"

namespace rung::detail {

struct gp_cholesky {
  Eigen::MatrixXd lower;
  double jitter = 0.0;  // added to the diagonal to make the factor exist
};

// Relative to the mean diagonal: no jitter first, then 1e-9 growing tenfold
// to 1e-3. A matrix that is not finite, or needs more, has no factor.
[[nodiscard]] inline std::optional<gp_cholesky> cholesky_with_jitter(const Eigen::MatrixXd& matrix) {
  if (matrix.rows() == 0) return gp_cholesky{};
  if (!matrix.allFinite()) return std::nullopt;
  const double scale = matrix.diagonal().cwiseAbs().mean();
  double jitter = 0.0;
  for (int attempt = 0; attempt <= 7; ++attempt) {
    Eigen::MatrixXd shifted = matrix;
    shifted.diagonal().array() += jitter;
    Eigen::LLT<Eigen::MatrixXd> factor(shifted);
    if (factor.info() == Eigen::Success && factor.matrixLLT().diagonal().allFinite()) {
      return gp_cholesky{factor.matrixL(), jitter};
    }
    jitter = attempt == 0 ? 1e-9 * scale : jitter * 10.0;
  }
  return std::nullopt;
}

// The posterior given observations (x, y), and optionally pending points
// believed at their posterior mean (kriging believer): they leave the mean
// where it is and shrink the variance around them, so that asynchronous
// suggestions spread out instead of piling onto one spot.
class gp_regression {
 public:
  // nullopt when no factor exists even with jitter.
  [[nodiscard]] static std::optional<gp_regression> fit(const gp_points& x, const Eigen::VectorXd& y,
                                                        const gp_hyperparameters& hp) {
    gp_regression model;
    model.hp_ = hp;
    model.signal_variance_ = hp.signal_variance();
    model.points_ = scaled_points(x, hp);
    Eigen::MatrixXd gram = matern52_gram(model.points_, model.signal_variance_);
    gram.diagonal().array() += hp.noise_variance();
    auto factor = cholesky_with_jitter(gram);
    if (!factor) return std::nullopt;
    model.alpha_ = factor->lower.triangularView<Eigen::Lower>().solve(y);
    factor->lower.triangularView<Eigen::Lower>().transpose().solveInPlace(model.alpha_);
    if (!model.alpha_.allFinite()) return std::nullopt;
    model.jitter_ = factor->jitter;
    model.lower_ = std::move(factor->lower);
    model.observed_ = x.rows();
    return model;
  }

  // Extends the factor by the pending points (a block Cholesky update, n^2
  // per point); false, the model unchanged, when the extension fails.
  bool add_fantasies(const gp_points& pending) {
    if (pending.rows() == 0) return true;
    const gp_points scaled = scaled_points(pending, hp_);
    const Eigen::Index n = points_.rows();
    const Eigen::Index p = scaled.rows();
    const Eigen::MatrixXd below =
        lower_.triangularView<Eigen::Lower>().solve(matern52_cross(points_, scaled, signal_variance_));
    Eigen::MatrixXd schur = matern52_gram(scaled, signal_variance_) - below.transpose() * below;
    schur.diagonal().array() += hp_.noise_variance();
    const auto corner = cholesky_with_jitter(schur);
    if (!corner) return false;
    Eigen::MatrixXd extended = Eigen::MatrixXd::Zero(n + p, n + p);
    extended.topLeftCorner(n, n) = lower_;
    extended.bottomLeftCorner(p, n) = below.transpose();
    extended.bottomRightCorner(p, p) = corner->lower;
    lower_ = std::move(extended);
    gp_points all(n + p, points_.cols());
    all << points_, scaled;
    points_ = std::move(all);
    jitter_ = std::max(jitter_, corner->jitter);
    return true;
  }

  // The latent function's posterior mean and variance at each row of `at`.
  void predict(const gp_points& at, Eigen::VectorXd& mean, Eigen::VectorXd& variance) const {
    const Eigen::MatrixXd cross = matern52_cross(points_, scaled_points(at, hp_), signal_variance_);
    mean = cross.topRows(observed_).transpose() * alpha_;
    const Eigen::MatrixXd solved = lower_.triangularView<Eigen::Lower>().solve(cross);
    variance = (signal_variance_ - solved.colwise().squaredNorm().array()).max(0.0).matrix().transpose();
  }

  [[nodiscard]] double jitter() const noexcept { return jitter_; }

 private:
  gp_regression() = default;

  gp_hyperparameters hp_;
  double signal_variance_ = 1.0;
  gp_points points_;         // scaled; observed first, then fantasies
  Eigen::MatrixXd lower_;    // the Cholesky factor over points_
  Eigen::VectorXd alpha_;    // K^-1 y over the observed points
  Eigen::Index observed_ = 0;
  double jitter_ = 0.0;
};

// K^-1 from K's Cholesky factor L (column-major, lower): M = L^-1 column
// by column, then K^-1 = M'M, both as axpys over contiguous columns (they
// vectorise). Two thirds of the work of solving K X = I, and plain loops
// stay fast unoptimised, where Eigen's blocked kernels crawl.
[[nodiscard]] inline Eigen::MatrixXd inverse_from_cholesky(const Eigen::MatrixXd& lower) {
  const Eigen::Index n = lower.rows();
  Eigen::MatrixXd inverse_lower = Eigen::MatrixXd::Zero(n, n);
  const double* l = lower.data();
  for (Eigen::Index j = 0; j < n; ++j) {
    double* x = inverse_lower.data() + j * n;
    x[j] = 1.0;
    for (Eigen::Index k = j; k < n; ++k) {
      x[k] /= l[k + k * n];
      const double xk = x[k];
      const double* column = l + k * n;
      for (Eigen::Index i = k + 1; i < n; ++i) x[i] -= xk * column[i];
    }
  }
  // Column b of M'M is the sum over k >= b of M(k, b) times row k of M,
  // which is zero beyond k: axpys over the rows, held as columns of M'.
  const Eigen::MatrixXd rows = inverse_lower.transpose();
  Eigen::MatrixXd inverse = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index b = 0; b < n; ++b) {
    double* column = inverse.data() + b * n;
    for (Eigen::Index k = b; k < n; ++k) {
      const double weight = rows(b, k);
      const double* row = rows.data() + k * n;
      for (Eigen::Index a = 0; a <= k; ++a) column[a] += weight * row[a];
    }
  }
  return inverse;
}

struct gp_likelihood {
  double value = 0.0;
  Eigen::VectorXd gradient;  // in packed() order
};

// log p(y | x, hp) = -y'K^-1 y / 2 - log|K| / 2 - n log(2 pi) / 2 and its
// gradient tr((a a' - K^-1) dK) / 2, with a = K^-1 y; nullopt when K has no
// factor (the optimiser then treats the point as infinitely bad).
[[nodiscard]] inline std::optional<gp_likelihood> gp_log_marginal_likelihood(const gp_points& x,
                                                                             const Eigen::VectorXd& y,
                                                                             const gp_hyperparameters& hp) {
  const Eigen::Index n = x.rows();
  const Eigen::Index dims = x.cols();
  const double signal_variance = hp.signal_variance();
  const double noise_variance = hp.noise_variance();
  const gp_points scaled = scaled_points(x, hp);
  Eigen::MatrixXd gram = matern52_gram(scaled, signal_variance);
  Eigen::MatrixXd covariance = gram;
  covariance.diagonal().array() += noise_variance;
  const Eigen::LLT<Eigen::MatrixXd> factor(covariance);
  if (factor.info() != Eigen::Success || !factor.matrixLLT().diagonal().allFinite()) return std::nullopt;
  const Eigen::VectorXd alpha = factor.solve(y);
  gp_likelihood result;
  result.value = -0.5 * y.dot(alpha) - factor.matrixLLT().diagonal().array().log().sum() -
                 0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
  if (!std::isfinite(result.value)) return std::nullopt;

  // weights = (a a' - K^-1) / 2, symmetric.
  const Eigen::MatrixXd weights =
      0.5 * (alpha * alpha.transpose() - inverse_from_cholesky(factor.matrixLLT().triangularView<Eigen::Lower>()));
  result.gradient = Eigen::VectorXd::Zero(dims + 2);
  double* lengthscale_gradient = result.gradient.data();
  for (Eigen::Index j = 0; j < n; ++j) {
    const double* xj = scaled.data() + j * dims;
    for (Eigen::Index i = j + 1; i < n; ++i) {
      const double* xi = scaled.data() + i * dims;
      // Both (i, j) and (j, i): twice the weight.
      const double factor_ij = 2.0 * weights(i, j) * signal_variance *
                               matern52_lengthscale_factor(scaled_distance(xi, xj, dims));
      for (Eigen::Index d = 0; d < dims; ++d) {
        const double delta = xi[d] - xj[d];
        lengthscale_gradient[d] += factor_ij * delta * delta;
      }
    }
  }
  result.gradient(dims) = weights.cwiseProduct(gram).sum();
  result.gradient(dims + 1) = noise_variance * weights.trace();
  return result;
}

}  // namespace rung::detail
