// A configuration is a typed value: one field per hyperparameter, read by
// name. cfg.get<"learning_rate">() is a double; a name not in the space, or a
// read as another type, does not compile.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "rung/fixed_string.hpp"

namespace rung {

namespace detail {
template <fixed_string Name, class... Hyperparameters>
consteval std::size_t index_of_name() {
  constexpr std::string_view names[] = {Hyperparameters::name..., std::string_view{}};
  for (std::size_t i = 0; i < sizeof...(Hyperparameters); ++i) {
    if (names[i] == Name.view()) return i;
  }
  return sizeof...(Hyperparameters);
}

template <class... Hyperparameters>
consteval bool names_are_distinct() {
  constexpr std::string_view names[] = {Hyperparameters::name..., std::string_view{}};
  for (std::size_t i = 0; i < sizeof...(Hyperparameters); ++i) {
    for (std::size_t j = i + 1; j < sizeof...(Hyperparameters); ++j) {
      if (names[i] == names[j]) return false;
    }
  }
  return true;
}

// Instantiated (by sizeof) in the else of an accessor's if-constexpr when
// the name is not the configuration's: its message is then the first error a
// misspelt name gives, before anything the missing value would cause.
template <fixed_string Name>
struct no_hyperparameter_named {
  static_assert(Name.size() != Name.size(),
                "rung: this configuration has no hyperparameter of that name; "
                "the name must be spelled exactly as in the config_space");
};
}  // namespace detail

template <class... Hyperparameters>
class configuration {
 public:
  using values_type = std::tuple<typename Hyperparameters::value_type...>;
  static constexpr std::size_t size = sizeof...(Hyperparameters);

  template <fixed_string Name>
  static constexpr bool has = detail::index_of_name<Name, Hyperparameters...>() < size;

  template <fixed_string Name>
    requires has<Name>
  using value_type_of =
      std::tuple_element_t<detail::index_of_name<Name, Hyperparameters...>(), values_type>;

  constexpr configuration() = default;
  constexpr explicit configuration(values_type values) : values_(std::move(values)) {}

  // The value of hyperparameter Name, of exactly the type its domain holds.
  template <fixed_string Name>
  [[nodiscard]] constexpr decltype(auto) get() const {
    if constexpr (has<Name>) {
      return std::get<detail::index_of_name<Name, Hyperparameters...>()>(values_);
    } else {
      static_cast<void>(sizeof(detail::no_hyperparameter_named<Name>));
      return 0.0;  // never reached: keeps follow-on errors out of the caller
    }
  }

  // The same, stating the type: fails to compile when the type is not the one held.
  template <fixed_string Name, class Expected>
  [[nodiscard]] constexpr decltype(auto) get() const {
    if constexpr (!has<Name>) {
      static_cast<void>(sizeof(detail::no_hyperparameter_named<Name>));
      return Expected{};  // never reached: keeps follow-on errors out of the caller
    } else if constexpr (std::is_same_v<value_type_of<Name>, Expected>) {
      return get<Name>();
    } else {
      static_assert(std::is_same_v<value_type_of<Name>, Expected>,
                    "rung: the hyperparameter is read as a type it does not hold: randint/lograndint "
                    "hold std::int64_t, uniform/loguniform/finrange double, string choices "
                    "std::string_view");
      return Expected{};  // never reached: keeps follow-on errors out of the caller
    }
  }

  // Calls visit(name, value) for every hyperparameter, in the space's order.
  template <class Visitor>
  constexpr void for_each(Visitor&& visit) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (visit(Hyperparameters::name, std::get<I>(values_)), ...);
    }(std::make_index_sequence<size>{});
  }

  [[nodiscard]] constexpr const values_type& values() const noexcept { return values_; }

  friend constexpr bool operator==(const configuration&, const configuration&) = default;

 private:
  values_type values_{};
};

// A configuration with some values left open (points_to_evaluate): the
// searcher fills the rest with each domain's midpoint, as Syne Tune does.
template <class... Hyperparameters>
class partial_configuration {
 public:
  using values_type = std::tuple<std::optional<typename Hyperparameters::value_type>...>;

  constexpr partial_configuration() = default;
  // A full configuration is a partial one with every value given (points
  // to evaluate from a table, a previous tuning's best).
  constexpr partial_configuration(const configuration<Hyperparameters...>& full)  // NOLINT: implicit on purpose
      : values_(std::apply([](const auto&... value) { return values_type(value...); }, full.values())) {}

  template <fixed_string Name, class Value>
  constexpr partial_configuration& set(const Value& value) & {
    constexpr std::size_t index = detail::index_of_name<Name, Hyperparameters...>();
    if constexpr (index >= sizeof...(Hyperparameters)) {
      static_cast<void>(sizeof(detail::no_hyperparameter_named<Name>));
    } else {
      using held = typename std::tuple_element_t<index, values_type>::value_type;
      if constexpr (std::is_convertible_v<const Value&, held>) {
        std::get<index>(values_) = held(value);
      } else {
        static_assert(std::is_convertible_v<const Value&, held>,
                      "rung: the value given cannot be held by this hyperparameter");
      }
    }
    return *this;
  }

  template <fixed_string Name, class Value>
  constexpr partial_configuration&& set(const Value& value) && {
    return std::move(set<Name>(value));
  }

  [[nodiscard]] constexpr const values_type& values() const noexcept { return values_; }

 private:
  values_type values_{};
};

}  // namespace rung
