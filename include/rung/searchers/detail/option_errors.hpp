// The error a searcher gives for a bad option: the options type, the field,
// the value and the rule, e.g.
// "kde_searcher_options.num_min_points = 1: must be at least 2".
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace rung::detail {

[[noreturn]] inline void bad_searcher_option(std::string_view options, std::string_view field, std::string_view value,
                                             std::string_view rule) {
  throw std::invalid_argument(std::string(options) + "." + std::string(field) + " = " + std::string(value) + ": " +
                              std::string(rule));
}

}  // namespace rung::detail
