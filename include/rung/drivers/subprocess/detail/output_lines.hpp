// A child's stdout, cut into lines as the bytes arrive, and the lines Syne
// Tune's reporter prints: `[tune-metric]: {"epoch": 1, "loss": 0.3, ...}`.
// Pure: no I/O, so every rule is unit tested without a process.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rung/util/json.hpp"

namespace rung::detail {

struct output_line {
  std::string_view text;   // the line without its newline (only a prefix when truncated)
  std::size_t length = 0;  // its full length in bytes
  bool truncated = false;  // longer than the limit: its middle was dropped unread
};

// Lines of at most max_line_bytes are kept whole; a longer one is dropped as
// it streams in (memory stays bounded) and comes out as a truncated prefix.
class line_splitter {
 public:
  static constexpr std::size_t kept_prefix = 200;  // what a truncated line keeps, for the message

  explicit line_splitter(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Adds bytes; lines returned by next() before this call are invalidated.
  void append(std::string_view bytes) {
    buffer_.erase(0, begin_);
    begin_ = 0;
    buffer_.append(bytes);
  }

  // The next complete line, or nothing until more bytes come.
  std::optional<output_line> next() {
    const auto newline = buffer_.find('\n', begin_);
    if (newline == std::string::npos) {
      if (buffer_.size() - begin_ > max_line_bytes_) drop_pending();
      return std::nullopt;
    }
    return take(newline, newline + 1);
  }

  // At the end of the stream: the last line when it has no newline.
  std::optional<output_line> rest() {
    if (begin_ == buffer_.size() && !dropping_) return std::nullopt;
    return take(buffer_.size(), buffer_.size());
  }

 private:
  void drop_pending() {
    const std::string_view pending = std::string_view(buffer_).substr(begin_);
    if (!dropping_) {
      dropping_ = true;
      dropped_prefix_.clear();
      dropped_length_ = 0;
    }
    dropped_prefix_ += pending.substr(0, kept_prefix - dropped_prefix_.size());
    dropped_length_ += pending.size();
    begin_ = buffer_.size();
  }

  output_line take(std::size_t end, std::size_t next_begin) {
    std::string_view text = std::string_view(buffer_).substr(begin_, end - begin_);
    begin_ = next_begin;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (dropping_) {
      dropping_ = false;
      return {dropped_prefix_, dropped_length_ + text.size(), true};
    }
    if (text.size() > max_line_bytes_) return {text.substr(0, kept_prefix), text.size(), true};
    return {text, text.size(), false};
  }

  std::size_t max_line_bytes_;
  std::string buffer_;
  std::size_t begin_ = 0;  // where the unread bytes start
  bool dropping_ = false;  // inside a line too long to keep
  std::string dropped_prefix_;
  std::size_t dropped_length_ = 0;
};

inline constexpr std::string_view tune_metric_prefix = "[tune-metric]: ";

// What one line of output is.
struct tune_metric_line {
  enum class kind { other, metrics, malformed };
  kind what = kind::other;
  json_value report;  // the JSON object, for kind::metrics
  std::string error;  // why it was rejected, for kind::malformed
};

inline tune_metric_line parse_tune_metric_line(std::string_view line) {
  // Syne Tune prints "[tune-metric]: "; a missing space after the colon is tolerated.
  constexpr std::string_view tag = tune_metric_prefix.substr(0, tune_metric_prefix.size() - 1);
  if (!line.starts_with(tag)) return {};
  line.remove_prefix(tag.size());
  try {
    json_value report = parse_json(line);
    if (!report.is_object()) {
      return {tune_metric_line::kind::malformed,
              {},
              "expected a JSON object, got " + std::string(json_kind_name(report.kind()))};
    }
    return {tune_metric_line::kind::metrics, std::move(report), {}};
  } catch (const json_error& error) {
    return {tune_metric_line::kind::malformed, {}, error.what()};
  }
}

// The keys of a metric line that the tuner does not record: neither one of
// its metrics nor the resource, nor Syne Tune's own (syne_tune.Reporter adds
// st_worker_time, st_worker_timestamp, st_worker_iter and keeps the st_
// prefix for itself).
inline std::vector<std::string> unrecorded_keys(const json_value& report, std::span<const std::string> metrics,
                                                std::string_view resource_attr) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : report.as_object()) {
    if (key == resource_attr || key.starts_with("st_")) continue;
    if (std::find(metrics.begin(), metrics.end(), key) == metrics.end()) keys.push_back(key);
  }
  return keys;
}

// Output bytes made safe to print in a message (and to write in the
// journal): control and non-ASCII bytes become \xNN, newlines stay when
// asked, and the text is cut after max_bytes.
inline std::string printable(std::string_view bytes, std::size_t max_bytes = 200, bool keep_newlines = false) {
  std::string out;
  for (const char c : bytes.substr(0, max_bytes)) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 0x20 && byte < 0x7f) || (keep_newlines && c == '\n')) {
      out += c;
    } else {
      constexpr std::string_view hex = "0123456789abcdef";
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    }
  }
  if (bytes.size() > max_bytes) out += "...";
  return out;
}

}  // namespace rung::detail
