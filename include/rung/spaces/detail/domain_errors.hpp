// The checks on hyperparameter domains. Each failure is a named, non-constexpr
// function: when the bounds are constants the check runs at compile time and
// the compiler's error names the function (the rule broken) and shows the call
// with the hyperparameter's name and values; at run time it throws
// std::invalid_argument with the same facts.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "rung/util/format.hpp"

namespace rung::detail {

template <class... Parts>
std::string hyperparameter_message(std::string_view name, const Parts&... parts) {
  std::string message = "hyperparameter '";
  message += name;
  message += "': ";
  ((message += to_text(parts)), ...);
  return message;
}

[[noreturn]] inline void hyperparameter_lower_bound_must_be_below_upper_bound(std::string_view name,
                                                                              double lower,
                                                                              double upper) {
  throw std::invalid_argument(hyperparameter_message(name, "lower bound ", lower,
                                                     " must be below upper bound ", upper));
}

[[noreturn]] inline void hyperparameter_bounds_must_be_finite(std::string_view name, double lower,
                                                              double upper) {
  throw std::invalid_argument(
      hyperparameter_message(name, "bounds must be finite, got [", lower, ", ", upper, "]"));
}

[[noreturn]] inline void hyperparameter_range_must_be_narrower(std::string_view name, double lower, double upper) {
  throw std::invalid_argument(hyperparameter_message(name, "the width of [", lower, ", ", upper,
                                                     "] overflows a double (upper - lower = inf)"));
}

[[noreturn]] inline void log_scale_lower_bound_must_be_positive(std::string_view name, double lower) {
  throw std::invalid_argument(hyperparameter_message(
      name, "a log-scale domain needs a lower bound > 0, got ", lower));
}

[[noreturn]] inline void log_scale_integer_lower_bound_must_be_at_least_1(std::string_view name,
                                                                          long long lower) {
  throw std::invalid_argument(hyperparameter_message(
      name, "lograndint needs a lower bound >= 1, got ", lower));
}

[[noreturn]] inline void finite_range_needs_at_least_2_values(std::string_view name, long long size) {
  throw std::invalid_argument(
      hyperparameter_message(name, "finrange/logfinrange needs size >= 2, got ", size));
}

[[noreturn]] inline void choice_values_must_be_distinct(std::string_view name, std::string_view value) {
  throw std::invalid_argument(
      hyperparameter_message(name, "the value ", value, " is listed twice"));
}

[[noreturn]] inline void value_outside_hyperparameter_domain(std::string_view name,
                                                             std::string_view value,
                                                             std::string_view domain) {
  throw std::invalid_argument(
      hyperparameter_message(name, "value ", value, " is not in the domain ", domain));
}

[[noreturn]] inline void encoded_point_has_wrong_size(std::size_t given, std::size_t expected) {
  throw std::invalid_argument("decode: " + to_text(given) + " coordinates given, the space encodes to " +
                              to_text(expected));
}

}  // namespace rung::detail
