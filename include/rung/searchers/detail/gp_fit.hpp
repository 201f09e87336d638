// Fitting the GP's hyperparameters: maximise the log marginal likelihood
// plus a weak Gaussian prior on each log hyperparameter (it keeps the optimum
// finite when the data cannot pin a length scale down, e.g. a dimension that
// does not matter, or duplicates), by projected L-BFGS inside fixed bounds,
// from the previous fit and from seeded random starts.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "rung/random.hpp"
#include "rung/searchers/detail/gp_kernel.hpp"
#include "rung/searchers/detail/gp_regression.hpp"

namespace rung::detail {

// Bounds and prior centres (log scale) for points in the unit cube and
// standardised targets. Noise at least 1e-6 keeps K well conditioned.
struct gp_hyperparameter_bounds {
  static constexpr double min_lengthscale = 1e-2, max_lengthscale = 1e2, prior_lengthscale = 0.5;
  static constexpr double min_signal = 1e-2, max_signal = 1e2, prior_signal = 1.0;
  static constexpr double min_noise = 1e-6, max_noise = 1.0, prior_noise = 1e-2;
  static constexpr double prior_sd_lengthscale = 2.0, prior_sd_signal = 1.5, prior_sd_noise = 2.5;
};

[[nodiscard]] inline gp_hyperparameters default_gp_hyperparameters(std::size_t dims) {
  using bounds = gp_hyperparameter_bounds;
  return {Eigen::VectorXd::Constant(static_cast<Eigen::Index>(dims), std::log(bounds::prior_lengthscale)),
          std::log(bounds::prior_signal), std::log(bounds::prior_noise)};
}

struct gp_objective_value {
  double value = 0.0;
  Eigen::VectorXd gradient;
};

// -(log marginal likelihood + log prior) in packed() coordinates.
[[nodiscard]] inline std::optional<gp_objective_value> gp_negative_log_posterior(const gp_points& x,
                                                                                const Eigen::VectorXd& y,
                                                                                const Eigen::VectorXd& packed) {
  using bounds = gp_hyperparameter_bounds;
  const auto likelihood = gp_log_marginal_likelihood(x, y, gp_hyperparameters::unpacked(packed));
  if (!likelihood) return std::nullopt;
  gp_objective_value result{-likelihood->value, -likelihood->gradient};
  const Eigen::Index dims = packed.size() - 2;
  const auto add_prior = [&](Eigen::Index i, double centre, double sd) {
    const double z = (packed(i) - std::log(centre)) / sd;
    result.value += 0.5 * z * z;
    result.gradient(i) += z / sd;
  };
  for (Eigen::Index d = 0; d < dims; ++d) add_prior(d, bounds::prior_lengthscale, bounds::prior_sd_lengthscale);
  add_prior(dims, bounds::prior_signal, bounds::prior_sd_signal);
  add_prior(dims + 1, bounds::prior_noise, bounds::prior_sd_noise);
  return result;
}

struct gp_box {
  Eigen::VectorXd lower, upper;
  [[nodiscard]] Eigen::VectorXd project(const Eigen::VectorXd& point) const {
    return point.cwiseMax(lower).cwiseMin(upper);
  }
};

[[nodiscard]] inline gp_box gp_hyperparameter_box(std::size_t dims) {
  using bounds = gp_hyperparameter_bounds;
  const auto n = static_cast<Eigen::Index>(dims);
  gp_box box{Eigen::VectorXd(n + 2), Eigen::VectorXd(n + 2)};
  box.lower << Eigen::VectorXd::Constant(n, std::log(bounds::min_lengthscale)), std::log(bounds::min_signal),
      std::log(bounds::min_noise);
  box.upper << Eigen::VectorXd::Constant(n, std::log(bounds::max_lengthscale)), std::log(bounds::max_signal),
      std::log(bounds::max_noise);
  return box;
}

// Minimises `objective` (returning optional<gp_objective_value>) from `start`
// by L-BFGS with the last few steps, each step projected into the box and
// backtracked until it decreases enough (Armijo). Returns the best point and
// its value (infinity when not even the start could be evaluated).
template <class Objective>
std::pair<Eigen::VectorXd, double> minimise_lbfgs(Objective&& objective, Eigen::VectorXd start, const gp_box& box,
                                                  int max_iterations) {
  constexpr std::size_t memory = 6;
  Eigen::VectorXd x = box.project(start);
  auto current = objective(x);
  if (!current) return {x, std::numeric_limits<double>::infinity()};
  std::deque<std::pair<Eigen::VectorXd, Eigen::VectorXd>> history;  // (step, gradient change)
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    // Two-loop recursion: direction = -H gradient.
    Eigen::VectorXd direction = -current->gradient;
    std::vector<double> rho_alpha(history.size());
    for (std::size_t k = history.size(); k-- > 0;) {
      const auto& [s, y] = history[k];
      rho_alpha[k] = s.dot(direction) / y.dot(s);
      direction -= rho_alpha[k] * y;
    }
    if (!history.empty()) direction *= history.back().first.dot(history.back().second) /
                                       history.back().second.squaredNorm();
    for (std::size_t k = 0; k < history.size(); ++k) {
      const auto& [s, y] = history[k];
      direction += s * (rho_alpha[k] - y.dot(direction) / y.dot(s));
    }
    if (!(direction.dot(current->gradient) < 0)) direction = -current->gradient;
    // The first step moves at most one unit in any log hyperparameter.
    double step = history.empty() ? 1.0 / std::max(1.0, direction.cwiseAbs().maxCoeff()) : 1.0;
    std::optional<gp_objective_value> next;
    Eigen::VectorXd candidate;
    for (int halving = 0; halving < 20 && !next; ++halving, step *= 0.5) {
      candidate = box.project(x + step * direction);
      auto tried = objective(candidate);
      if (tried && tried->value <= current->value + 1e-4 * current->gradient.dot(candidate - x)) next = std::move(tried);
    }
    if (!next) break;
    const double decrease = current->value - next->value;
    Eigen::VectorXd s = candidate - x;
    Eigen::VectorXd y = next->gradient - current->gradient;
    if (s.dot(y) > 1e-12) {
      history.emplace_back(std::move(s), std::move(y));
      if (history.size() > memory) history.pop_front();
    }
    x = std::move(candidate);
    current = std::move(next);
    if (decrease < 1e-6 * (1.0 + std::abs(current->value))) break;
  }
  return {x, current->value};
}

struct gp_fit_settings {
  std::size_t restarts = 2;  // the previous fit, then random starts
  int max_iterations = 20;
};

// The best hyperparameters found from `previous` and settings.restarts - 1
// random starts; `previous` itself when no start could be evaluated.
// Each start stops after max_iterations or a relative decrease below 1e-6:
// the model needs no more precision than that.
[[nodiscard]] inline gp_hyperparameters fit_gp_hyperparameters(const gp_points& x, const Eigen::VectorXd& y,
                                                               const gp_hyperparameters& previous,
                                                               const gp_fit_settings& settings, random_stream& rng) {
  const gp_box box = gp_hyperparameter_box(previous.dimensions());
  const auto objective = [&](const Eigen::VectorXd& packed) { return gp_negative_log_posterior(x, y, packed); };
  Eigen::VectorXd best = previous.packed();
  double best_value = std::numeric_limits<double>::infinity();
  for (std::size_t restart = 0; restart < settings.restarts; ++restart) {
    Eigen::VectorXd start = previous.packed();
    if (restart > 0) {
      // Around the prior's centre: far corners of the box converge slowly and rarely win.
      start = default_gp_hyperparameters(previous.dimensions()).packed();
      for (Eigen::Index i = 0; i < start.size(); ++i) start(i) += rng.uniform(-1.5, 1.5);
    }
    auto [found, value] = minimise_lbfgs(objective, std::move(start), box, settings.max_iterations);
    if (value < best_value) {
      best = std::move(found);
      best_value = value;
    }
  }
  return gp_hyperparameters::unpacked(best);
}

}  // namespace rung::detail
