// Reads a configuration space from JSON: {"name": domain, ...}, a domain
// being {"type": "loguniform", "lower": 1e-4, "upper": 0.1} and the like, or
// a bare value (a constant). A constant list or object is no hyperparameter
// (a configuration holds scalars): it is kept as JSON text, passed through
// to the program. Errors name the field and the value found.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rung/spaces/dynamic_domains.hpp"
#include "rung/util/json.hpp"
#include "rung/util/json_fields.hpp"
#include "rung/util/scalar.hpp"

namespace rung::detail {

struct dynamic_space_parts {
  std::vector<std::pair<std::string, dynamic_domain>> domains;
  std::vector<std::pair<std::string, std::string>> json_constants;  // name, JSON text
};

class dynamic_space_reader {
 public:
  explicit dynamic_space_reader(std::string where) : where_(std::move(where)) {}

  dynamic_space_parts read(const json_value& document) const {
    if (!document.is_object()) {
      std::string text;
      append_json(text, document);
      throw std::invalid_argument(where_ + " = " + text.substr(0, 80) +
                                  ": must be a JSON object {\"name\": domain, ...}");
    }
    dynamic_space_parts space;
    for (const auto& [name, domain] : document.as_object()) {
      if (auto text = json_constant(name, domain)) {
        space.json_constants.emplace_back(name, std::move(*text));
      } else {
        space.domains.emplace_back(name, read_domain(name, domain));
      }
    }
    return space;
  }

 private:
  // A constant list or object as JSON text: a bare list, or either as {"type": "constant", "value": ...} (a
  // bare object is a domain, so that a misspelt one is refused). Nothing for any other domain.
  std::optional<std::string> json_constant(const std::string& name, const json_value& domain) const {
    const json_value* value = &domain;
    if (domain.is_object()) {
      const json_value* kind = domain.find("type");
      if (kind == nullptr || *kind != json_value("constant")) return std::nullopt;
      json_fields fields(&domain, where_ + "." + name);
      (void)fields.text("type");
      value = fields.raw("value");
      fields.finish();
      if (value == nullptr) return std::nullopt;  // read_domain says it is missing
    }
    if (!value->is_array() && !value->is_object()) return std::nullopt;
    std::string text;
    append_json(text, *value);
    return text;
  }

  dynamic_domain read_domain(const std::string& name, const json_value& value) const {
    if (!value.is_object()) return {name, dynamic_constant{scalar(json_fields(nullptr, where_), name, value)}};
    json_fields fields(&value, where_ + "." + name);
    const auto kind = fields.word("type", {"uniform", "loguniform", "randint", "lograndint", "finrange", "logfinrange",
                                           "choice", "ordinal", "constant"});
    if (!kind) {
      fields.bad("type", json_value(),
                 "missing: name the domain (uniform, loguniform, randint, ...), or pass an object to the program as "
                 "{\"type\": \"constant\", \"value\": {...}}");
    }
    auto domain = read_typed(name, *kind, fields);
    fields.finish();
    return domain;
  }

  dynamic_domain read_typed(const std::string& name, const std::string& kind, json_fields& fields) const {
    if (kind == "uniform" || kind == "loguniform") {
      const double lower = fields.required(fields.number("lower"), "lower");
      const double upper = fields.required(fields.number("upper"), "upper");
      if (kind == "uniform") return {name, real_interval<false>{lower, upper}};
      return {name, real_interval<true>{lower, upper}};
    }
    if (kind == "randint" || kind == "lograndint") {
      const std::int64_t lower = fields.required(fields.integer("lower"), "lower");
      const std::int64_t upper = fields.required(fields.integer("upper"), "upper");
      if (kind == "randint") return {name, integer_interval<false>{lower, upper}};
      return {name, integer_interval<true>{lower, upper}};
    }
    if (kind == "finrange" || kind == "logfinrange") {
      const double lower = fields.required(fields.number("lower"), "lower");
      const double upper = fields.required(fields.number("upper"), "upper");
      const std::int64_t size = fields.required(fields.integer("size"), "size");
      if (kind == "finrange") return {name, finite_range<false>{lower, upper, size}};
      return {name, finite_range<true>{lower, upper, size}};
    }
    if (kind == "choice" || kind == "ordinal") {
      const json_value* values = fields.raw("values");
      if (values == nullptr) fields.bad("values", json_value(), "missing");
      if (!values->is_array() || values->as_array().empty()) fields.bad("values", *values, "must be a non-empty array");
      dynamic_finite_set set{{}, kind == "ordinal"};
      for (const auto& item : values->as_array()) set.values.push_back(scalar(fields, "values", item));
      return {name, std::move(set)};
    }
    const json_value* constant = fields.raw("value");
    if (constant == nullptr) fields.bad("value", json_value(), "missing");
    return {name, dynamic_constant{scalar(fields, "value", *constant)}};
  }

  static scalar_value scalar(const json_fields& fields, std::string_view key, const json_value& value) {
    if (const auto converted = to_scalar_value(value)) return *converted;
    const bool structured = value.is_array() || value.is_object();
    fields.bad(key, value, structured ? "must be a number or a string (a list or an object only as a constant)"
                                      : "must be a number or a string");
  }

  std::string where_;
};

inline dynamic_space_parts read_dynamic_space(const json_value& document, std::string_view where) {
  return dynamic_space_reader(std::string(where)).read(document);
}

}  // namespace rung::detail
