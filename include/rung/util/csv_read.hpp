// Reading CSV as detail/csv.hpp writes it (RFC 4180 quoting), row by row,
// keeping the line each row starts on for error messages.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "rung/util/scalar.hpp"

namespace rung::detail {

class csv_reader {
 public:
  explicit csv_reader(std::string_view text) : text_(text) {}

  // The next non-blank row's fields; false at the end of the text.
  bool next_row(std::vector<std::string>& fields) {
    fields.clear();
    while (position_ < text_.size() && (text_[position_] == '\n' || text_[position_] == '\r')) advance();
    if (position_ >= text_.size()) return false;
    row_line_ = line_;
    std::string field;
    bool quoted = false;
    while (position_ < text_.size()) {
      const char c = text_[position_];
      if (quoted) {
        if (c == '"' && position_ + 1 < text_.size() && text_[position_ + 1] == '"') {
          field += '"';
          advance();
        } else if (c == '"') {
          quoted = false;
        } else {
          field += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.push_back(std::move(field));
        field.clear();
      } else if (c == '\n' || c == '\r') {
        break;
      } else {
        field += c;
      }
      advance();
    }
    fields.push_back(std::move(field));
    return true;
  }

  // The line (from 1) the last row read starts on.
  [[nodiscard]] std::size_t line() const noexcept { return row_line_; }

 private:
  void advance() {
    if (text_[position_] == '\n') ++line_;
    ++position_;
  }

  std::string_view text_;
  std::size_t position_ = 0;
  std::size_t line_ = 1;
  std::size_t row_line_ = 1;
};

// A field as the scalar it spells: an integer, else a number, else text.
inline scalar_value scalar_from_text(const std::string& text) {
  const char* end = text.data() + text.size();
  std::int64_t integer = 0;
  if (const auto [stop, error] = std::from_chars(text.data(), end, integer); error == std::errc{} && stop == end) {
    return integer;
  }
  double real = 0.0;
  if (const auto [stop, error] = std::from_chars(text.data(), end, real); error == std::errc{} && stop == end) {
    return real;
  }
  return text;
}

}  // namespace rung::detail
