// regularized_evolution (REA): reproducible, options refused by name, random
// until the population is full, then children of the best of a sample, one
// hyperparameter changed; the oldest member leaves; NaN and inf are the
// worst; the metric at a trial's largest resource counts; and it learns.
#include "rung/searchers/regularized_evolution.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "rung/concepts/searcher.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "rung/spaces/dynamic_config_space.hpp"
#include "searcher_workload.hpp"

namespace test_regularized_evolution {

namespace {

using rung_test::best_of;
using rung_test::bowl;
using rung_test::bowl_config;
using rung_test::bowl_space;
using rung_test::error_of;
using rung_test::run;

constexpr auto mixed_space = rung::config_space(
    rung::loguniform<"learning_rate">(1e-4, 1.0), rung::lograndint<"batch">(8, 512),
    rung::choice<"optimizer">("sgd", "adam", "rmsprop"), rung::ordinal<"layers">(1, 2, 4, 8),
    rung::constant<"epochs">(5));
using mixed_config = decltype(mixed_space)::config_type;

double mixed_objective(const mixed_config& c) {
  const double lr = std::log10(c.get<"learning_rate">()) + 2.0;
  return (c.get<"optimizer">() == "adam" ? 0.0 : 1.0) + 0.1 * lr * lr;
}

// How many hyperparameters two configurations differ in.
int differences(const mixed_config& left, const mixed_config& right) {
  return (left.get<"learning_rate">() != right.get<"learning_rate">()) + (left.get<"batch">() != right.get<"batch">()) +
         (left.get<"optimizer">() != right.get<"optimizer">()) + (left.get<"layers">() != right.get<"layers">());
}

}  // namespace

static_assert(rung::Searcher<rung::regularized_evolution_search<std::remove_const_t<decltype(mixed_space)>>>);
static_assert(rung::Searcher<rung::regularized_evolution_search<rung::dynamic_config_space>>);

TEST_CASE("regularized_evolution: the same seed and the same reports give the same suggestions; another seed others") {
  auto first = rung::regularized_evolution(mixed_space, {.seed = 3, .population_size = 10, .sample_size = 3});
  auto second = rung::regularized_evolution(mixed_space, {.seed = 3, .population_size = 10, .sample_size = 3});
  auto other = rung::regularized_evolution(mixed_space, {.seed = 4, .population_size = 10, .sample_size = 3});
  const auto a = run(first, mixed_objective, 60);
  const auto b = run(second, mixed_objective, 60);
  CHECK(a == b);
  CHECK(a != run(other, mixed_objective, 60));
  CHECK(a.front() == mixed_space.midpoint());
}

TEST_CASE("regularized_evolution: a bad option is refused naming the field and the value") {
  using options = rung::regularized_evolution_options<std::remove_const_t<decltype(mixed_space)>>;
  const auto with = [](options given) { return [given] { return rung::regularized_evolution(mixed_space, given); }; };
  CHECK(error_of(with({.population_size = 0})) ==
        "regularized_evolution_options.population_size = 0: must be at least 1");
  CHECK(error_of(with({.population_size = 5, .sample_size = 6})) ==
        "regularized_evolution_options.sample_size = 6: must be between 1 and population_size (5)");
  CHECK(error_of(with({.sample_size = 0})) ==
        "regularized_evolution_options.sample_size = 0: must be between 1 and population_size (100)");
}

TEST_CASE("regularized_evolution: random until the population is full, then one hyperparameter mutated from a member") {
  using partial = decltype(mixed_space)::partial_type;
  auto searcher = rung::regularized_evolution(
      mixed_space, {.seed = 1, .points_to_evaluate = std::vector<partial>{}, .population_size = 8, .sample_size = 3});
  const auto suggested = run(searcher, mixed_objective, 60);
  CHECK(searcher.population() == 8);
  int one_change = 0;
  for (std::size_t i = 8; i < suggested.size(); ++i) {
    CHECK(mixed_space.contains(suggested[i]));
    bool from_earlier = false;  // a child of some earlier suggestion, one hyperparameter apart
    for (std::size_t j = 0; j < i && !from_earlier; ++j) from_earlier = differences(suggested[i], suggested[j]) == 1;
    one_change += from_earlier;
  }
  CHECK(one_change == 52);
  // It learns which optimizer matters: most children keep adam.
  int adam = 0;
  for (std::size_t i = 40; i < suggested.size(); ++i) adam += suggested[i].template get<"optimizer">() == "adam";
  CHECK(adam >= 14);
}

TEST_CASE("regularized_evolution: the oldest member leaves, whatever its value") {
  auto searcher = rung::regularized_evolution(bowl_space, {.seed = 1, .population_size = 3, .sample_size = 3});
  const auto shares_three = [](const bowl_config& left, const bowl_config& right) {
    return (left.get<"a">() == right.get<"a">()) + (left.get<"b">() == right.get<"b">()) +
               (left.get<"c">() == right.get<"c">()) + (left.get<"d">() == right.get<"d">()) ==
           3;
  };
  const auto oldest = *searcher.suggest(0);  // by far the best
  searcher.on_report({.trial = 0, .resource = 1, .metric = -100.0});
  for (rung::trial_id id = 1; id < 4; ++id) {
    (void)searcher.suggest(id);
    searcher.on_report({.trial = id, .resource = 1, .metric = 1.0});
  }
  CHECK(searcher.population() == 3);  // trials 1, 2, 3: trial 0 aged out
  searcher.on_report({.trial = 0, .resource = 2, .metric = -200.0});  // ignored now
  CHECK(searcher.population() == 3);
  for (rung::trial_id id = 4; id < 24; ++id) {
    CHECK_FALSE(shares_three(*searcher.suggest(id), oldest));
    searcher.on_trial_end(id, rung::trial_end::failed);
  }
}

TEST_CASE("regularized_evolution: NaN and inf are the worst values; a trial counts at its largest resource") {
  auto searcher = rung::regularized_evolution(bowl_space, {.seed = 2, .population_size = 4, .sample_size = 4});
  std::vector<bowl_config> members;
  for (rung::trial_id id = 0; id < 4; ++id) members.push_back(*searcher.suggest(id));
  searcher.on_report({.trial = 0, .resource = 1, .metric = std::numeric_limits<double>::quiet_NaN()});
  searcher.on_report({.trial = 1, .resource = 1, .metric = -std::numeric_limits<double>::infinity()});
  searcher.on_report({.trial = 2, .resource = 1, .metric = 0.1});   // best at resource 1 ...
  searcher.on_report({.trial = 2, .resource = 3, .metric = 50.0});  // ... not at its largest
  searcher.on_report({.trial = 3, .resource = 1, .metric = 5.0});
  // Trial 3 is the best: a sample of four (with replacement) holds it with
  // probability 1 - (3/4)^4 = 0.68, and then it is the parent. Were -inf the
  // best, or trial 2 counted at resource 1, that would be 0.25 or less.
  int from_three = 0;
  for (rung::trial_id id = 4; id < 40; ++id) {
    const auto child = *searcher.suggest(id);
    int same = 0;
    for (const auto& [left, right] : {std::pair{child.get<"a">(), members[3].get<"a">()},
                                      std::pair{child.get<"b">(), members[3].get<"b">()},
                                      std::pair{child.get<"c">(), members[3].get<"c">()},
                                      std::pair{child.get<"d">(), members[3].get<"d">()}}) {
      same += left == right;
    }
    from_three += same == 3;
    searcher.on_trial_end(id, rung::trial_end::failed);  // never reported: the population does not change
  }
  CHECK(searcher.population() == 4);
  CHECK(from_three >= 18);  // of 36: 24.6 expected
}

TEST_CASE("regularized_evolution: on a 4-dimensional bowl its best beats random search's on most seeds") {
  int wins = 0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const double rea = best_of(rung::regularized_evolution(bowl_space, {.seed = seed, .population_size = 20,
                                                                        .sample_size = 5}),
                               bowl, 200);
    const double random = best_of(rung::random_searcher(bowl_space, {.seed = seed}), bowl, 200);
    wins += rea < random;
  }
  CHECK(wins >= 4);
}

}  // namespace test_regularized_evolution
