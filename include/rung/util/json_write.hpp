// Writing JSON text. Non-finite numbers are written as NaN / Infinity, as
// Python's json module and pandas read and write them.
#pragma once

#include <string>
#include <string_view>

#include "rung/util/format.hpp"
#include "rung/util/scalar.hpp"

namespace rung::detail {

inline void append_json_string(std::string& out, std::string_view text) {
  constexpr char hex[] = "0123456789abcdef";
  const auto plain = [](char c) { return c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20; };
  out += '"';
  // Runs of characters that need no escape go in at once: keys and names are nearly always one.
  for (std::size_t at = 0; at < text.size();) {
    std::size_t run = at;
    while (run < text.size() && plain(text[run])) ++run;
    out.append(text.data() + at, run - at);
    if (run == text.size()) break;
    const char c = text[run];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += hex[(static_cast<unsigned char>(c) >> 4U) & 0xFU];
        out += hex[static_cast<unsigned char>(c) & 0xFU];
    }
    at = run + 1;
  }
  out += '"';
}

template <class Value>
void append_json_value(std::string& out, const Value& value) {
  if constexpr (std::is_convertible_v<const Value&, std::string_view>) {
    append_json_string(out, std::string_view(value));
  } else {
    append_number(out, value);
  }
}

inline void append_json_value(std::string& out, const scalar_value& value) {
  std::visit([&out](const auto& held) { append_json_value(out, held); }, value);
}

// "key": — the separator is the caller's.
inline void append_json_key(std::string& out, std::string_view key) {
  append_json_string(out, key);
  out += ':';
}

// {"learning_rate":0.1,"batch_size":128}: a configuration of any space, by
// its for_each(name, value).
template <class Config>
void append_config_json(std::string& out, const Config& config) {
  out += '{';
  bool first = true;
  config.for_each([&](std::string_view name, const auto& value) {
    if (!first) out += ',';
    first = false;
    append_json_key(out, name);
    append_json_value(out, value);
  });
  out += '}';
}

}  // namespace rung::detail
