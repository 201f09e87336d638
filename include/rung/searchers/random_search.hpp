// Random search: configurations drawn independently from the space, after
// the initial points_to_evaluate. Seeded: the same seed gives the same
// sequence. On a finite space no configuration is proposed twice (unless
// allow_duplicates), and the searcher runs out once all have been proposed.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <vector>

#include "rung/concepts/config_space.hpp"
#include "rung/decision.hpp"
#include "rung/random.hpp"
#include "rung/searchers/detail/initial_points.hpp"
#include "rung/spaces/config_hash.hpp"

namespace rung {

template <ConfigSpace Space>
struct random_searcher_options {
  std::uint64_t seed = 0;
  // nullopt: start with the default configuration (midpoints), as Syne Tune
  // does; an empty list: no initial configurations.
  std::optional<std::vector<typename Space::partial_type>> points_to_evaluate = std::nullopt;
  bool allow_duplicates = false;
};

template <ConfigSpace Space>
class random_search {
 public:
  using space_type = Space;
  using config_type = typename Space::config_type;
  using options_type = random_searcher_options<Space>;

  // Draws before giving up on finding a configuration not proposed yet.
  static constexpr int max_draws_for_new_config = 10'000;

  explicit random_search(Space space, options_type options = {})
      : space_(std::move(space)),
        initial_(space_, options.points_to_evaluate),
        rng_(options.seed),
        track_duplicates_(!options.allow_duplicates && space_.cardinality().has_value()) {}

  std::optional<config_type> suggest(trial_id /*id*/) {
    if (auto initial = initial_.next()) {
      remember(*initial);
      return initial;
    }
    if (!track_duplicates_) return space_.sample(rng_);
    if (seen_.size() >= *space_.cardinality()) return std::nullopt;
    for (int draw = 0; draw < max_draws_for_new_config; ++draw) {
      auto config = space_.sample(rng_);
      if (remember(config)) return config;
    }
    return std::nullopt;
  }

  [[nodiscard]] const Space& space() const noexcept { return space_; }

 private:
  // True when the configuration had not been proposed before.
  bool remember(const config_type& config) {
    return !track_duplicates_ || seen_.insert(detail::config_hash(space_, config)).second;
  }

  Space space_;
  detail::initial_points<Space> initial_;
  random_stream rng_;
  bool track_duplicates_;
  std::unordered_set<std::uint64_t> seen_;
};

// A function, not the class name, so that the spelling
// `rung::asha(rung::random_searcher(space), {...})` compiles inside a
// declaration: g++ 12 reads a class template there as a parameter.
template <ConfigSpace Space>
[[nodiscard]] random_search<Space> random_searcher(Space space,
                                                   std::type_identity_t<random_searcher_options<Space>> options = {}) {
  return random_search<Space>(std::move(space), std::move(options));
}

}  // namespace rung
