// The ConfigSpace role: what searchers, schedulers and the recorders need of
// a configuration space. rung::config_space (compile-time names and types)
// models it; so can a space built at run time (from a JSON file, say).
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>

#include "rung/random.hpp"
#include "rung/util/scalar.hpp"

namespace rung {

namespace detail {
// Calls visit(name, value) once per hyperparameter; the archetype checks that.
struct value_visitor_archetype {
  template <class Value>
  void operator()(std::string_view /*name*/, const Value& /*value*/) const {}
};
struct scalar_finder_archetype {
  const scalar_value* operator()(std::string_view /*name*/) const { return nullptr; }
};
}  // namespace detail

// Semiregular: trial records and results hold a Config{} until one is given.
template <class Config>
concept Configuration = std::semiregular<Config> && std::equality_comparable<Config> &&
                        requires(const Config& config, detail::value_visitor_archetype visit) {
                          config.for_each(visit);
                        };

template <class Space>
concept ConfigSpace =
    std::copyable<Space> && Configuration<typename Space::config_type> &&
    requires(const Space& space, const typename Space::config_type& config,
             const typename Space::partial_type& partial, random_stream& rng, std::string& out,
             detail::scalar_finder_archetype find) {
      { space.sample(rng) } -> std::same_as<typename Space::config_type>;
      { space.midpoint() } -> std::same_as<typename Space::config_type>;
      { space.complete(partial) } -> std::same_as<typename Space::config_type>;
      { space.contains(config) } -> std::same_as<bool>;
      { space.cardinality() } -> std::same_as<std::optional<std::uint64_t>>;
      { space.names() } -> std::ranges::range;
      { space.encode(config) } -> std::ranges::contiguous_range;
      space.append_json(out, config);
      { space.from_scalars(find) } -> std::same_as<typename Space::config_type>;
      { space.describe_json() } -> std::convertible_to<std::string>;
      // Named, since grid search holds the grid as a member.
      { space.grid(std::size_t{5}) } -> std::same_as<typename Space::grid_type>;
      { space.grid(std::size_t{5}).size() } -> std::same_as<std::uint64_t>;
      { space.grid(std::size_t{5}).at(std::uint64_t{0}) } -> std::same_as<typename Space::config_type>;
    };

}  // namespace rung
