// Grid search (Syne Tune's GridSearcher): points_to_evaluate first, then the
// regular grid over the space (config_space::grid), in a seeded shuffled
// order unless shuffle is false; grid points equal to an initial point are
// skipped. The searcher runs out after the last grid point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "rung/concepts/config_space.hpp"
#include "rung/decision.hpp"
#include "rung/searchers/detail/index_permutation.hpp"
#include "rung/searchers/detail/initial_points.hpp"

namespace rung {

template <ConfigSpace Space>
struct grid_searcher_options {
  std::size_t num_samples = 5;  // grid points per interval hyperparameter
  bool shuffle = true;
  std::uint64_t seed = 0;
  std::optional<std::vector<typename Space::partial_type>> points_to_evaluate =
      std::vector<typename Space::partial_type>{};
};

template <ConfigSpace Space>
class grid_search {
 public:
  using space_type = Space;
  using config_type = typename Space::config_type;
  using options_type = grid_searcher_options<Space>;
  static constexpr bool exhaustible = true;

  explicit grid_search(Space space, options_type options = {})
      : space_(std::move(space)),
        initial_(space_, options.points_to_evaluate),
        grid_(space_.grid(options.num_samples)),
        order_(grid_.size(), options.seed),
        shuffle_(options.shuffle) {}

  std::optional<config_type> suggest(trial_id /*id*/) {
    if (auto initial = initial_.next()) return initial;
    while (next_ < grid_.size()) {
      const std::uint64_t index = shuffle_ ? order_(next_) : next_;
      ++next_;
      auto config = grid_.at(index);
      if (!initial_.contains(config)) return config;
    }
    return std::nullopt;
  }

  [[nodiscard]] const Space& space() const noexcept { return space_; }
  [[nodiscard]] std::uint64_t grid_size() const noexcept { return grid_.size(); }

 private:
  Space space_;
  detail::initial_points<Space> initial_;
  typename Space::grid_type grid_;
  detail::index_permutation order_;
  bool shuffle_;
  std::uint64_t next_ = 0;
};

// A function, not the class name: see random_searcher() in random_search.hpp.
template <ConfigSpace Space>
[[nodiscard]] grid_search<Space> grid_searcher(Space space,
                                               std::type_identity_t<grid_searcher_options<Space>> options = {}) {
  return grid_search<Space>(std::move(space), std::move(options));
}

}  // namespace rung
