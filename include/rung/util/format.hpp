// Number and string formatting shared by errors, the journal, CSV and tables.
// to_chars gives the shortest text that reads back to the same double, so a
// configuration written to the journal is restored bit for bit.
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <concepts>
#include <string>
#include <string_view>

namespace rung::detail {

inline void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "Infinity" : "-Infinity";
    return;
  }
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
}

template <std::integral Integer>
  requires(!std::same_as<Integer, bool>)
void append_number(std::string& out, Integer value) {
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
}

inline void append_number(std::string& out, bool value) { out += value ? "true" : "false"; }

// Fixed-point text with `decimals` digits, as status tables print numbers.
inline std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) {
    std::string text;
    append_number(text, value);
    return text;
  }
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                    std::chars_format::fixed, decimals);
  return {buffer.data(), result.ptr};
}

template <class Value>
std::string to_text(const Value& value) {
  if constexpr (std::convertible_to<const Value&, std::string_view>) {
    return std::string(std::string_view(value));
  } else {
    std::string text;
    append_number(text, value);
    return text;
  }
}

}  // namespace rung::detail
