#include "rung/searchers/gp_searcher.hpp"
#include "rung/searchers/detail/gp_acquisition.hpp"
#include "rung/searchers/detail/gp_fit.hpp"
#include "rung/searchers/detail/gp_kernel.hpp"
#include "rung/searchers/detail/gp_regression.hpp"
#include "rung/searchers/detail/kde_density.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "rung/concepts/searcher.hpp"
#include "rung/random.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "rung/spaces/dynamic_config_space.hpp"

namespace test_gp_searcher {

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
  // Its logarithm agrees where EI is representable, and keeps ranking where EI underflows.
  using rung::detail::log_expected_improvement;
  for (const double mean : {-1.0, 0.0, 2.0, 4.9, 5.1, 8.0}) {
    CAPTURE(mean);
    CHECK(log_expected_improvement(mean, 1.0, 0.0) == doctest::Approx(std::log(expected_improvement(mean, 1.0, 0.0))).epsilon(0.01));
  }
  CHECK(expected_improvement(40.0, 1.0, 0.0) == 0.0);
  CHECK(std::isfinite(log_expected_improvement(40.0, 1.0, 0.0)));
  CHECK(log_expected_improvement(40.0, 1.0, 0.0) > log_expected_improvement(41.0, 1.0, 0.0));
  CHECK(log_expected_improvement(40.0, 1.1, 0.0) > log_expected_improvement(40.0, 1.0, 0.0));
  // Against a Monte Carlo estimate of E[max(best - f, 0)].
  rung::random_stream rng(2);
  double sum = 0;
  constexpr int draws = 200'000;
  for (int i = 0; i < draws; ++i) sum += std::max(0.3 - (0.5 + 0.8 * rung::detail::standard_normal(rng)), 0.0);
  CHECK(expected_improvement(0.5, 0.64, 0.3) == doctest::Approx(sum / draws).epsilon(0.02));
}

namespace {

constexpr auto bowl_space = rung::config_space(rung::uniform<"x">(0.0, 1.0), rung::uniform<"y">(0.0, 1.0),
                                               rung::uniform<"z">(0.0, 1.0));
using bowl_space_type = std::remove_const_t<decltype(bowl_space)>;
using bowl_config = bowl_space_type::config_type;
static_assert(rung::Searcher<rung::gaussian_process_search<bowl_space_type>>);
static_assert(rung::Searcher<rung::gaussian_process_search<rung::dynamic_config_space>>);

double bowl(const bowl_config& c) {
  const double dx = c.get<"x">() - 0.3, dy = c.get<"y">() - 0.7, dz = c.get<"z">() - 0.55;
  return dx * dx + dy * dy + dz * dz;
}

// Sequential tuning: suggest, report the metric at resource 1, repeat. The best value seen.
template <class Searcher, class Metric>
double best_of(Searcher& searcher, int trials, Metric&& metric) {
  double best = std::numeric_limits<double>::infinity();
  for (rung::trial_id id = 0; id < trials; ++id) {
    const auto config = searcher.suggest(id);
    REQUIRE(config);
    const double value = metric(*config);
    if constexpr (requires { searcher.on_report(rung::observation{}); }) searcher.on_report({id, 1.0, value});
    if (!std::isnan(value)) best = std::min(best, value);
  }
  return best;
}

}  // namespace

TEST_CASE("gp search beats random search on a quadratic bowl in 60 sequential trials on most seeds") {
  int wins = 0;
  constexpr int seeds = 5;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    auto gp = rung::gp_searcher(bowl_space, {.seed = seed, .refit_every = 20, .num_candidates = 32, .num_local_steps = 8});
    auto random = rung::random_searcher(bowl_space, {.seed = seed});
    const double gp_best = best_of(gp, 60, bowl);
    const double random_best = best_of(random, 60, bowl);
    CAPTURE(seed);
    CAPTURE(gp_best);
    CAPTURE(random_best);
    CHECK(gp_best < 0.01);
    CHECK_FALSE(gp.warning());
    wins += gp_best < random_best ? 1 : 0;
  }
  CHECK(wins >= 4);
}

TEST_CASE("gp search is deterministic: the same seed and calls give the same suggestions") {
  const auto run = [](std::uint64_t seed) {
    auto searcher = rung::gp_searcher(bowl_space, {.seed = seed, .num_candidates = 64});
    std::vector<bowl_config> suggested;
    for (rung::trial_id id = 0; id < 14; ++id) {
      suggested.push_back(*searcher.suggest(id));
      if (id % 3 != 2) searcher.on_report({id, 1.0, bowl(suggested.back())});  // every third left pending
    }
    return suggested;
  };
  CHECK(run(7) == run(7));
  CHECK(run(7) != run(8));
}

TEST_CASE("gp search: the metric mode, and NaN or infinite reports counted as the worst value") {
  auto searcher = rung::gp_searcher(bowl_space, {.seed = 3, .refit_every = 20, .num_candidates = 32, .num_local_steps = 8});
  searcher.set_metric_mode(rung::mode::max);
  int reported = 0;
  double best = std::numeric_limits<double>::infinity();
  (void)best_of(searcher, 40, [&](const bowl_config& c) {
    ++reported;
    if (reported % 4 == 0) return std::numeric_limits<double>::quiet_NaN();
    if (reported % 7 == 0) return -std::numeric_limits<double>::infinity();
    best = std::min(best, bowl(c));
    return -bowl(c);  // maximised
  });
  CHECK(best < 0.02);
  CHECK_FALSE(searcher.warning());
  CHECK(searcher.random_fallbacks() == 0);
}

TEST_CASE("gp search on choices only, through their one-hot encoding, finds the best pair") {
  constexpr auto space = rung::config_space(rung::choice<"optimizer">("sgd", "adam", "rmsprop"),
                                            rung::choice<"activation">("relu", "tanh", "gelu", "sigmoid"));
  using config = std::remove_const_t<decltype(space)>::config_type;
  const auto metric = [](const config& c) {
    const double a = c.get<"optimizer">() == "adam" ? 0.0 : 1.0;
    const double b = c.get<"activation">() == "gelu" ? 0.0 : 0.5;
    return a + b;
  };
  auto searcher = rung::gp_searcher(space, {.seed = 2, .num_candidates = 32});
  int best_found = 0;
  for (rung::trial_id id = 0; id < 30; ++id) {
    const auto c = *searcher.suggest(id);
    searcher.on_report({id, 1.0, metric(c)});
    if (id >= 15 && metric(c) == 0.0) ++best_found;  // repeated: the model trusts it (duplicates, no failure)
  }
  CHECK(best_found >= 8);
  CHECK(searcher.random_fallbacks() == 0);
}

TEST_CASE("gp search with the resource as an input: reports at several resources, EI at the largest") {
  auto searcher = rung::gp_searcher(bowl_space, {.seed = 4, .max_observations = 48, .max_fit_observations = 32,
                                                 .refit_every = 30, .num_candidates = 32, .num_local_steps = 8});
  double best_at_top = std::numeric_limits<double>::infinity();
  for (rung::trial_id id = 0; id < 30; ++id) {
    const auto c = *searcher.suggest(id);
    // A learning curve: worse at low resource, the bowl at resource 9; half the trials stop at 3.
    for (const double resource : {1.0, 3.0, 9.0}) {
      searcher.on_report({id, resource, bowl(c) + 1.0 / resource});
      if (resource == 3.0 && id % 2 == 1) break;
      if (resource == 9.0) best_at_top = std::min(best_at_top, bowl(c));
    }
    searcher.on_trial_end(id, rung::trial_end::completed);
  }
  CHECK(best_at_top < 0.02);
}

TEST_CASE("gp searcher options are checked, naming the field and the value") {
  const auto refused = [](rung::gp_searcher_options<bowl_space_type> options, const std::string& expected) {
    try {
      (void)rung::gp_searcher(bowl_space, std::move(options));
      FAIL("accepted");
    } catch (const std::invalid_argument& error) {
      CHECK(std::string(error.what()) == expected);
    }
  };
  refused({.max_observations = 1}, "gp_searcher_options.max_observations = 1: must be at least 2");
  refused({.refit_every = 0}, "gp_searcher_options.refit_every = 0: must be at least 1");
  refused({.num_candidates = 0}, "gp_searcher_options.num_candidates = 0: must be at least 1");
  refused({.max_observations = 50, .max_fit_observations = 60},
          "gp_searcher_options.max_fit_observations = 60: must be at most max_observations (50)");
  // A run-time space of constants only: nothing to model.
  const auto constants = rung::dynamic_config_space::from_json(R"({"epochs": 10, "name": "a"})");
  CHECK_THROWS_WITH_AS(rung::gp_searcher(constants),
                       "gp_searcher: every hyperparameter (epochs, name) is a constant, so there is nothing for "
                       "the GP to model",
                       std::invalid_argument);
}

TEST_CASE("gp search on a dynamic space proposes configurations of the space, pending trials spread out") {
  const auto space = rung::dynamic_config_space::from_json(
      R"({"lr": {"type": "loguniform", "lower": 1e-4, "upper": 1}, "layers": {"type": "randint", "lower": 1, "upper": 8},
          "optimizer": {"type": "choice", "values": ["sgd", "adam"]}, "epochs": 5})");
  auto searcher = rung::gp_searcher(space, {.seed = 5, .num_candidates = 64});
  for (rung::trial_id id = 0; id < 10; ++id) {
    const auto c = *searcher.suggest(id);
    REQUIRE(space.contains(c));
    searcher.on_report({id, 1.0, std::abs(std::log10(rung::as_double(c.at("lr"))) + 2.0)});
  }
  std::set<std::string> running;
  for (rung::trial_id id = 10; id < 14; ++id) {
    const auto c = *searcher.suggest(id);  // no reports in between: the earlier ones are pending
    REQUIRE(space.contains(c));
    std::string text;
    space.append_json(text, c);
    running.insert(text);
  }
  CHECK(running.size() == 4);
}

TEST_CASE("gp search under ASHA with 4 trials running at once: told the mode, it finds good configurations") {
  // Maximise a score that grows with the epochs; ASHA stops the weak at epochs 1 and 3.
  const auto score = [](const bowl_config& c, double epoch) { return -bowl(c) - 0.5 / epoch; };
  auto scheduler = rung::asha(
      rung::gp_searcher(bowl_space, {.seed = 6, .refit_every = 30, .num_candidates = 32, .num_local_steps = 8}),
                              {.metric = "score", .mode = rung::mode::max, .max_t = 9});
  struct running {
    rung::trial_id id;
    bowl_config config;
    double epoch;
  };
  std::vector<running> workers;
  rung::trial_id next_id = 0;
  double late_sum = 0;  // the bowl over the last 15 configurations, all modelled
  while (next_id < 30 || !workers.empty()) {
    while (workers.size() < 4 && next_id < 30) {
      const auto next = scheduler.suggest(next_id);
      REQUIRE(std::holds_alternative<rung::start_trial<bowl_config>>(next));
      const auto& config = std::get<rung::start_trial<bowl_config>>(next).config;
      if (next_id >= 15) late_sum += bowl(config);
      workers.push_back({next_id++, config, 0.0});
    }
    running trial = workers.front();  // the oldest reports its next epoch
    workers.erase(workers.begin());
    trial.epoch += 1.0;
    const auto verdict = scheduler.on_report({trial.id, trial.epoch, score(trial.config, trial.epoch)});
    if (verdict == rung::decision::continue_trial && trial.epoch < 9.0) {
      workers.push_back(trial);
      continue;
    }
    scheduler.on_trial_end(trial.id, trial.epoch == 9.0 ? rung::trial_end::completed : rung::trial_end::stopped);
  }
  // Random configurations average 0.33; a searcher maximising the wrong way would do worse.
  CHECK(late_sum / 15 < 0.2);
}

}  // namespace test_gp_searcher
