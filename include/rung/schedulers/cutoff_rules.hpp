// The cutoff rules of the systems rung measures itself against; each models
// CutoffRule (concepts/cutoff_rule.hpp). An entry goes on when it is at
// least as good as the cutoff.
//
//   interpolated_quantile  Syne Tune v0.13 (the default): the linearly
//                          interpolated q_j-quantile of all values at the
//                          rung, the judged one included; none below 2 values.
//   top_k_rank             the ASHA paper, Optuna's SuccessiveHalvingPruner,
//                          Determined: the k-th best value, k = floor(n / eta)
//                          (at least 1 when stopping, so a lone trial goes on).
//   percentile_of_others   Ray Tune's ASHAScheduler: the (1 - 1/eta) percentile
//                          of the OTHER values (larger is better, as Ray flips
//                          signs), numpy's linear method; none for the first.
//
// NaN is the worst value in every rule (Ray's nanpercentile skips NaN, so a
// NaN there could disable stopping: Ray #6659).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string_view>

#include "rung/concepts/cutoff_rule.hpp"
#include "rung/schedulers/detail/dyadic.hpp"

namespace rung {

namespace detail {
// `better` is at least as good as `worse`; weight is worse's share.
// Equal ends give that value exactly (as numpy does), so a tie is a tie.
[[nodiscard]] inline double interpolate(double better_value, double worse_value, double weight) {
  if (better_value == worse_value || weight <= 0) return better_value;
  if (weight >= 1) return worse_value;
  const double value = weight * worse_value + (1 - weight) * better_value;
  return std::isnan(value) ? worse_value : value;  // -inf and +inf mixed: the worse
}
}  // namespace detail

struct interpolated_quantile {
  static constexpr std::string_view name = "interpolated_quantile";

  // Syne Tune's Rung.quantile interpolates g * b + (1 - g) * a, which for
  // a == b can land an ulp below a (0.22 -> 0.21999999999999997), so a trial
  // tied with the cutoff may stop. By default equal ends give exactly their
  // value, as numpy.quantile does and as Syne Tune documents ("ties are good
  // enough"); true reproduces Syne Tune's decisions bit for bit.
  bool syne_tune_rounding = false;

  // Syne Tune's Rung.quantile, operation for operation: numpy.quantile of
  // the values at q (mode min) or 1 - q (mode max).
  template <RankedValues V>
  [[nodiscard]] std::optional<double> cutoff(const V& values, const cutoff_query& query) const {
    const std::size_t n = values.size();
    if (n < 2) return std::nullopt;
    const bool minimising = query.mode == mode::min;
    const double q = minimising ? query.quantile : 1 - query.quantile;
    const double virtual_index = static_cast<double>(n - 1) * q + 1;
    auto index = static_cast<std::size_t>(virtual_index);
    double fraction = virtual_index - static_cast<double>(index);
    if (index >= n) {  // q rounded to 1 (levels 2^62 apart by one): the last value
      index = n - 1;
      fraction = 1;
    }
    const std::size_t left = minimising ? index - 1 : n - index - 1;  // values are best first
    const double weight = minimising ? fraction : 1 - fraction;
    if (syne_tune_rounding) return weight * values.at(left + 1) + (1 - weight) * values.at(left);
    return detail::interpolate(values.at(left), values.at(left + 1), weight);
  }
};

struct top_k_rank {
  static constexpr std::string_view name = "top_k_rank";

  template <RankedValues V>
  [[nodiscard]] std::optional<double> cutoff(const V& values, const cutoff_query& query) const {
    std::size_t k = detail::floor_divide(values.size(), detail::to_dyadic(query.reduction_factor));
    if (query.use == cutoff_use::stopping) k = std::max<std::size_t>(k, 1);
    if (k == 0 || values.size() == 0) return std::nullopt;
    return values.at(k - 1);
  }
};

struct percentile_of_others {
  static constexpr std::string_view name = "percentile_of_others";
  static constexpr bool reads_candidate_rank = true;

  template <RankedValues V>
  [[nodiscard]] std::optional<double> cutoff(const V& values, const cutoff_query& query) const {
    if (values.size() < 2) return std::nullopt;
    const std::size_t others = values.size() - 1;
    const double sign = query.mode == mode::min ? -1.0 : 1.0;  // Ray's metric_op: larger is better
    // The i-th smallest signed value of the others is the i-th worst of them.
    const auto signed_at = [&](std::size_t i) {
      std::size_t rank = others - 1 - i;
      if (rank >= query.candidate_rank) ++rank;  // skip the judged entry
      return sign * values.at(rank);
    };
    const double q = (1 - 1 / query.reduction_factor) * 100 / 100;  // numpy.percentile's p / 100
    const double virtual_index = static_cast<double>(others - 1) * q;
    const auto below = static_cast<std::size_t>(std::floor(virtual_index));
    const std::size_t above = std::min(below + 1, others - 1);
    const double a = signed_at(below);
    const double b = signed_at(above);
    const double t = virtual_index - static_cast<double>(below);
    return sign * numpy_lerp(a, b, t);
  }

 private:
  // numpy's _lerp, including its switch of form at t = 0.5; equal ends exact.
  static double numpy_lerp(double a, double b, double t) {
    if (a == b || t <= 0) return a;
    const double difference = b - a;
    const double value = t >= 0.5 ? b - difference * (1 - t) : a + difference * t;
    return std::isnan(value) ? std::min(a, b) : value;  // infinities: the worse (smaller) end
  }
};

}  // namespace rung
