// A hyperparameter or metric value whose type is known only at run time:
// what the journal, results.csv and JSON hold.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "rung/util/format.hpp"

namespace rung {

using scalar_value = std::variant<std::int64_t, double, std::string>;

// The scalar a typed value is written as.
template <class Value>
scalar_value to_scalar(const Value& value) {
  if constexpr (std::is_same_v<Value, bool>) {
    return std::int64_t{value ? 1 : 0};
  } else if constexpr (std::is_integral_v<Value>) {
    return static_cast<std::int64_t>(value);
  } else if constexpr (std::is_floating_point_v<Value>) {
    return static_cast<double>(value);
  } else {
    return std::string(std::string_view(value));
  }
}

inline std::string to_text(const scalar_value& value) {
  return std::visit([](const auto& held) { return detail::to_text(held); }, value);
}

// Numbers read back from text may come as either alternative.
inline bool holds_number(const scalar_value& value) {
  return !std::holds_alternative<std::string>(value);
}

inline double as_double(const scalar_value& value) {
  if (const auto* integer = std::get_if<std::int64_t>(&value)) return static_cast<double>(*integer);
  return std::get<double>(value);
}

}  // namespace rung
