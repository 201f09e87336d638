#include "rung/schedulers/cutoff_rules.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "rung/concepts/cutoff_rule.hpp"
#include "rung/random.hpp"

namespace test_cutoff_rules {

namespace {

static_assert(rung::CutoffRule<rung::interpolated_quantile>);
static_assert(rung::CutoffRule<rung::top_k_rank>);
static_assert(rung::CutoffRule<rung::percentile_of_others>);

struct without_name {
  template <class V>
  std::optional<double> cutoff(const V&, const rung::cutoff_query&) const { return std::nullopt; }
};
struct returns_a_double {
  static constexpr std::string_view name = "x";
  template <class V>
  double cutoff(const V&, const rung::cutoff_query&) const { return 0; }
};
struct needs_an_argument {
  static constexpr std::string_view name = "x";
  explicit needs_an_argument(int) {}
  template <class V>
  std::optional<double> cutoff(const V&, const rung::cutoff_query&) const { return std::nullopt; }
};
static_assert(!rung::CutoffRule<int>);
static_assert(!rung::CutoffRule<without_name>);
static_assert(!rung::CutoffRule<returns_a_double>);
static_assert(!rung::CutoffRule<needs_an_argument>);

struct sorted_values {
  std::vector<double> best_first;
  [[nodiscard]] std::size_t size() const { return best_first.size(); }
  [[nodiscard]] double at(std::size_t rank) const { return best_first[rank]; }
};
static_assert(rung::RankedValues<sorted_values>);
static_assert(!rung::RankedValues<std::vector<double>>);

// Values best first for `m`, NaN as the worst value, as a rung holds them.
sorted_values ranked(std::vector<double> values, rung::mode m) {
  for (auto& value : values) value = rung::rank_value(m, value);
  std::stable_sort(values.begin(), values.end(),
                   [m](double a, double b) { return m == rung::mode::min ? a < b : a > b; });
  return {values};
}

// numpy.quantile(values, q, method="linear"), written from numpy's documentation.
double numpy_quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double h = static_cast<double>(values.size() - 1) * q;
  const auto below = static_cast<std::size_t>(std::floor(h));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (h - static_cast<double>(below)) * (values[above] - values[below]);
}

rung::cutoff_query query(rung::mode m, double quantile, double eta = 3, rung::cutoff_use use = rung::cutoff_use::stopping,
                         std::size_t candidate = 0) {
  return {.mode = m, .quantile = quantile, .reduction_factor = eta, .use = use, .candidate_rank = candidate};
}

}  // namespace

TEST_CASE("interpolated_quantile: asha.md example A's cutoffs (rung at 3, q = 1/3)") {
  const rung::interpolated_quantile rule;
  const auto q = query(rung::mode::min, 1.0 / 3.0);
  CHECK(!rule.cutoff(ranked({1.0}, rung::mode::min), q));  // fewer than 2 values: no cutoff
  CHECK(*rule.cutoff(ranked({1.0, 0.9}, rung::mode::min), q) == doctest::Approx(0.9333333333333333));
  CHECK(*rule.cutoff(ranked({1.0, 0.9, 0.8}, rung::mode::min), q) == doctest::Approx(0.8666666666666667));
  CHECK(*rule.cutoff(ranked({1.0, 0.9, 0.8, 1.2}, rung::mode::min), q) == 0.9);  // 1.2 > 0.9: stop
}

TEST_CASE("interpolated_quantile equals numpy.quantile at q (min) and 1 - q (max)") {
  const rung::interpolated_quantile rule;
  rung::random_stream random(11);
  for (int i = 0; i < 500; ++i) {
    std::vector<double> values(static_cast<std::size_t>(random.uniform_int(2, 40)));
    for (auto& value : values) value = std::round(random.uniform(0, 20)) / 4;  // many ties
    const double q = 1.0 / static_cast<double>(random.uniform_int(2, 5));
    CHECK(*rule.cutoff(ranked(values, rung::mode::min), query(rung::mode::min, q)) ==
          doctest::Approx(numpy_quantile(values, q)).epsilon(1e-12));
    CHECK(*rule.cutoff(ranked(values, rung::mode::max), query(rung::mode::max, q)) ==
          doctest::Approx(numpy_quantile(values, 1 - q)).epsilon(1e-12));
  }
}

TEST_CASE("interpolated_quantile: equal values give exactly that value, so ties go on") {
  const rung::interpolated_quantile rule;
  for (std::size_t n = 2; n < 30; ++n) {
    const std::vector<double> same(n, 0.1);
    CHECK(*rule.cutoff(ranked(same, rung::mode::min), query(rung::mode::min, 1.0 / 3.0)) == 0.1);
    CHECK(*rule.cutoff(ranked(same, rung::mode::max), query(rung::mode::max, 0.81)) == 0.1);
  }
}

TEST_CASE("interpolated_quantile with syne_tune_rounding reproduces Syne Tune's arithmetic, ulp for ulp") {
  const auto ties = ranked({0.22, 0.22, 0.22, 0.22, 0.22}, rung::mode::min);
  const auto q = query(rung::mode::min, 2.0 / 6.0);  // a rung at 2 below one at 6
  CHECK(*rung::interpolated_quantile{}.cutoff(ties, q) == 0.22);
  CHECK(*rung::interpolated_quantile{.syne_tune_rounding = true}.cutoff(ties, q) == 0.21999999999999997);
  const auto distinct = ranked({0.1, 0.4, 0.2, 0.9, 0.3}, rung::mode::max);
  const auto q_max = query(rung::mode::max, 1.0 / 3.0);
  CHECK(*rung::interpolated_quantile{}.cutoff(distinct, q_max) ==
        *rung::interpolated_quantile{.syne_tune_rounding = true}.cutoff(distinct, q_max));
}

TEST_CASE("NaN is the worst value in every rule and never enables a NaN to go on") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto values = ranked({0.1, 0.2, 0.3, nan}, rung::mode::min);
  const auto q = query(rung::mode::min, 1.0 / 3.0);
  const double cutoff = *rung::interpolated_quantile{}.cutoff(values, q);
  CHECK(cutoff == doctest::Approx(0.2));
  CHECK(!rung::at_least_as_good(rung::mode::min, nan, cutoff));
  CHECK(rung::at_least_as_good(rung::mode::min, 0.2, cutoff));
  // Mostly NaN: the cutoff is the worst value; finite values pass, NaN still does not.
  const auto mostly_nan = ranked({nan, nan, nan, 0.5}, rung::mode::max);
  const double worst = *rung::interpolated_quantile{}.cutoff(mostly_nan, query(rung::mode::max, 1.0 / 3.0));
  CHECK(worst == -INFINITY);
  CHECK(rung::at_least_as_good(rung::mode::max, -1e300, worst));
  CHECK(!rung::at_least_as_good(rung::mode::max, nan, worst));
  CHECK(*rung::top_k_rank{}.cutoff(values, q) == 0.1);
  CHECK(!std::isnan(*rung::percentile_of_others{}.cutoff(mostly_nan, query(rung::mode::max, 0, 3, {}, 3))));
}

TEST_CASE("top_k_rank: the floor(n / eta)-th best; at least the best when stopping") {
  const rung::top_k_rank rule;
  const auto min = rung::mode::min;
  CHECK(*rule.cutoff(ranked({0.7}, min), query(min, 0)) == 0.7);  // a lone trial goes on
  CHECK(!rule.cutoff(ranked({0.7, 0.2}, min), query(min, 0, 3, rung::cutoff_use::promotion)));
  CHECK(*rule.cutoff(ranked({0.7, 0.2, 0.5}, min), query(min, 0, 3, rung::cutoff_use::promotion)) == 0.2);
  CHECK(*rule.cutoff(ranked({0.7, 0.2, 0.5, 0.1, 0.3, 0.9}, min), query(min, 0)) == 0.2);  // k = 2
  // eta = 2.5 and n = 5: k = 2 exactly, no float division.
  CHECK(*rule.cutoff(ranked({5, 4, 3, 2, 1}, min), query(min, 0, 2.5)) == 2);
  CHECK(*rule.cutoff(ranked({5, 4, 3, 2, 1}, rung::mode::max), query(rung::mode::max, 0, 2.5)) == 4);
}

TEST_CASE("percentile_of_others: Ray's cut of the other values; the first trial always goes on") {
  const rung::percentile_of_others rule;
  CHECK(!rule.cutoff(ranked({0.3}, rung::mode::min), query(rung::mode::min, 0)));
  // Two values, the judged one (rank 1) excluded: the cutoff is the other one.
  CHECK(*rule.cutoff(ranked({0.3, 0.4}, rung::mode::min), query(rung::mode::min, 0, 4, {}, 1)) == 0.3);
  rung::random_stream random(3);
  for (int i = 0; i < 300; ++i) {
    std::vector<double> values(static_cast<std::size_t>(random.uniform_int(2, 30)));
    for (auto& value : values) value = random.uniform(-1, 1);
    const double eta = static_cast<double>(random.uniform_int(2, 5));
    for (const auto m : {rung::mode::min, rung::mode::max}) {
      const auto sorted = ranked(values, m);
      const auto candidate = static_cast<std::size_t>(random.uniform_int(0, static_cast<std::int64_t>(values.size()) - 1));
      // Ray: larger is better after a sign flip, then numpy.percentile at (1 - 1/eta) * 100.
      std::vector<double> others;
      for (std::size_t r = 0; r < sorted.size(); ++r) {
        if (r != candidate) others.push_back(m == rung::mode::min ? -sorted.at(r) : sorted.at(r));
      }
      const double signed_cutoff = numpy_quantile(others, 1 - 1 / eta);
      const double expected = m == rung::mode::min ? -signed_cutoff : signed_cutoff;
      CHECK(*rule.cutoff(sorted, query(m, 0, eta, {}, candidate)) == doctest::Approx(expected).epsilon(1e-12));
    }
  }
}

}  // namespace test_cutoff_rules
