// points_to_evaluate as Syne Tune treats them: nullopt means one default
// configuration (every domain's midpoint); each partial configuration is
// completed with midpoints; duplicates are dropped.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

#include "rung/concepts/config_space.hpp"

namespace rung::detail {

template <ConfigSpace Space>
class initial_points {
 public:
  using config_type = typename Space::config_type;
  using partial_type = typename Space::partial_type;

  initial_points(const Space& space, const std::optional<std::vector<partial_type>>& points) {
    if (!points) {
      add(space.midpoint());
      return;
    }
    for (const auto& partial : *points) add(space.complete(partial));
  }

  // The next initial configuration, or nullopt once all were handed out.
  std::optional<config_type> next() {
    if (next_ == points_.size()) return std::nullopt;
    return points_[next_++];
  }

  [[nodiscard]] bool contains(const config_type& config) const {
    return std::find(points_.begin(), points_.end(), config) != points_.end();
  }

  [[nodiscard]] std::size_t size() const noexcept { return points_.size(); }

 private:
  void add(config_type config) {
    if (!contains(config)) points_.push_back(std::move(config));
  }

  std::vector<config_type> points_;
  std::size_t next_ = 0;
};

}  // namespace rung::detail
