#include "rung/schedulers/rung_levels.hpp"

#include <doctest/doctest.h>

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "rung/random.hpp"

namespace test_rung_levels {

namespace {

using levels = std::vector<std::int64_t>;

// Reference by plain doubles, exact while grace * eta^k needs under 53 bits
// (eta a multiple of 1/4, resources below 10^4): nearbyint rounds half to even.
levels reference_levels(std::int64_t grace, double eta, std::int64_t max_resource) {
  REQUIRE(std::fegetround() == FE_TONEAREST);
  levels result;
  for (double value = static_cast<double>(grace); value < static_cast<double>(max_resource); value *= eta) {
    result.push_back(static_cast<std::int64_t>(std::nearbyint(value)));
  }
  if (!result.empty() && result.back() == max_resource) result.pop_back();
  return result;
}

}  // namespace

TEST_CASE("rung levels of asha.md's vocabulary: the top is not a rung") {
  CHECK(rung::geometric_rung_levels(1, 3, 81) == levels{1, 3, 9, 27});
  CHECK(rung::geometric_rung_levels(1, 3, 100) == levels{1, 3, 9, 27, 81});
  CHECK(rung::geometric_rung_levels(2, 2, 10) == levels{2, 4, 8});
  CHECK(rung::listed_rung_levels({1, 3, 9, 27}, 27) == levels{1, 3, 9});
  CHECK(rung::listed_rung_levels({1, 3, 9}, 27) == levels{1, 3, 9});
}

TEST_CASE("asha.md example C: a non-integer eta rounds half to even") {
  CHECK(rung::geometric_rung_levels(1, 2.5, 100) == levels{1, 2, 6, 16, 39, 98});  // 2.5 -> 2
  CHECK(rung::geometric_rung_levels(3, 2.5, 50) == levels{3, 8, 19, 47});          // 7.5 -> 8
  // 97.65625 rounds to 98: equal to the top, so it is not a rung.
  CHECK(rung::geometric_rung_levels(1, 2.5, 98) == levels{1, 2, 6, 16, 39});
}

TEST_CASE("rung levels never trust a float log: 10^3 is the top, not a rung") {
  CHECK(rung::geometric_rung_levels(1, 10, 1000) == levels{1, 10, 100});
  CHECK(rung::geometric_rung_levels(1, 10, 1001) == levels{1, 10, 100, 1000});
  CHECK(rung::geometric_rung_levels(1, 2, std::int64_t{1} << 50).size() == 50);
  CHECK(rung::geometric_rung_levels(7, 1e300, 8) == levels{7});
}

TEST_CASE("rung levels agree with exact double arithmetic where it is exact") {
  rung::random_stream random(5);
  for (int i = 0; i < 2000; ++i) {
    const std::int64_t grace = random.uniform_int(1, 20);
    const double eta = static_cast<double>(random.uniform_int(8, 24)) / 4.0;
    const std::int64_t max_resource = random.uniform_int(grace + 1, 10'000);
    CAPTURE(grace);
    CAPTURE(eta);
    CAPTURE(max_resource);
    CHECK(rung::geometric_rung_levels(grace, eta, max_resource) == reference_levels(grace, eta, max_resource));
  }
}

TEST_CASE("rung level arguments are checked, naming the field and the value") {
  CHECK_THROWS_WITH_AS(rung::geometric_rung_levels(81, 3, 81),
                       "rung_levels: options.grace_period = 81: must be below the maximum resource, 81",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::geometric_rung_levels(0, 3, 81),
                       "rung_levels: options.grace_period = 0: must be at least 1", std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::geometric_rung_levels(1, 1.5, 81),
                       "rung_levels: options.reduction_factor = 1.5: must be a number >= 2", std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::geometric_rung_levels(1, NAN, 81),
                       "rung_levels: options.reduction_factor = NaN: must be a number >= 2", std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::listed_rung_levels({1, 9, 3}, 27),
                       "rung_levels: options.rung_levels = [1, 9, 3]: rung levels must be strictly increasing",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::listed_rung_levels({0, 3}, 27),
                       "rung_levels: options.rung_levels = [0, 3]: rung levels must be whole numbers >= 1",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      rung::listed_rung_levels({1, 30}, 27),
      "rung_levels: options.rung_levels = [1, 30]: the last level must not exceed the maximum resource, 27",
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      rung::listed_rung_levels({27}, 27),
      "rung_levels: options.rung_levels = [27]: no rung level below the maximum resource: nothing to compare at",
      std::invalid_argument);
}

TEST_CASE("the ladder's promotion quantiles are level ratios, the top included") {
  const rung::rung_ladder ladder(rung::geometric_rung_levels(1, 3, 100), 100);
  CHECK(ladder.size() == 5);
  CHECK(ladder.level(5) == 100);
  CHECK(ladder.promotion_quantile(0) == 1.0 / 3.0);
  CHECK(ladder.promotion_quantile(4) == 0.81);
}

TEST_CASE("asynchronous Hyperband's bracket distribution follows synchronous Hyperband's trial counts") {
  const rung::rung_ladder ladder({1, 3, 9, 27}, 81);
  const auto all = rung::bracket_weights(ladder, 10);  // at most J + 1 = 5
  REQUIRE(all.size() == 5);
  const double unnormalised[] = {5.0 / (5 * 1), 5.0 / (4 * 3), 5.0 / (3 * 9), 5.0 / (2 * 27), 5.0 / (1 * 81)};
  double total = 0;
  for (double weight : unnormalised) total += weight;
  for (std::size_t s = 0; s < 5; ++s) CHECK(all[s] == doctest::Approx(unnormalised[s] / total).epsilon(1e-12));
  const auto two = rung::bracket_weights(ladder, 2);
  REQUIRE(two.size() == 2);
  CHECK(two[1] / two[0] == doctest::Approx(5.0 / 12.0));
  CHECK(rung::bracket_weights(ladder, 1) == std::vector<double>{1.0});
}

TEST_CASE("synchronous Hyperband brackets of the JMLR paper (asha.md: R = 81, eta = 3)") {
  const auto brackets = rung::hyperband_brackets(1, 3, 81);
  REQUIRE(brackets.size() == 5);
  const auto shape = [](const rung::hyperband_bracket& bracket) {
    std::vector<std::pair<std::int64_t, std::int64_t>> rungs;
    for (const auto& r : bracket.rungs) rungs.emplace_back(r.trials, r.level);
    return rungs;
  };
  using pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;
  CHECK(brackets[0].s == 4);
  CHECK(shape(brackets[0]) == pairs{{81, 1}, {27, 3}, {9, 9}, {3, 27}, {1, 81}});
  CHECK(shape(brackets[1]) == pairs{{34, 3}, {11, 9}, {3, 27}, {1, 81}});
  CHECK(shape(brackets[2]) == pairs{{15, 9}, {5, 27}, {1, 81}});
  CHECK(shape(brackets[3]) == pairs{{8, 27}, {2, 81}});
  CHECK(shape(brackets[4]) == pairs{{5, 81}});
}

TEST_CASE("synchronous Hyperband brackets when R is not r_min times a power of eta") {
  // s_max = floor(log_3 100) = 4; levels 100 * 3^(i - s), rounded half to even.
  const auto brackets = rung::hyperband_brackets(1, 3, 100);
  REQUIRE(brackets.size() == 5);
  std::vector<std::int64_t> first;
  for (const auto& r : brackets[0].rungs) first.push_back(r.level);
  CHECK(first == levels{1, 4, 11, 33, 100});
  CHECK(rung::hyperband_brackets(2, 2, 16).size() == 4);  // 2, 4, 8, 16
  CHECK(rung::hyperband_brackets(1, 1000, 81).size() == 1);
  CHECK_THROWS_WITH_AS(rung::hyperband_brackets(1, 2.5, 81),
                       "hyperband_brackets: options.reduction_factor = 2.5: synchronous Hyperband needs a whole "
                       "number (its brackets keep floor(n / eta^i) trials)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::hyperband_brackets(81, 3, 81),
                       "hyperband_brackets: options.grace_period = 81: must be below the maximum resource, 81",
                       std::invalid_argument);
}

}  // namespace test_rung_levels
