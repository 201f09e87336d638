// CSV fields as pandas reads them: RFC 4180 quoting where a field needs it;
// non-finite numbers as NaN / inf, which pandas parses as floats.
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>

#include "rung/util/format.hpp"

namespace rung::detail {

inline void append_csv_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos && !text.empty()) {
    out += text;
    return;
  }
  out += '"';
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

inline void append_csv_number(std::string& out, double value) {
  if (std::isinf(value)) {
    out += value > 0 ? "inf" : "-inf";
  } else {
    append_number(out, value);
  }
}

template <class Value>
void append_csv_value(std::string& out, const Value& value) {
  if constexpr (std::is_convertible_v<const Value&, std::string_view>) {
    append_csv_field(out, std::string_view(value));
  } else if constexpr (std::is_floating_point_v<Value>) {
    append_csv_number(out, value);
  } else {
    append_number(out, value);
  }
}

}  // namespace rung::detail
