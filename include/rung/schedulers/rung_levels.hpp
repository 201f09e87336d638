// Rung levels: the resources (epochs) at which successive halving compares
// trials. Computed in integer arithmetic, identical to Syne Tune v0.13 for the
// same settings:
//   geometric_rung_levels(1, 3, 81)   -> 1, 3, 9, 27     (81 is the top, not a rung)
//   geometric_rung_levels(1, 2.5, 100) -> 1, 2, 6, 16, 39, 98 (round half to even: 2.5 -> 2)
//   listed_rung_levels({1, 3, 9, 27}, 27) -> 1, 3, 9
// Also the asynchronous Hyperband bracket distribution and the synchronous
// Hyperband brackets of the JMLR paper.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "rung/schedulers/detail/dyadic.hpp"
#include "rung/schedulers/options.hpp"
#include "rung/util/format.hpp"

namespace rung {

namespace detail {
inline std::string list_text(const std::vector<std::int64_t>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) text += (i == 0 ? "" : ", ") + to_text(values[i]);
  return text + "]";
}

inline void check_reduction_factor(std::string_view who, double reduction_factor) {
  if (!(reduction_factor >= 2) || !std::isfinite(reduction_factor)) {
    bad_option(who, "reduction_factor", to_text(reduction_factor), "must be a number >= 2");
  }
}
}  // namespace detail

// Rung levels grace_period * reduction_factor^k (k = 0, 1, ...) below
// max_resource, each rounded half to even. `who` names the caller in errors.
[[nodiscard]] inline std::vector<std::int64_t> geometric_rung_levels(std::int64_t grace_period, double reduction_factor,
                                                                    std::int64_t max_resource,
                                                                    std::string_view who = "rung_levels") {
  using detail::to_text;
  if (grace_period < 1) detail::bad_option(who, "grace_period", to_text(grace_period), "must be at least 1");
  detail::check_reduction_factor(who, reduction_factor);
  if (grace_period >= max_resource) {
    detail::bad_option(who, "grace_period", to_text(grace_period),
                       "must be below the maximum resource, " + to_text(max_resource));
  }
  const detail::dyadic eta = detail::to_dyadic(reduction_factor);
  detail::big_unsigned scaled(static_cast<std::uint64_t>(grace_period));  // grace * mantissa^k
  std::vector<std::int64_t> levels;
  for (std::int64_t k = 0;; ++k) {
    const std::int64_t shift = eta.exponent * k;  // grace * eta^k = scaled * 2^shift
    const auto floor = scaled.floor_scaled(shift);
    if (!floor || *floor >= static_cast<std::uint64_t>(max_resource)) break;
    levels.push_back(static_cast<std::int64_t>(*scaled.round_scaled(shift)));
    scaled.multiply(eta.mantissa);
  }
  if (levels.back() == max_resource) levels.pop_back();  // 80.6 rounds to 81 = the top
  return levels;
}

// An explicit list of rung levels; max_resource, if listed last, is dropped.
[[nodiscard]] inline std::vector<std::int64_t> listed_rung_levels(std::vector<std::int64_t> levels,
                                                                 std::int64_t max_resource,
                                                                 std::string_view who = "rung_levels") {
  const std::string text = detail::list_text(levels);
  if (levels.empty()) detail::bad_option(who, "rung_levels", text, "list at least one rung level");
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (levels[i] < 1) detail::bad_option(who, "rung_levels", text, "rung levels must be whole numbers >= 1");
    if (i > 0 && levels[i] <= levels[i - 1]) {
      detail::bad_option(who, "rung_levels", text, "rung levels must be strictly increasing");
    }
  }
  if (levels.back() > max_resource) {
    detail::bad_option(who, "rung_levels", text,
                       "the last level must not exceed the maximum resource, " + detail::to_text(max_resource));
  }
  if (levels.back() == max_resource) levels.pop_back();
  if (levels.empty()) {
    detail::bad_option(who, "rung_levels", text, "no rung level below the maximum resource: nothing to compare at");
  }
  return levels;
}

// A successive-halving ladder: rung levels, all below the maximum resource,
// which is the top.
class rung_ladder {
 public:
  rung_ladder(std::vector<std::int64_t> levels, std::int64_t max_resource)
      : levels_(std::move(levels)), max_resource_(max_resource) {}

  [[nodiscard]] std::size_t size() const noexcept { return levels_.size(); }
  [[nodiscard]] const std::vector<std::int64_t>& levels() const noexcept { return levels_; }
  [[nodiscard]] std::int64_t max_resource() const noexcept { return max_resource_; }
  // Level j, where level size() is the maximum resource.
  [[nodiscard]] std::int64_t level(std::size_t j) const { return j < levels_.size() ? levels_[j] : max_resource_; }
  // Syne Tune's promotion quantile q_j = level_j / level_{j+1}: the fraction
  // of a rung that goes on (1/eta, except below a top that is not a power).
  [[nodiscard]] double promotion_quantile(std::size_t j) const {
    return static_cast<double>(level(j)) / static_cast<double>(level(j + 1));
  }

 private:
  std::vector<std::int64_t> levels_;
  std::int64_t max_resource_;
};

// Asynchronous Hyperband's bracket distribution (Syne Tune's default):
// min(brackets, J + 1) brackets for J rungs, bracket s (which skips the
// lowest s rungs) drawn with probability proportional to the number of its
// trials in synchronous Hyperband, (J + 1) / ((J + 1 - s) * r_s), where r
// lists the rung levels followed by the maximum resource. Normalised.
[[nodiscard]] inline std::vector<double> bracket_weights(const rung_ladder& ladder, std::int64_t brackets) {
  const std::size_t ladder_size = ladder.size() + 1;
  const std::size_t count = std::min(static_cast<std::size_t>(std::max<std::int64_t>(brackets, 1)), ladder_size);
  std::vector<double> weights;
  double total = 0;
  for (std::size_t s = 0; s < count; ++s) {
    weights.push_back(static_cast<double>(ladder_size) /
                      (static_cast<double>(ladder_size - s) * static_cast<double>(ladder.level(s))));
    total += weights.back();
  }
  for (auto& weight : weights) weight /= total;
  return weights;
}

// Synchronous Hyperband (Li et al., JMLR 2018). s_max = floor(log_eta(R /
// r_min)); bracket s = s_max..0 starts n = ceil((s_max + 1) eta^s / (s + 1))
// trials at R eta^-s; rung i keeps floor(n eta^-i) trials at R eta^(i-s)
// (rounded half to even when R is not r_min times a power of eta).
struct hyperband_rung {
  std::int64_t trials = 0;
  std::int64_t level = 0;
};
struct hyperband_bracket {
  std::int64_t s = 0;
  std::vector<hyperband_rung> rungs;  // lowest level first; the last is at the maximum resource
};

[[nodiscard]] inline std::vector<hyperband_bracket> hyperband_brackets(std::int64_t min_resource,
                                                                     double reduction_factor,
                                                                     std::int64_t max_resource,
                                                                     std::string_view who = "hyperband_brackets") {
  using detail::to_text;
  using detail::uint128;
  if (min_resource < 1) detail::bad_option(who, "grace_period", to_text(min_resource), "must be at least 1");
  detail::check_reduction_factor(who, reduction_factor);
  if (reduction_factor != std::floor(reduction_factor)) {
    detail::bad_option(who, "reduction_factor", to_text(reduction_factor),
                       "synchronous Hyperband needs a whole number (its brackets keep floor(n / eta^i) trials)");
  }
  if (min_resource >= max_resource) {
    detail::bad_option(who, "grace_period", to_text(min_resource),
                       "must be below the maximum resource, " + to_text(max_resource));
  }
  const auto top = static_cast<std::uint64_t>(max_resource);
  // An eta above R / r_min leaves one bracket at R: any value that large serves.
  const auto eta = reduction_factor >= 0x1p62 ? top + 1 : static_cast<std::uint64_t>(reduction_factor);
  const auto ratio = static_cast<std::uint64_t>(max_resource / min_resource);  // floor: r_min eta^s <= R iff eta^s <= ratio
  std::vector<std::uint64_t> powers{1};  // eta^0 .. eta^s_max
  while (powers.back() <= ratio / eta) powers.push_back(powers.back() * eta);
  const std::size_t s_max = powers.size() - 1;
  std::vector<hyperband_bracket> brackets;
  for (std::size_t s = s_max + 1; s-- > 0;) {
    const uint128 numerator = static_cast<uint128>(s_max + 1) * powers[s];
    const uint128 first = (numerator + s) / (s + 1);  // ceil
    if (first > static_cast<uint128>(std::numeric_limits<std::int64_t>::max())) {
      detail::bad_option(who, "max_t", to_text(max_resource), "too large: a bracket would start over 2^63 trials");
    }
    hyperband_bracket bracket{.s = static_cast<std::int64_t>(s), .rungs = {}};
    for (std::size_t i = 0; i <= s; ++i) {
      const std::uint64_t divisor = powers[s - i];
      std::uint64_t level = top / divisor;  // R eta^(i-s), rounded half to even
      const uint128 twice_remainder = 2 * static_cast<uint128>(top % divisor);
      if (twice_remainder > divisor || (twice_remainder == divisor && (level & 1U) != 0)) ++level;
      bracket.rungs.push_back({.trials = static_cast<std::int64_t>(first / powers[i]),
                               .level = static_cast<std::int64_t>(level)});
    }
    brackets.push_back(std::move(bracket));
  }
  return brackets;
}

}  // namespace rung
