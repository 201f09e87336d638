// Reads a configuration space from JSON: {"name": domain, ...}, a domain
// being {"type": "loguniform", "lower": 1e-4, "upper": 0.1} and the like, or
// a bare value (a constant). Errors name the field and the value found.
#pragma once

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rung/detail/json.hpp"
#include "rung/dynamic_domains.hpp"
#include "rung/scalar.hpp"

namespace rung::detail {

class dynamic_space_reader {
 public:
  explicit dynamic_space_reader(std::string where) : where_(std::move(where)) {}

  [[noreturn]] void bad(std::string_view field, const json_value& value, std::string_view rule) const {
    std::string text;
    append_json(text, value);
    throw std::invalid_argument(where_ + "." + std::string(field) + " = " + printable_json(text) + ": " +
                                std::string(rule));
  }

  std::vector<std::pair<std::string, dynamic_domain>> read(const json_value& document) const {
    if (!document.is_object()) bad_whole(document, "must be a JSON object {\"name\": domain, ...}");
    std::vector<std::pair<std::string, dynamic_domain>> space;
    for (const auto& [name, domain] : document.as_object()) space.emplace_back(name, read_domain(name, domain));
    return space;
  }

 private:
  [[noreturn]] void bad_whole(const json_value& value, std::string_view rule) const {
    std::string text;
    append_json(text, value);
    throw std::invalid_argument(where_ + " = " + printable_json(text) + ": " + std::string(rule));
  }

  static std::string printable_json(const std::string& text) {
    return text.size() > 80 ? text.substr(0, 80) + "..." : text;
  }

  dynamic_domain read_domain(const std::string& name, const json_value& value) const {
    if (!value.is_object()) return {name, dynamic_constant{scalar(name, value)}};
    const json_value* type = value.find("type");
    if (type == nullptr || !type->is_string()) {
      bad(name + ".type", type ? *type : json_value(), "name the domain: uniform, loguniform, randint, lograndint, "
                                                       "finrange, logfinrange, choice, ordinal or constant");
    }
    const std::string& kind = type->as_string();
    if (kind == "uniform" || kind == "loguniform") {
      expect_fields(name, value, {"type", "lower", "upper"});
      const double lower = number(name, value, "lower");
      const double upper = number(name, value, "upper");
      if (kind == "uniform") return {name, real_interval<false>{lower, upper}};
      return {name, real_interval<true>{lower, upper}};
    }
    if (kind == "randint" || kind == "lograndint") {
      expect_fields(name, value, {"type", "lower", "upper"});
      const std::int64_t lower = integer(name, value, "lower");
      const std::int64_t upper = integer(name, value, "upper");
      if (kind == "randint") return {name, integer_interval<false>{lower, upper}};
      return {name, integer_interval<true>{lower, upper}};
    }
    if (kind == "finrange" || kind == "logfinrange") {
      expect_fields(name, value, {"type", "lower", "upper", "size"});
      const double lower = number(name, value, "lower");
      const double upper = number(name, value, "upper");
      const std::int64_t size = integer(name, value, "size");
      if (kind == "finrange") return {name, finite_range<false>{lower, upper, size}};
      return {name, finite_range<true>{lower, upper, size}};
    }
    if (kind == "choice" || kind == "ordinal") {
      expect_fields(name, value, {"type", "values"});
      const json_value& values = field(name, value, "values");
      if (!values.is_array() || values.as_array().empty()) bad(name + ".values", values, "must be a non-empty array");
      dynamic_finite_set set{{}, kind == "ordinal"};
      for (const auto& item : values.as_array()) set.values.push_back(scalar(name + ".values", item));
      return {name, std::move(set)};
    }
    if (kind == "constant") {
      expect_fields(name, value, {"type", "value"});
      return {name, dynamic_constant{scalar(name + ".value", field(name, value, "value"))}};
    }
    bad(name + ".type", *type, "unknown domain; expected uniform, loguniform, randint, lograndint, finrange, "
                               "logfinrange, choice, ordinal or constant");
  }

  void expect_fields(const std::string& name, const json_value& domain,
                     std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, item] : domain.as_object()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string expected;
        for (const auto field_name : allowed) expected += (expected.empty() ? "" : ", ") + std::string(field_name);
        bad(name + "." + key, item, "unknown field for this type; expected " + expected);
      }
    }
  }

  const json_value& field(const std::string& name, const json_value& domain, std::string_view key) const {
    const json_value* found = domain.find(key);
    if (found == nullptr) bad(name + "." + std::string(key), json_value(), "missing");
    return *found;
  }

  double number(const std::string& name, const json_value& domain, std::string_view key) const {
    const json_value& value = field(name, domain, key);
    if (!value.is_number()) bad(name + "." + std::string(key), value, "must be a number");
    return value.as_double();
  }

  std::int64_t integer(const std::string& name, const json_value& domain, std::string_view key) const {
    const json_value& value = field(name, domain, key);
    if (value.is_int64()) return value.as_int64();
    if (value.is_double() && std::trunc(value.as_double()) == value.as_double() &&
        std::abs(value.as_double()) < 0x1p53) {
      return static_cast<std::int64_t>(value.as_double());
    }
    bad(name + "." + std::string(key), value, "must be a whole number");
  }

  scalar_value scalar(const std::string& field_name, const json_value& value) const {
    if (const auto converted = to_scalar_value(value)) return *converted;
    bad(field_name, value, "must be a number or a string");
  }

  std::string where_;
};

inline std::vector<std::pair<std::string, dynamic_domain>> read_dynamic_space(const json_value& document,
                                                                              std::string_view where) {
  return dynamic_space_reader(std::string(where)).read(document);
}

}  // namespace rung::detail
