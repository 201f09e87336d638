#include "rung/searchers/detail/gp_acquisition.hpp"
#include "rung/searchers/detail/gp_fit.hpp"
#include "rung/searchers/detail/gp_kernel.hpp"
#include "rung/searchers/detail/gp_regression.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "rung/random.hpp"

namespace {

using rung::detail::gp_hyperparameters;
using rung::detail::gp_points;

gp_points random_points(Eigen::Index n, Eigen::Index dims, rung::random_stream& rng) {
  gp_points points(n, dims);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index d = 0; d < dims; ++d) points(i, d) = rng.uniform01();
  }
  return points;
}

gp_hyperparameters hyperparameters(Eigen::Index dims, double lengthscale, double signal, double noise) {
  return {Eigen::VectorXd::Constant(dims, std::log(lengthscale)), std::log(signal), std::log(noise)};
}

}  // namespace

TEST_CASE("the GP posterior interpolates its observations and is uncertain away from them") {
  gp_points x(4, 1);
  x << 0.1, 0.3, 0.5, 0.7;
  Eigen::VectorXd y(4);
  y << 1.0, -0.5, 0.25, 2.0;
  const auto model = rung::detail::gp_regression::fit(x, y, hyperparameters(1, 0.3, 1.0, 1e-6));
  REQUIRE(model);
  Eigen::VectorXd mean, variance;
  model->predict(x, mean, variance);
  for (Eigen::Index i = 0; i < 4; ++i) {
    CHECK(mean(i) == doctest::Approx(y(i)).epsilon(1e-3));
    CHECK(variance(i) < 1e-4);
  }
  gp_points away(2, 1);
  away << 0.2, 3.0;
  model->predict(away, mean, variance);
  CHECK(variance(0) > 1e-3);          // between two observations
  CHECK(variance(0) < variance(1));   // far from all of them
  CHECK(variance(1) == doctest::Approx(1.0).epsilon(1e-3));
  CHECK(std::abs(mean(1)) < 1e-3);    // the prior mean, far away
}

TEST_CASE("pending points shrink the variance around them and leave the mean alone") {
  rung::random_stream rng(3);
  const gp_points x = random_points(8, 2, rng);
  Eigen::VectorXd y = Eigen::VectorXd::LinSpaced(8, -1.0, 1.0);
  auto model = rung::detail::gp_regression::fit(x, y, hyperparameters(2, 0.4, 1.0, 1e-3));
  REQUIRE(model);
  gp_points pending(1, 2);
  pending << 0.9, 0.05;
  Eigen::VectorXd mean_before, variance_before, mean_after, variance_after;
  model->predict(pending, mean_before, variance_before);
  REQUIRE(model->add_fantasies(pending));
  model->predict(pending, mean_after, variance_after);
  CHECK(mean_after(0) == doctest::Approx(mean_before(0)));
  CHECK(variance_after(0) < 0.01 * variance_before(0));
}

TEST_CASE("the log marginal likelihood's gradient matches finite differences") {
  rung::random_stream rng(11);
  const gp_points x = random_points(12, 3, rng);
  Eigen::VectorXd y(12);
  for (Eigen::Index i = 0; i < 12; ++i) y(i) = std::sin(4.0 * x(i, 0)) + x(i, 1) * x(i, 1) - 0.3 * x(i, 2);
  gp_hyperparameters hp{Eigen::Vector3d(std::log(0.3), std::log(0.8), std::log(2.0)), std::log(1.5), std::log(0.05)};
  const auto at = rung::detail::gp_log_marginal_likelihood(x, y, hp);
  REQUIRE(at);
  const Eigen::VectorXd packed = hp.packed();
  for (Eigen::Index i = 0; i < packed.size(); ++i) {
    constexpr double step = 1e-5;
    Eigen::VectorXd up = packed, down = packed;
    up(i) += step;
    down(i) -= step;
    const auto above = rung::detail::gp_log_marginal_likelihood(x, y, gp_hyperparameters::unpacked(up));
    const auto below = rung::detail::gp_log_marginal_likelihood(x, y, gp_hyperparameters::unpacked(down));
    REQUIRE(above);
    REQUIRE(below);
    CAPTURE(i);
    CHECK(at->gradient(i) == doctest::Approx((above->value - below->value) / (2 * step)).epsilon(1e-5));
  }
  // The fit's objective adds the prior: its gradient too.
  const auto objective = rung::detail::gp_negative_log_posterior(x, y, packed);
  REQUIRE(objective);
  Eigen::VectorXd up = packed;
  up(1) += 1e-5;
  Eigen::VectorXd down = packed;
  down(1) -= 1e-5;
  CHECK(objective->gradient(1) ==
        doctest::Approx((rung::detail::gp_negative_log_posterior(x, y, up)->value -
                         rung::detail::gp_negative_log_posterior(x, y, down)->value) / 2e-5).epsilon(1e-5));
}

TEST_CASE("the fitted length scales find the dimension that matters") {
  rung::random_stream rng(5);
  const gp_points x = random_points(30, 2, rng);
  Eigen::VectorXd y(30);
  for (Eigen::Index i = 0; i < 30; ++i) y(i) = std::sin(6.0 * x(i, 0));  // the second coordinate is noise-free filler
  y = (y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().mean());
  const auto start = rung::detail::default_gp_hyperparameters(2);
  rung::random_stream fit_rng(1);
  const auto fitted = rung::detail::fit_gp_hyperparameters(x, y, start, {}, fit_rng);
  CHECK(fitted.log_lengthscales(1) > fitted.log_lengthscales(0) + 1.0);
  CHECK(rung::detail::gp_log_marginal_likelihood(x, y, fitted)->value >
        rung::detail::gp_log_marginal_likelihood(x, y, start)->value);
}

TEST_CASE("a singular covariance is factored with jitter; one that is not finite is refused") {
  const auto factor = rung::detail::cholesky_with_jitter(Eigen::MatrixXd::Ones(3, 3));  // rank one
  REQUIRE(factor);
  CHECK(factor->jitter > 0);
  const Eigen::MatrixXd product = factor->lower * factor->lower.transpose();
  CHECK((product - Eigen::MatrixXd::Ones(3, 3)).cwiseAbs().maxCoeff() < 1e-6);
  Eigen::MatrixXd poisoned = Eigen::MatrixXd::Identity(2, 2);
  poisoned(0, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_FALSE(rung::detail::cholesky_with_jitter(poisoned));

  // Duplicate observations without noise: exactly singular, still a model.
  gp_points x(3, 1);
  x << 0.5, 0.5, 0.2;
  const Eigen::Vector3d y(1.0, 1.0, 0.0);
  gp_hyperparameters no_noise = hyperparameters(1, 0.3, 1.0, 1.0);
  no_noise.log_noise_variance = -std::numeric_limits<double>::infinity();
  const auto model = rung::detail::gp_regression::fit(x, y, no_noise);
  REQUIRE(model);
  CHECK(model->jitter() > 0);
  Eigen::VectorXd mean, variance;
  model->predict(x, mean, variance);
  CHECK(mean(0) == doctest::Approx(1.0).epsilon(1e-3));
}

TEST_CASE("expected improvement: never negative, larger for a lower mean and for more uncertainty") {
  using rung::detail::expected_improvement;
  CHECK(expected_improvement(0.0, 1.0, 0.0) == doctest::Approx(1.0 / std::sqrt(2.0 * 3.141592653589793)));
  CHECK(expected_improvement(-1.0, 0.0, 0.0) == doctest::Approx(1.0));  // certain: the plain improvement
  CHECK(expected_improvement(1.0, 0.0, 0.0) == 0.0);
  CHECK(expected_improvement(40.0, 1.0, 0.0) >= 0.0);
  CHECK(expected_improvement(-0.5, 0.25, 0.0) > expected_improvement(0.5, 0.25, 0.0));
  CHECK(expected_improvement(0.5, 1.0, 0.0) > expected_improvement(0.5, 0.1, 0.0));
  // Against a Monte Carlo estimate of E[max(best - f, 0)].
  rung::random_stream rng(2);
  double sum = 0;
  constexpr int draws = 200'000;
  for (int i = 0; i < draws; ++i) sum += std::max(0.3 - (0.5 + 0.8 * rung::detail::standard_normal(rng)), 0.0);
  CHECK(expected_improvement(0.5, 0.64, 0.3) == doctest::Approx(sum / draws).epsilon(0.02));
}
