// Settings read from a JSON object one field at a time (a configuration
// space's domains, rung-tune's file): typed fields, each error naming the
// field and the value, fields not asked for refused.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "rung/util/json.hpp"

namespace rung::detail {

class json_fields {
 public:
  // object may be null (the section is absent): every field is then absent.
  json_fields(const json_value* object, std::string where) : object_(object), where_(std::move(where)) {
    if (object_ == nullptr) return;
    if (!object_->is_object()) bad_section("must be a JSON object");
    refuse_duplicate_keys();
  }

  [[nodiscard]] const json_value* raw(std::string_view key) {
    if (object_ == nullptr) return nullptr;
    if (std::find(read_.begin(), read_.end(), key) == read_.end()) read_.emplace_back(key);
    return object_->find(key);
  }
  std::optional<double> number(std::string_view key) {
    const auto* value = raw(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number()) bad(key, *value, "must be a number");
    return value->as_double();
  }
  std::optional<std::int64_t> integer(std::string_view key) {
    const auto* value = raw(key);
    if (value == nullptr) return std::nullopt;
    if (value->is_int64()) return value->as_int64();
    if (value->is_double() && std::trunc(value->as_double()) == value->as_double() &&
        std::abs(value->as_double()) < 0x1p53) {
      return static_cast<std::int64_t>(value->as_double());
    }
    bad(key, *value, "must be a whole number");
  }
  // Range-checked before any conversion: a count or a duration out of range
  // would overflow, or allocate without end, where it is used.
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) {
    const auto value = integer(key);
    if (value && (*value < min || *value > max)) {
      bad(key, *raw(key), "must be a whole number from " + to_text(min) + " to " + to_text(max));
    }
    return value;
  }
  std::optional<double> number(std::string_view key, double min, double max) {
    const auto value = number(key);
    if (value && !(*value >= min && *value <= max)) {
      bad(key, *raw(key), "must be a number from " + to_text(min) + " to " + to_text(max));
    }
    return value;
  }
  std::optional<std::string> text(std::string_view key) {
    const auto* value = raw(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) bad(key, *value, "must be a string");
    return value->as_string();
  }
  std::optional<bool> boolean(std::string_view key) {
    const auto* value = raw(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_bool()) bad(key, *value, "must be true or false");
    return value->as_bool();
  }
  std::optional<std::vector<int>> integers(std::string_view key) {
    const auto* value = raw(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_array()) bad(key, *value, "must be an array of whole numbers");
    std::vector<int> out;
    for (const auto& item : value->as_array()) {
      if (!item.is_int64() || item.as_int64() < 0 || item.as_int64() > 1'000'000) {
        bad(key, *value, "must be an array of whole numbers >= 0");
      }
      out.push_back(static_cast<int>(item.as_int64()));
    }
    return out;
  }
  std::optional<std::vector<std::string>> texts(std::string_view key) {
    const auto* value = raw(key);
    if (value == nullptr) return std::nullopt;
    std::vector<std::string> out;
    if (value->is_array()) {
      for (const auto& item : value->as_array()) {
        if (!item.is_string()) break;
        out.push_back(item.as_string());
      }
    }
    if (!value->is_array() || out.size() != value->as_array().size()) bad(key, *value, "must be an array of strings");
    return out;
  }
  // One of the given words.
  std::optional<std::string> word(std::string_view key, std::initializer_list<std::string_view> allowed) {
    auto value = text(key);
    if (!value) return std::nullopt;
    for (const auto candidate : allowed) {
      if (candidate == *value) return value;
    }
    std::string expected;
    for (const auto candidate : allowed) expected += (expected.empty() ? "" : ", ") + std::string(candidate);
    bad(key, json_value(*value), "must be one of " + expected);
  }

  // A field that must be there.
  template <class Value>
  Value required(std::optional<Value> value, std::string_view key) const {
    if (!value) bad(key, json_value(), "missing");
    return std::move(*value);
  }

  // Every field must have been asked for: a misspelt one would be ignored silently.
  void finish() const {
    if (object_ == nullptr) return;
    for (const auto& [key, value] : object_->as_object()) {
      if (std::find(read_.begin(), read_.end(), key) == read_.end()) {
        std::string expected;
        for (const auto& known : read_) expected += (expected.empty() ? "" : ", ") + known;
        bad(key, value, "unknown field; expected " + expected);
      }
    }
  }

  [[noreturn]] void bad(std::string_view key, const json_value& value, std::string_view rule) const {
    std::string text;
    append_json(text, value);
    if (text.size() > 80) text = text.substr(0, 80) + "...";
    throw std::invalid_argument(where_ + "." + std::string(key) + " = " + text + ": " + std::string(rule));
  }

 private:
  [[noreturn]] void bad_section(std::string_view rule) const {
    throw std::invalid_argument(where_ + ": " + std::string(rule));
  }

  // Python's json keeps the last of two equal keys without a word; a
  // settings file holding both means one of them is a mistake.
  void refuse_duplicate_keys() const {
    std::vector<std::string_view> keys;
    for (const auto& member : object_->as_object()) keys.emplace_back(member.first);
    std::sort(keys.begin(), keys.end());
    if (const auto twice = std::adjacent_find(keys.begin(), keys.end()); twice != keys.end()) {
      throw std::invalid_argument(where_ + "." + std::string(*twice) + ": given twice (each field may appear once)");
    }
  }

  const json_value* object_;
  std::string where_;
  std::vector<std::string> read_;  // the fields asked for, in order
};

}  // namespace rung::detail
