// What config_space and dynamic_config_space share about grids: the regular
// grid's axis of one domain, and saturating products of sizes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace rung::detail {

inline std::uint64_t multiply_saturating(std::uint64_t total, std::uint64_t factor) {
  constexpr auto limit = std::numeric_limits<std::uint64_t>::max();
  return factor != 0 && total > limit / factor ? limit : total * factor;
}

// The values one domain takes on the regular grid (Syne Tune's GridSearcher):
// every value of a finite domain, and for an interval the centres of
// `num_samples` equal cells of its unit encoding (integers: at most one per value).
template <class Domain>
std::vector<typename Domain::value_type> grid_axis(const Domain& domain, std::size_t num_samples) {
  using value_type = typename Domain::value_type;
  std::vector<value_type> values;
  if constexpr (requires { domain.values; }) {
    values.assign(domain.values.begin(), domain.values.end());
  } else if constexpr (requires { domain.value_at(0); }) {
    for (std::int64_t i = 0; i < domain.size; ++i) values.push_back(domain.value_at(i));
  } else if constexpr (requires { domain.from_unit(0.5); }) {
    std::size_t cells = num_samples;
    if constexpr (requires { domain.cardinality(); }) {
      cells = static_cast<std::size_t>(std::min<std::uint64_t>(cells, domain.cardinality()));
    }
    for (std::size_t i = 0; i < cells; ++i) {
      const value_type value = domain.from_unit((static_cast<double>(i) + 0.5) / static_cast<double>(cells));
      if (values.empty() || values.back() != value) values.push_back(value);
    }
  } else {
    values.push_back(domain.midpoint());
  }
  return values;
}

}  // namespace rung::detail
