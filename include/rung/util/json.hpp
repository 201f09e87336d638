// Reading JSON text: strict RFC 8259 plus the NaN, Infinity and -Infinity that
// Python's json module writes. rung reads its own journal and metadata.json
// with it, and the [tune-metric] lines of child processes, so errors name the
// byte where the text went wrong and invalid UTF-8 is refused, never passed on.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rung/util/format.hpp"
#include "rung/util/json_write.hpp"
#include "rung/util/scalar.hpp"

namespace rung::detail {

// Malformed text. offset counts bytes from 0; line and column count from 1.
class json_error : public std::runtime_error {
 public:
  json_error(const std::string& message, std::size_t offset, std::size_t line, std::size_t column)
      : std::runtime_error(message), offset_(offset), line_(line), column_(column) {}

  [[nodiscard]] std::size_t offset() const noexcept { return offset_; }
  [[nodiscard]] std::size_t line() const noexcept { return line_; }
  [[nodiscard]] std::size_t column() const noexcept { return column_; }

 private:
  std::size_t offset_;
  std::size_t line_;
  std::size_t column_;
};

// Well-formed text holding another kind of value than the reader wanted.
class json_type_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// In the order of json_value's alternatives.
enum class json_kind : std::uint8_t { null, boolean, integer, real, string, array, object };

inline std::string_view json_kind_name(json_kind kind) noexcept {
  constexpr std::array<std::string_view, 7> names{
      "null", "a boolean", "an integer", "a floating-point number", "a string", "an array", "an object"};
  return names[static_cast<std::size_t>(kind)];
}

class json_value {
 public:
  using array_type = std::vector<json_value>;
  using member_type = std::pair<std::string, json_value>;
  using object_type = std::vector<member_type>;  // document order; objects are small

  json_value() noexcept = default;
  json_value(std::nullptr_t) noexcept {}
  json_value(bool value) noexcept : data_(value) {}
  template <std::integral Integer>
    requires(!std::same_as<Integer, bool>)
  json_value(Integer value) noexcept {
    if (std::in_range<std::int64_t>(value)) {
      data_ = static_cast<std::int64_t>(value);
    } else {
      data_ = static_cast<double>(value);
    }
  }
  json_value(double value) noexcept : data_(value) {}
  json_value(std::string value) noexcept : data_(std::move(value)) {}
  json_value(std::string_view value) : data_(std::string(value)) {}
  json_value(const char* value) : data_(std::string(value)) {}
  json_value(array_type items) noexcept : data_(std::move(items)) {}
  json_value(object_type members) noexcept : data_(std::move(members)) {}

  [[nodiscard]] json_kind kind() const noexcept { return static_cast<json_kind>(data_.index()); }
  [[nodiscard]] bool is_null() const noexcept { return kind() == json_kind::null; }
  [[nodiscard]] bool is_bool() const noexcept { return kind() == json_kind::boolean; }
  [[nodiscard]] bool is_int64() const noexcept { return kind() == json_kind::integer; }
  [[nodiscard]] bool is_double() const noexcept { return kind() == json_kind::real; }
  [[nodiscard]] bool is_number() const noexcept { return is_int64() || is_double(); }
  [[nodiscard]] bool is_string() const noexcept { return kind() == json_kind::string; }
  [[nodiscard]] bool is_array() const noexcept { return kind() == json_kind::array; }
  [[nodiscard]] bool is_object() const noexcept { return kind() == json_kind::object; }

  [[nodiscard]] bool as_bool() const { return get<bool>(json_kind::boolean); }
  [[nodiscard]] std::int64_t as_int64() const { return get<std::int64_t>(json_kind::integer); }
  // Any number; an integer converts, so "3" and "3.0" read alike.
  [[nodiscard]] double as_double() const {
    if (const auto* integer = std::get_if<std::int64_t>(&data_)) return static_cast<double>(*integer);
    return get<double>(json_kind::real);
  }
  [[nodiscard]] const std::string& as_string() const { return get<std::string>(json_kind::string); }
  [[nodiscard]] const array_type& as_array() const { return get<array_type>(json_kind::array); }
  [[nodiscard]] const object_type& as_object() const { return get<object_type>(json_kind::object); }

  // The member named key, or nullptr; json_type_error when this is no object.
  // The last duplicate wins, as in Python.
  [[nodiscard]] const json_value* find(std::string_view key) const {
    const auto& members = as_object();
    for (auto member = members.rbegin(); member != members.rend(); ++member) {
      if (member->first == key) return &member->second;
    }
    return nullptr;
  }

  friend bool operator==(const json_value&, const json_value&) = default;

 private:
  friend class json_parser;

  template <class Held>
  const Held& get(json_kind wanted) const {
    if (const auto* held = std::get_if<Held>(&data_)) return *held;
    throw json_type_error("JSON: expected " + std::string(json_kind_name(wanted)) + ", got " +
                          std::string(json_kind_name(kind())));
  }

  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, array_type, object_type> data_;
};

// Recursive descent over the bytes. Only malformed text throws.
class json_parser {
 public:
  static constexpr int max_depth = 256;

  explicit json_parser(std::string_view text) noexcept
      : begin_(text.data()), cursor_(text.data()), end_(text.data() + text.size()) {}

  json_value parse_document() {
    json_value document;
    skip_whitespace();
    parse_value(document, 0);
    if (cursor_ != end_) fail("expected end of input");
    return document;
  }

 private:
  // Bytes that end a run of string text copied as it is: '"', '\\', control
  // characters and the lead of a multi-byte UTF-8 sequence (checked apart).
  static constexpr auto stops_string_run = [] {
    std::array<bool, 256> stops{};
    for (std::size_t byte = 0; byte < 0x100; ++byte) stops[byte] = byte < 0x20 || byte >= 0x80;
    stops['"'] = stops['\\'] = true;
    return stops;
  }();

  static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
  static unsigned char byte(char c) noexcept { return static_cast<unsigned char>(c); }
  bool at(char c) const noexcept { return cursor_ != end_ && *cursor_ == c; }
  bool at_digit() const noexcept { return cursor_ != end_ && is_digit(*cursor_); }

  void skip_whitespace() noexcept {
    while (cursor_ != end_ && (*cursor_ == ' ' || *cursor_ == '\n' || *cursor_ == '\r' || *cursor_ == '\t')) {
      ++cursor_;
    }
  }

  // Takes c and the whitespace after it when c is next.
  bool consume(char c) noexcept {
    if (!at(c)) return false;
    ++cursor_;
    skip_whitespace();
    return true;
  }

  // Reads a value and the whitespace after it.
  void parse_value(json_value& out, int depth) {
    if (cursor_ == end_) fail("expected a value");
    switch (*cursor_) {
      case '{': parse_object(out.data_.emplace<json_value::object_type>(), depth + 1); break;
      case '[': parse_array(out.data_.emplace<json_value::array_type>(), depth + 1); break;
      case '"': parse_string(out.data_.emplace<std::string>()); break;
      case 't': expect_word("true"); out.data_ = true; break;
      case 'f': expect_word("false"); out.data_ = false; break;
      case 'n': expect_word("null"); break;
      case 'N': expect_word("NaN"); out.data_ = std::numeric_limits<double>::quiet_NaN(); break;
      case 'I': expect_word("Infinity"); out.data_ = std::numeric_limits<double>::infinity(); break;
      default: parse_number(out);
    }
    skip_whitespace();
  }

  void parse_object(json_value::object_type& members, int depth) {
    open_container(depth);
    if (consume('}')) return;
    do {
      if (!at('"')) fail("expected a string key");
      auto& member = members.emplace_back();
      parse_string(member.first);
      skip_whitespace();
      if (!consume(':')) fail("expected ':'");
      parse_value(member.second, depth);  // member stays put: only its own value grows
    } while (consume(','));
    if (!consume('}')) fail("expected ',' or '}'");
  }

  void parse_array(json_value::array_type& items, int depth) {
    open_container(depth);
    if (consume(']')) return;
    do {
      parse_value(items.emplace_back(), depth);
    } while (consume(','));
    if (!consume(']')) fail("expected ',' or ']'");
  }

  void open_container(int depth) {
    if (depth > max_depth) fail("nesting deeper than 256");
    ++cursor_;
    skip_whitespace();
  }

  void expect_word(std::string_view word) {
    if (std::string_view(cursor_, static_cast<std::size_t>(end_ - cursor_)).substr(0, word.size()) != word) {
      fail("expected '" + std::string(word) + "'");
    }
    cursor_ += word.size();
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? is checked here: from_chars
  // alone would take leading zeros, "inf" and "1.".
  void parse_number(json_value& out) {
    const char* const start = cursor_;
    const bool negative = at('-');
    if (negative) ++cursor_;
    if (negative && at('I')) {
      expect_word("Infinity");
      out.data_ = -std::numeric_limits<double>::infinity();
      return;
    }
    if (at('0') && end_ - cursor_ > 1 && is_digit(cursor_[1])) {
      fail_at(cursor_ + 1, "leading zero in a number");
    }
    skip_digits(negative ? "expected a digit after '-'" : "expected a value");
    const bool integral = !at('.') && !at('e') && !at('E');
    if (at('.')) {
      ++cursor_;
      skip_digits("expected a digit after '.'");
    }
    if (at('e') || at('E')) {
      ++cursor_;
      if (at('+') || at('-')) ++cursor_;
      skip_digits("expected a digit in the exponent");
    }
    // "-0" is what append_number writes for -0.0: no integer needs the sign.
    const bool negative_zero = negative && cursor_ - start == 2 && start[1] == '0';
    if (std::int64_t integer = 0;
        integral && !negative_zero && std::from_chars(start, cursor_, integer).ec == std::errc{}) {
      out.data_ = integer;
      return;
    }  // an integer beyond int64 is read as a double
    double real = 0.0;
    if (std::from_chars(start, cursor_, real).ec == std::errc::result_out_of_range) {
      real = beyond_double_range(start, cursor_);
    }
    out.data_ = real;
  }

  // One or more digits.
  void skip_digits(const char* expected) {
    if (!at_digit()) fail(expected);
    while (at_digit()) ++cursor_;
  }

  // from_chars refuses 1e400 and 1e-400 rather than rounding them; JSON
  // readers (Python's too) give infinity and zero. Which one follows from the
  // decimal exponent of the first significant digit.
  static double beyond_double_range(const char* start, const char* end) noexcept {
    const bool negative = *start == '-';
    const char* digit = start + (negative ? 1 : 0);
    long long scale = 0;
    if (*digit == '0') {
      for (++digit; digit != end && (*digit == '.' || *digit == '0'); ++digit) scale -= *digit == '0' ? 1 : 0;
    } else {
      for (; digit != end && is_digit(*digit); ++digit) ++scale;
    }
    while (digit != end && *digit != 'e' && *digit != 'E') ++digit;
    if (digit != end) {
      const bool negative_exponent = *++digit == '-';
      if (*digit == '+' || *digit == '-') ++digit;
      long long exponent = 0;
      for (; digit != end; ++digit) exponent = std::min(exponent * 10 + (*digit - '0'), 1'000'000'000LL);
      scale += negative_exponent ? -exponent : exponent;
    }
    const double magnitude = scale > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    return negative ? -magnitude : magnitude;
  }

  // Copies runs of plain text whole; a string without escapes is one append.
  void parse_string(std::string& out) {
    const char* run = ++cursor_;
    for (;;) {
      while (cursor_ != end_ && !stops_string_run[byte(*cursor_)]) ++cursor_;
      if (cursor_ == end_) fail("expected '\"' to end the string");
      if (*cursor_ == '"') break;
      if (*cursor_ == '\\') {
        out.append(run, cursor_);
        parse_escape(out);
        run = cursor_;
      } else if (byte(*cursor_) < 0x20) {
        fail("unescaped control character in a string");
      } else {
        const std::size_t length = utf8_sequence_length();
        if (length == 0) fail("invalid UTF-8 in a string");
        cursor_ += length;
      }
    }
    out.append(run, cursor_++);
  }

  // The length of the well-formed UTF-8 sequence at the cursor (RFC 3629: no
  // overlong forms, no surrogates, nothing above U+10FFFF), or 0.
  std::size_t utf8_sequence_length() const noexcept {
    const auto lead = byte(*cursor_);
    const std::size_t length = lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0;
    if (length == 0 || static_cast<std::size_t>(end_ - cursor_) < length) return 0;
    // The byte after the lead has narrower bounds where overlong forms, surrogates or > U+10FFFF would start.
    const unsigned low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
    const unsigned high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
    if (byte(cursor_[1]) < low || byte(cursor_[1]) > high) return 0;
    for (std::size_t index = 2; index < length; ++index) {
      if ((byte(cursor_[index]) & 0xC0U) != 0x80U) return 0;
    }
    return length;
  }

  void parse_escape(std::string& out) {
    constexpr std::string_view escaped = "\"\\/bfnrt";
    constexpr std::string_view unescaped = "\"\\/\b\f\n\r\t";
    const char* const backslash = cursor_;
    if (end_ - cursor_ < 2) fail("expected '\"' to end the string");
    cursor_ += 2;
    if (const auto index = escaped.find(backslash[1]); index != std::string_view::npos) {
      out += unescaped[index];
      return;
    }
    if (backslash[1] != 'u') fail_at(backslash, "invalid escape");
    std::uint32_t code_point = parse_hex4(backslash);
    if (code_point >= 0xD800 && code_point <= 0xDBFF && end_ - cursor_ >= 2 && cursor_[0] == '\\' &&
        cursor_[1] == 'u') {
      cursor_ += 2;
      const std::uint32_t low = parse_hex4(cursor_ - 2);
      if (low < 0xDC00 || low > 0xDFFF) fail_at(backslash, "unpaired surrogate in \\u escape");
      code_point = 0x10000 + ((code_point - 0xD800) << 10U) + (low - 0xDC00);
    } else if (code_point >= 0xD800 && code_point <= 0xDFFF) {
      fail_at(backslash, "unpaired surrogate in \\u escape");
    }
    append_utf8(out, code_point);
  }

  std::uint32_t parse_hex4(const char* backslash) {
    std::uint32_t value = 0;
    const char* const digits_end = cursor_ + std::min<std::ptrdiff_t>(4, end_ - cursor_);
    const auto result = std::from_chars(cursor_, digits_end, value, 16);
    if (result.ptr != cursor_ + 4) fail_at(backslash, "expected 4 hex digits after \\u");
    cursor_ += 4;
    return value;
  }

  static void append_utf8(std::string& out, std::uint32_t code_point) {
    const auto put = [&out](std::uint32_t unit) { out += static_cast<char>(unit & 0xFFU); };
    if (code_point < 0x80) return put(code_point);
    constexpr std::array<std::uint32_t, 4> lead_marks{0, 0xC0, 0xE0, 0xF0};
    const unsigned continuations = code_point < 0x800 ? 1 : code_point < 0x10000 ? 2 : 3;
    put(lead_marks[continuations] | (code_point >> (6 * continuations)));
    for (unsigned shift = 6 * continuations; shift != 0; shift -= 6) {
      put(0x80U | ((code_point >> (shift - 6)) & 0x3FU));
    }
  }

  [[noreturn]] void fail(const std::string& expected) const { fail_at(cursor_, expected); }

  // "JSON: <what> at offset N", with the line and column when the text has
  // several lines (metadata.json); a journal line is its own text.
  [[noreturn]] void fail_at(const char* where, const std::string& what) const {
    const auto offset = static_cast<std::size_t>(where - begin_);
    const std::string_view text(begin_, static_cast<std::size_t>(end_ - begin_));
    const std::string_view before = text.substr(0, offset);
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t line_start = before.rfind('\n');
    const std::size_t column = 1 + offset - (line_start == std::string_view::npos ? 0 : line_start + 1);
    std::string message = "JSON: " + what + " at offset " + std::to_string(offset);
    if (text.find('\n') != std::string_view::npos) {
      message += " (line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
    }
    throw json_error(message, offset, line, column);
  }

  const char* begin_;
  const char* cursor_;
  const char* end_;
};

inline json_value parse_json(std::string_view text) { return json_parser(text).parse_document(); }

inline std::optional<scalar_value> to_scalar_value(const json_value& value) {
  switch (value.kind()) {
    case json_kind::integer: return scalar_value(value.as_int64());
    case json_kind::real: return scalar_value(value.as_double());
    case json_kind::string: return scalar_value(value.as_string());
    default: return std::nullopt;
  }
}

// append_number writes 1.0 as "1"; ".0" keeps it a double when read back.
inline void append_json_double(std::string& out, double value) {
  const std::size_t start = out.size();
  append_number(out, value);
  if (out.find_first_of(".eEnN", start) == std::string::npos) out += ".0";
}

inline void append_json(std::string& out, const json_value& value) {
  switch (value.kind()) {
    case json_kind::null: out += "null"; return;
    case json_kind::boolean: append_number(out, value.as_bool()); return;
    case json_kind::integer: append_number(out, value.as_int64()); return;
    case json_kind::real: append_json_double(out, value.as_double()); return;
    case json_kind::string: append_json_string(out, value.as_string()); return;
    case json_kind::array: {
      out += '[';
      const char* separator = "";
      for (const auto& item : value.as_array()) {
        out += separator;
        append_json(out, item);
        separator = ",";
      }
      out += ']';
      return;
    }
    case json_kind::object: {
      out += '{';
      const char* separator = "";
      for (const auto& [key, member] : value.as_object()) {
        out += separator;
        append_json_key(out, key);
        append_json(out, member);
        separator = ",";
      }
      out += '}';
      return;
    }
  }
}

}  // namespace rung::detail
