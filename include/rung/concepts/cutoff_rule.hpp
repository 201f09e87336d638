// The CutoffRule role: how good a value must be to go on at a rung. Given
// the values recorded at the rung (best first) and the entry being judged,
// a rule returns the cutoff, or nullopt when it cannot judge yet (too few
// values). An entry goes on (continues, or is promoted) when it is at least
// as good as the cutoff: ties are good enough, and a NaN metric, the worst
// value, is never good enough. Rules: schedulers/cutoff_rules.hpp.
// A rule that reads query.candidate_rank (Ray's, which leaves the judged
// entry out) says so with `static constexpr bool reads_candidate_rank =
// true`; for the others the rank is not computed (it costs a leaf scan).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "rung/decision.hpp"

namespace rung {

// Why the rung is consulted: a stopping scheduler judges a trial that
// just arrived (it must go on or stop now); a promotion scheduler judges a
// paused trial that may wait for more evidence.
enum class cutoff_use : std::uint8_t { stopping, promotion };

struct cutoff_query {
  rung::mode mode = rung::mode::min;
  double quantile = 0.5;           // Syne Tune's q_j = r_j / r_{j+1}: the fraction of the rung that goes on
  double reduction_factor = 3.0;   // eta
  cutoff_use use = cutoff_use::stopping;
  std::size_t candidate_rank = 0;  // the judged entry's rank (0 = best), for rules that read it
};

template <class R>
inline constexpr bool reads_candidate_rank = [] {
  if constexpr (requires { R::reads_candidate_rank; }) {
    return bool{R::reads_candidate_rank};
  } else {
    return false;
  }
}();

// Values recorded at a rung in rank order, best first. NaN arrives as the
// worst value (+infinity for mode min, -infinity for max: rank_value()).
template <class V>
concept RankedValues = requires(const V& values, std::size_t rank) {
  { values.size() } -> std::same_as<std::size_t>;
  { values.at(rank) } -> std::same_as<double>;
};

namespace detail {
struct ranked_values_archetype {
  [[nodiscard]] std::size_t size() const { return 0; }
  [[nodiscard]] double at(std::size_t /*rank*/) const { return 0.0; }
};
}  // namespace detail

template <class R>
concept CutoffRule = std::copyable<R> && std::default_initializable<R> &&
                     requires(const R& rule, const detail::ranked_values_archetype& values, const cutoff_query& query) {
                       { rule.cutoff(values, query) } -> std::same_as<std::optional<double>>;
                       { R::name } -> std::convertible_to<std::string_view>;
                     };

// True when `value` is good enough against `cutoff` (ties are).
[[nodiscard]] inline bool at_least_as_good(mode m, double value, double cutoff) noexcept {
  return !better(m, cutoff, value);
}

}  // namespace rung
