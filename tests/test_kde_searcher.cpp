// kde_searcher (BOHB's TPE-style density searcher): reproducible, options
// refused by name, every kind of hyperparameter on both spaces, NaN and inf
// never poison the model, the level it fits on, and that it learns: on a
// bowl it beats random search on most seeds.
#include "rung/searchers/kde_searcher.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "rung/concepts/searcher.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "rung/spaces/dynamic_config_space.hpp"
#include "searcher_workload.hpp"

namespace test_kde_searcher {

namespace {

using rung_test::best_of;
using rung_test::bowl;
using rung_test::bowl_config;
using rung_test::bowl_space;
using rung_test::error_of;
using rung_test::run;

constexpr auto mixed_space = rung::config_space(
    rung::loguniform<"learning_rate">(1e-4, 1.0), rung::randint<"units">(1, 64), rung::lograndint<"batch">(8, 512),
    rung::choice<"optimizer">("sgd", "adam", "rmsprop"), rung::ordinal<"layers">(1, 2, 4, 8),
    rung::constant<"epochs">(5));
using mixed_config = decltype(mixed_space)::config_type;

// Best at adam, learning rate 1e-2; the other hyperparameters matter a little.
double mixed_objective(const mixed_config& c) {
  const double lr = std::log10(c.get<"learning_rate">()) + 2.0;
  return (c.get<"optimizer">() == "adam" ? 0.0 : 1.0) + 0.1 * lr * lr +
         0.01 * std::abs(static_cast<double>(c.get<"units">() - 32)) / 32.0;
}

}  // namespace

static_assert(rung::Searcher<rung::kde_search<std::remove_const_t<decltype(mixed_space)>>>);
static_assert(rung::Searcher<rung::kde_search<rung::dynamic_config_space>>);

TEST_CASE("kde_searcher: the same seed and the same reports give the same suggestions; another seed others") {
  auto first = rung::kde_searcher(mixed_space, {.seed = 3});
  auto second = rung::kde_searcher(mixed_space, {.seed = 3});
  auto other = rung::kde_searcher(mixed_space, {.seed = 4});
  const auto a = run(first, mixed_objective, 80);
  const auto b = run(second, mixed_objective, 80);
  const auto c = run(other, mixed_objective, 80);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a.front() == mixed_space.midpoint());  // the default first configuration, as random search
}

TEST_CASE("kde_searcher: a bad option is refused naming the field and the value") {
  using options = rung::kde_searcher_options<std::remove_const_t<decltype(mixed_space)>>;
  const auto with = [](options given) { return [given] { return rung::kde_searcher(mixed_space, given); }; };
  CHECK(error_of(with({.num_min_points = 1})) == "kde_searcher_options.num_min_points = 1: must be at least 2");
  CHECK(error_of(with({.top_n_percent = 100})) ==
        "kde_searcher_options.top_n_percent = 100: must be above 0 and below 100 (a percentage)");
  CHECK(error_of(with({.num_candidates = 0})) == "kde_searcher_options.num_candidates = 0: must be at least 1");
  CHECK(error_of(with({.random_fraction = 1.5})) ==
        "kde_searcher_options.random_fraction = 1.5: must be between 0 and 1");
  CHECK(error_of(with({.bandwidth_factor = -1})) ==
        "kde_searcher_options.bandwidth_factor = -1: must be a positive number");
  CHECK(error_of(with({.min_bandwidth = 0})) ==
        "kde_searcher_options.min_bandwidth = 0: must be above 0 and at most 1 (the unit cube's width)");
  CHECK(error_of(with({})) == "no error");
}

TEST_CASE("kde_searcher: on a mixed space it learns the categorical value that matters, on both spaces") {
  const auto share_of_adam = [](const auto& suggested, auto optimizer_of) {
    int adam = 0;
    for (std::size_t i = suggested.size() - 100; i < suggested.size(); ++i) adam += optimizer_of(suggested[i]) == "adam";
    return adam / 100.0;
  };
  auto typed = rung::kde_searcher(mixed_space, {.seed = 1});
  const auto typed_suggested = run(typed, mixed_objective, 200);
  for (const auto& config : typed_suggested) CHECK(mixed_space.contains(config));
  // Random search gives adam a third of the time; a third of kde's suggestions are random too.
  CHECK(share_of_adam(typed_suggested, [](const mixed_config& c) { return std::string(c.get<"optimizer">()); }) > 0.6);

  const auto space = rung::dynamic_config_space::from_json(R"({
    "learning_rate": {"type": "loguniform", "lower": 1e-4, "upper": 1.0},
    "units": {"type": "randint", "lower": 1, "upper": 64},
    "batch": {"type": "lograndint", "lower": 8, "upper": 512},
    "optimizer": {"type": "choice", "values": ["sgd", "adam", "rmsprop"]},
    "layers": {"type": "ordinal", "values": [1, 2, 4, 8]},
    "momentum": {"type": "finrange", "lower": 0.5, "upper": 0.9, "size": 5},
    "epochs": 5})");
  const auto dynamic_objective = [](const rung::dynamic_configuration& c) {
    const double lr = std::log10(rung::as_double(c.at("learning_rate"))) + 2.0;
    return (std::get<std::string>(c.at("optimizer")) == "adam" ? 0.0 : 1.0) + 0.1 * lr * lr;
  };
  auto dynamic = rung::kde_searcher(space, {.seed = 1});
  const auto dynamic_suggested = run(dynamic, dynamic_objective, 200);
  for (const auto& config : dynamic_suggested) CHECK(space.contains(config));
  CHECK(share_of_adam(dynamic_suggested,
                      [](const rung::dynamic_configuration& c) { return std::get<std::string>(c.at("optimizer")); }) > 0.6);
}

TEST_CASE("kde_searcher: NaN and inf reports are the worst values and never poison the model") {
  // Half the space (a > 0) reports NaN or inf: the searcher must move to the other half.
  const auto poisoned = [](const bowl_config& c) {
    if (c.get<"a">() > 0) return c.get<"b">() > 0 ? std::numeric_limits<double>::quiet_NaN()
                                                  : -std::numeric_limits<double>::infinity();
    return bowl(c);
  };
  auto searcher = rung::kde_searcher(bowl_space, {.seed = 2});
  const auto suggested = run(searcher, poisoned, 200);
  int finite_half = 0;
  for (std::size_t i = 100; i < suggested.size(); ++i) {
    CHECK(bowl_space.contains(suggested[i]));
    finite_half += suggested[i].get<"a">() <= 0;
  }
  CHECK(finite_half > 60);  // random search: 50
}

TEST_CASE("kde_searcher: fits on the highest resource level with enough observations") {
  auto searcher = rung::kde_searcher(bowl_space, {.seed = 1, .num_min_points = 5});
  for (rung::trial_id id = 0; id < 12; ++id) {
    const auto config = searcher.suggest(id);
    searcher.on_report({.trial = id, .resource = 1, .metric = bowl(*config)});
    if (id < 4) searcher.on_report({.trial = id, .resource = 3, .metric = bowl(*config)});
  }
  for (rung::trial_id id = 12; id < 30 && !searcher.model_resource(); ++id) (void)searcher.suggest(id);
  CHECK(searcher.model_resource() == 1.0);  // resource 3 holds 4 < 5
  searcher.on_report({.trial = 5, .resource = 3, .metric = 0.5});
  for (rung::trial_id id = 30; id < 60 && searcher.model_resource() != 3.0; ++id) (void)searcher.suggest(id);
  CHECK(searcher.model_resource() == 3.0);
}

TEST_CASE("kde_searcher: told by its scheduler to maximise, it climbs instead") {
  auto scheduler = rung::fifo(rung::kde_searcher(bowl_space, {.seed = 5}),
                              {.metric = "score", .mode = rung::mode::max, .max_t = 1});
  double best = -std::numeric_limits<double>::infinity();
  for (rung::trial_id id = 0; id < 200; ++id) {
    const auto started = std::get<rung::start_trial<bowl_config>>(scheduler.suggest(id));
    const double score = -bowl(started.config);
    (void)scheduler.on_report({.trial = id, .resource = 1, .metric = score});
    best = std::max(best, score);
  }
  CHECK(best > -best_of(rung::random_searcher(bowl_space, {.seed = 5}), bowl, 200));
}

TEST_CASE("kde_searcher: on a 4-dimensional bowl its best beats random search's on most seeds") {
  int wins = 0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const double kde = best_of(rung::kde_searcher(bowl_space, {.seed = seed}), bowl, 150);
    const double random = best_of(rung::random_searcher(bowl_space, {.seed = seed}), bowl, 150);
    wins += kde < random;
  }
  CHECK(wins >= 4);
}

}  // namespace test_kde_searcher
