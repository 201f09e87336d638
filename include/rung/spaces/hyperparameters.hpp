// Named hyperparameters: rung::loguniform<"learning_rate">(1e-2, 1.0) and
// friends. The name is part of the type; bounds are checked when the
// hyperparameter is made (at compile time when they are constants).
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "rung/fixed_string.hpp"
#include "rung/spaces/domains.hpp"

namespace rung {

template <fixed_string Name, class Domain>
struct hyperparameter {
  using domain_type = Domain;
  using value_type = typename Domain::value_type;
  static constexpr std::string_view name = Name.view();
  static constexpr std::size_t encoded_dims = Domain::encoded_dims;

  Domain domain;

  // Every domain encodes through one interface: one-dimensional domains map a
  // value to one unit coordinate, set-valued ones write several.
  void encode(const value_type& value, double* out) const {
    if constexpr (requires { domain.to_unit(value); }) {
      out[0] = domain.to_unit(value);
    } else if constexpr (encoded_dims > 0) {
      domain.encode(value, out);
    }
  }
  [[nodiscard]] value_type decode(const double* in) const {
    if constexpr (requires { domain.from_unit(in[0]); }) {
      return domain.from_unit(in[0]);
    } else if constexpr (encoded_dims > 0) {
      return domain.decode(in);
    } else {
      return domain.midpoint();
    }
  }
};

namespace detail {
template <fixed_string Name, class Domain>
constexpr hyperparameter<Name, Domain> make_hyperparameter(Domain domain) {
  domain.validate(Name.view());
  return {domain};
}

// Integers are held as int64, reals as double, text as a view of the literal.
template <class Value>
using normalized_t = std::conditional_t<
    std::is_same_v<std::decay_t<Value>, bool>, bool,
    std::conditional_t<std::is_integral_v<std::decay_t<Value>>, std::int64_t,
                       std::conditional_t<std::is_floating_point_v<std::decay_t<Value>>, double,
                                          std::string_view>>>;

template <class Value>
concept choice_value = std::is_arithmetic_v<std::decay_t<Value>> ||
                       std::is_same_v<std::decay_t<Value>, const char*> ||
                       std::is_array_v<std::remove_reference_t<Value>>;
}  // namespace detail

template <fixed_string Name>
constexpr auto uniform(double lower, double upper) {
  return detail::make_hyperparameter<Name>(real_interval<false>{lower, upper});
}

template <fixed_string Name>
constexpr auto loguniform(double lower, double upper) {
  return detail::make_hyperparameter<Name>(real_interval<true>{lower, upper});
}

// Both ends inclusive, as in Syne Tune (Ray Tune excludes the upper one).
template <fixed_string Name>
constexpr auto randint(std::int64_t lower, std::int64_t upper) {
  return detail::make_hyperparameter<Name>(integer_interval<false>{lower, upper});
}

template <fixed_string Name>
constexpr auto lograndint(std::int64_t lower, std::int64_t upper) {
  return detail::make_hyperparameter<Name>(integer_interval<true>{lower, upper});
}

template <fixed_string Name, class Size>
  requires std::integral<Size>
constexpr auto finrange(double lower, double upper, Size size) {
  return detail::make_hyperparameter<Name>(
      finite_range<false>{lower, upper, static_cast<std::int64_t>(size)});
}

template <fixed_string Name, class Size>
  requires std::integral<Size>
constexpr auto logfinrange(double lower, double upper, Size size) {
  return detail::make_hyperparameter<Name>(
      finite_range<true>{lower, upper, static_cast<std::int64_t>(size)});
}

// String values must be literals (or otherwise outlive the space): the
// configuration holds views of them.
template <fixed_string Name, detail::choice_value First, detail::choice_value... Rest>
constexpr auto choice(const First& first, const Rest&... rest) {
  using value_type = detail::normalized_t<First>;
  if constexpr ((std::is_same_v<value_type, detail::normalized_t<Rest>> && ...)) {
    return detail::make_hyperparameter<Name>(finite_set<value_type, 1 + sizeof...(Rest), false>{
        {value_type(first), value_type(rest)...}});
  } else {
    static_assert((std::is_same_v<value_type, detail::normalized_t<Rest>> && ...),
                  "rung::choice: all values must have the same kind (all integers, all reals or all strings)");
    // Never reached: a hyperparameter of the first value alone keeps follow-on errors out.
    return detail::make_hyperparameter<Name>(finite_set<value_type, 1, false>{{value_type(first)}});
  }
}

template <fixed_string Name, detail::choice_value First, detail::choice_value... Rest>
constexpr auto ordinal(const First& first, const Rest&... rest) {
  using value_type = detail::normalized_t<First>;
  if constexpr ((std::is_same_v<value_type, detail::normalized_t<Rest>> && ...)) {
    return detail::make_hyperparameter<Name>(finite_set<value_type, 1 + sizeof...(Rest), true>{
        {value_type(first), value_type(rest)...}});
  } else {
    static_assert((std::is_same_v<value_type, detail::normalized_t<Rest>> && ...),
                  "rung::ordinal: all values must have the same kind (all integers, all reals or all strings)");
    // Never reached: a hyperparameter of the first value alone keeps follow-on errors out.
    return detail::make_hyperparameter<Name>(finite_set<value_type, 1, true>{{value_type(first)}});
  }
}

template <fixed_string Name>
constexpr auto choice() {
  static_assert(Name.size() == 0 && Name.size() != 0,
                "rung::choice needs at least one value: choice<\"name\">(a, b, ...)");
  // Never reached: a hyperparameter keeps follow-on errors out of the space that holds it.
  return detail::make_hyperparameter<Name>(constant_value<double>{0.0});
}

template <fixed_string Name, detail::choice_value Value>
constexpr auto constant(const Value& value) {
  using value_type = detail::normalized_t<Value>;
  return detail::make_hyperparameter<Name>(constant_value<value_type>{value_type(value)});
}

}  // namespace rung
