// What the subprocess backend reads from a child's stdout, without a child:
// lines cut as bytes arrive, Syne Tune's metric lines, printable messages.
#include "rung/drivers/subprocess/detail/output_lines.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "rung/drivers/subprocess/detail/child_process.hpp"

namespace test_subprocess_output {

namespace {

using rung::detail::line_splitter;
using rung::detail::parse_tune_metric_line;
using rung::detail::tune_metric_line;

// A line as the tests spell it: "!<length>:" before a truncated one. Built
// with appends: GCC 12 at -O3 flags `"!" + std::string` with a false
// -Wrestrict.
template <class Line>
std::string marked(const Line& line) {
  std::string text;
  if (line.truncated) {
    text += '!';
    text += std::to_string(line.length);
    text += ':';
  }
  text += line.text;
  return text;
}

// Every line the splitter gives for these chunks.
std::vector<std::string> split(std::size_t max_line_bytes, const std::vector<std::string>& chunks) {
  line_splitter lines(max_line_bytes);
  std::vector<std::string> out;
  for (const auto& chunk : chunks) {
    lines.append(chunk);
    while (const auto line = lines.next()) out.push_back(marked(*line));
  }
  if (const auto line = lines.rest()) out.push_back(marked(*line));
  return out;
}

}  // namespace

TEST_CASE("line_splitter: lines split across chunks come out whole, CR LF ends a line too") {
  CHECK(split(100, {"one\ntw", "o\r\nthr", "ee"}) == std::vector<std::string>{"one", "two", "three"});
  CHECK(split(100, {"", "\n\n"}) == std::vector<std::string>{"", ""});
  CHECK(split(100, {}).empty());
}

TEST_CASE("line_splitter: a line over the limit is dropped as it streams in, and the next line is intact") {
  const std::string long_line(300, 'x');
  const auto lines = split(10, {"ok\n" + long_line.substr(0, 150), long_line.substr(150), long_line + "\nafter\n"});
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "ok");
  CHECK(lines[1] == "!600:" + std::string(line_splitter::kept_prefix, 'x'));
  CHECK(lines[2] == "after");
  // Unterminated and too long at the end of the stream.
  CHECK(split(4, {"abcdefgh"}) == std::vector<std::string>{"!8:abcdefgh"});
}

TEST_CASE("parse_tune_metric_line: Syne Tune's reporter lines, other output, malformed metric lines") {
  const auto metrics = parse_tune_metric_line(
      R"([tune-metric]: {"epoch": 2, "loss": 0.25, "st_worker_iter": 1, "st_worker_time": 0.5})");
  REQUIRE(metrics.what == tune_metric_line::kind::metrics);
  CHECK(metrics.report.find("loss")->as_double() == 0.25);
  CHECK(metrics.report.find("epoch")->as_double() == 2.0);

  CHECK(parse_tune_metric_line("epoch 1 done").what == tune_metric_line::kind::other);
  CHECK(parse_tune_metric_line(" [tune-metric]: {}").what == tune_metric_line::kind::other);
  CHECK(parse_tune_metric_line(R"([tune-metric]:{"loss": 1})").what == tune_metric_line::kind::metrics);

  const auto not_json = parse_tune_metric_line("[tune-metric]: {loss: 1}");
  CHECK(not_json.what == tune_metric_line::kind::malformed);
  CHECK_FALSE(not_json.error.empty());
  const auto array = parse_tune_metric_line("[tune-metric]: [1, 2]");
  CHECK(array.what == tune_metric_line::kind::malformed);
  CHECK(array.error == "expected a JSON object, got an array");
  CHECK(parse_tune_metric_line("[tune-metric]: {\"note\": \"\xff\"}").what == tune_metric_line::kind::malformed);
}

TEST_CASE("unrecorded_keys: what a metric line holds besides the metrics, the resource and Syne Tune's st_ keys") {
  const auto line = parse_tune_metric_line(R"([tune-metric]: {"epoch": 2, "loss": 0.5, "accuracy": 0.9, "step": 1, )"
                                           R"("st_worker_time": 3.2, "st_worker_iter": 1})");
  const std::vector<std::string> metrics = {"loss"};
  CHECK(rung::detail::unrecorded_keys(line.report, metrics, "epoch") == std::vector<std::string>{"accuracy", "step"});
  const std::vector<std::string> all = {"loss", "accuracy"};
  CHECK(rung::detail::unrecorded_keys(line.report, all, "step") == std::vector<std::string>{"epoch"});
}

TEST_CASE("printable: control and non-ASCII bytes are escaped, long text is cut") {
  CHECK(rung::detail::printable("a\tb\xff") == "a\\x09b\\xff");
  CHECK(rung::detail::printable("abcdef", 3) == "abc...");
  CHECK(rung::detail::printable("one\ntwo", 10, true) == "one\ntwo");
}

TEST_CASE("describe_wait_status: exit statuses and signals as a person reads them") {
  CHECK(rung::detail::describe_wait_status(3 << 8) == "exited with status 3");
  CHECK(rung::detail::describe_wait_status(SIGKILL).starts_with("killed by signal 9 ("));
}

}  // namespace test_subprocess_output
