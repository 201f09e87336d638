// The ConfigSpace role: what searchers, schedulers and the recorders need of
// a configuration space. rung::config_space (compile-time names and types)
// models it; so can a space built at run time (from a JSON file, say).
// EncodableSpace adds what model-based searchers need of the unit-cube
// encoding: how each hyperparameter's coordinates are to be read, and the
// way back from a point of the cube to a configuration.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <ranges>
#include <span>
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

// How a hyperparameter's encoded coordinates are to be modelled.
enum class encoded_kind : std::uint8_t {
  real,         // one coordinate, continuous (uniform, loguniform)
  integer,      // one coordinate, a cell per integer (equal for randint, equal in log scale for lograndint)
  categorical,  // one-hot over `width` coordinates, unordered (choice); a constant has width 0
  ordinal,      // one coordinate, each value the centre of an equal cell (ordinal, finrange)
};

// One hyperparameter's place in encode()'s output. The name is a view into
// the space, valid while it lives.
struct encoded_hyperparameter {
  std::string_view name;
  encoded_kind kind = encoded_kind::real;
  std::size_t offset = 0;  // its first coordinate
  std::size_t width = 0;   // its coordinates: 1, a choice's number of values, 0 for a constant
  std::optional<std::uint64_t> num_values = std::nullopt;  // how many values, when finite (saturating)
};

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

// encoding() lists every hyperparameter in order; their widths add up to
// encoded_size(), and decode() takes that many coordinates (each clamped to
// [0, 1]; a one-hot group's largest wins).
template <class Space>
concept EncodableSpace =
    ConfigSpace<Space> && requires(const Space& space, std::span<const double> unit) {
      { space.encoded_size() } -> std::same_as<std::size_t>;
      { space.encoding() } -> std::ranges::random_access_range;
      requires std::same_as<std::ranges::range_value_t<decltype(space.encoding())>, encoded_hyperparameter>;
      { space.decode(unit) } -> std::same_as<typename Space::config_type>;
    };

}  // namespace rung
