// What the GP is fitted to: the reports so far as points (a configuration's
// unit-cube encoding plus its resource's coordinate) and standardised values
// to minimise, at most `max_observations` of them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

#include <Eigen/Core>

#include "rung/decision.hpp"
#include "rung/random.hpp"
#include "rung/searchers/detail/gp_kernel.hpp"

namespace rung::detail {

// One report: the trial's encoded point (an index into the searcher's
// points), the resource reached and the metric there, as reported.
struct gp_report {
  std::size_t point = 0;
  double resource = 0.0;
  double metric = 0.0;
};

struct gp_training_set {
  gp_points x;        // last column: the resource, log(1 + r) scaled to [0, 1] over the reports
  Eigen::VectorXd y;  // standardised, smaller is better
  double best = 0.0;  // the smallest y at the largest resource: EI's threshold there
};

// Values to minimise; NaN and infinities count as the worst finite value
// reported (as the schedulers rank NaN last), scaled so that standardising
// overflows for no magnitude.
inline std::vector<double> gp_values_to_minimise(const std::vector<gp_report>& reports, mode metric_mode) {
  std::vector<double> values(reports.size());
  double worst = -std::numeric_limits<double>::infinity();
  double largest = 0.0;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    values[i] = metric_mode == mode::max ? -reports[i].metric : reports[i].metric;
    if (std::isfinite(values[i])) {
      worst = std::max(worst, values[i]);
      largest = std::max(largest, std::abs(values[i]));
    }
  }
  if (!std::isfinite(worst)) worst = 0.0;
  const double scale = largest > 0 ? largest : 1.0;
  for (double& value : values) value = (std::isfinite(value) ? value : worst) / scale;
  return values;
}

// All reports while there are at most max_observations; beyond, the best
// quarter of those at the largest resource (where EI looks, so the incumbent
// stays in) and a seeded uniform sample of the rest. Cost linear in the reports.
inline gp_training_set gp_assemble_training_set(const std::vector<double>& encoded, std::size_t dims,
                                                const std::vector<gp_report>& reports, mode metric_mode,
                                                std::size_t max_observations, random_stream& rng) {
  const std::vector<double> values = gp_values_to_minimise(reports, metric_mode);
  std::vector<double> log_resource(reports.size());
  for (std::size_t i = 0; i < reports.size(); ++i) log_resource[i] = std::log1p(std::max(reports[i].resource, 0.0));
  const auto [low, high] = std::minmax_element(log_resource.begin(), log_resource.end());
  const double lowest = *low;
  const double highest = *high;

  std::vector<std::size_t> chosen(reports.size());
  std::iota(chosen.begin(), chosen.end(), std::size_t{0});
  if (reports.size() > max_observations) {
    std::vector<std::size_t> top;
    std::vector<std::size_t> rest;
    for (std::size_t i = 0; i < reports.size(); ++i) (log_resource[i] == highest ? top : rest).push_back(i);
    const std::size_t keep = std::min(top.size(), max_observations / 4);
    std::partial_sort(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(keep), top.end(),
                      [&](std::size_t a, std::size_t b) { return values[a] < values[b] || (values[a] == values[b] && a < b); });
    rest.insert(rest.end(), top.begin() + static_cast<std::ptrdiff_t>(keep), top.end());
    const std::size_t draw = max_observations - keep;
    for (std::size_t i = 0; i < draw; ++i) std::swap(rest[i], rest[i + rng.index(rest.size() - i)]);
    chosen.assign(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(keep));
    chosen.insert(chosen.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(draw));
    std::sort(chosen.begin(), chosen.end());
  }

  const auto n = static_cast<Eigen::Index>(chosen.size());
  gp_training_set set{gp_points(n, static_cast<Eigen::Index>(dims) + 1), Eigen::VectorXd(n), 0.0};
  for (Eigen::Index row = 0; row < n; ++row) {
    const gp_report& report = reports[chosen[static_cast<std::size_t>(row)]];
    for (std::size_t d = 0; d < dims; ++d) set.x(row, static_cast<Eigen::Index>(d)) = encoded[report.point * dims + d];
    const double coordinate = log_resource[chosen[static_cast<std::size_t>(row)]];
    set.x(row, static_cast<Eigen::Index>(dims)) = highest > lowest ? (coordinate - lowest) / (highest - lowest) : 1.0;
    set.y(row) = values[chosen[static_cast<std::size_t>(row)]];
  }
  const double mean = set.y.mean();
  const double sd = std::sqrt((set.y.array() - mean).square().mean());
  set.y = (set.y.array() - mean) / (sd > 1e-12 ? sd : 1.0);
  set.best = std::numeric_limits<double>::infinity();
  for (Eigen::Index row = 0; row < n; ++row) {
    if (set.x(row, static_cast<Eigen::Index>(dims)) == 1.0) set.best = std::min(set.best, set.y(row));
  }
  return set;
}

}  // namespace rung::detail
