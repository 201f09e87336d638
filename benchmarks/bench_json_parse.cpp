// Throughput of parse_json on journal lines, as rung re-reads a journal on
// restart: one parse per line, the DOM built and freed each time.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "rung/random.hpp"
#include "rung/util/json.hpp"

namespace {

std::vector<std::string> report_lines(std::size_t count) {
  rung::random_stream random(7);
  std::vector<std::string> lines;
  for (std::size_t trial = 0; trial < count; ++trial) {
    std::string line = R"({"event":"report","trial_id":)";
    rung::detail::append_number(line, static_cast<std::int64_t>(trial));
    line += R"(,"time":)";
    rung::detail::append_number(line, random.uniform(0.0, 3600.0));
    line += R"(,"resource":)";
    rung::detail::append_number(line, random.uniform_int(1, 81));
    line += R"(,"metrics":{"error":)";
    rung::detail::append_number(line, random.uniform01());
    line += R"(},"decision":"CONTINUE"})";
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

int main() {
  const std::vector<std::string> lines = report_lines(200'000);
  std::size_t bytes = 0;
  for (const auto& line : lines) bytes += line.size();
  double best_seconds = 1e300;
  std::size_t members = 0;  // keeps the parses from being optimised away
  for (int repeat = 0; repeat < 7; ++repeat) {
    const auto start = std::chrono::steady_clock::now();
    for (const auto& line : lines) members += rung::detail::parse_json(line).as_object().size();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best_seconds = std::min(best_seconds, elapsed.count());
  }
  std::printf(
      "{\"benchmark\":\"json_parse\",\"case\":\"report_line\",\"lines\":%zu,\"bytes_per_line\":%.1f,"
      "\"best_of\":7,\"mb_per_s\":%.1f,\"ns_per_line\":%.1f,\"members\":%zu}\n",
      lines.size(), static_cast<double>(bytes) / static_cast<double>(lines.size()),
      static_cast<double>(bytes) / best_seconds / 1e6, best_seconds / static_cast<double>(lines.size()) * 1e9,
      members);
}
