#include "rung/results/plots.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace test_plots {

namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

std::size_t count_of(const std::string& text, std::string_view needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

// Checks the SVG is XML-ish: every element closed, in order, and nothing
// but the one root. Returns the first problem, or "" when there is none.
std::string xml_problem(const std::string& svg) {
  std::vector<std::string> open;
  std::size_t at = svg.find("<svg");
  if (at == std::string::npos) return "no <svg> element";
  while ((at = svg.find('<', at)) != std::string::npos) {
    const auto end = svg.find('>', at);
    if (end == std::string::npos) return "unterminated tag at " + std::to_string(at);
    const std::string tag = svg.substr(at + 1, end - at - 1);
    const std::string name = tag.substr(tag.front() == '/', tag.find_first_of(" />", 1) - (tag.front() == '/'));
    if (tag.front() == '/') {
      if (open.empty() || open.back() != name) return "</" + name + "> closes nothing open";
      open.pop_back();
      if (open.empty() && svg.find('<', end) != std::string::npos) return "content after the root";
    } else if (tag.back() != '/') {
      open.push_back(name);
    }
    at = end;
  }
  return open.empty() ? "" : "<" + open.back() + "> never closed";
}

// The points of the index-th polyline.
std::size_t points_in_polyline(const std::string& svg, std::size_t index) {
  std::size_t at = 0;
  for (std::size_t i = 0; i <= index; ++i) at = svg.find("<polyline", at + 1);
  const auto begin = svg.find("points=\"", at) + 8;
  const std::string points = svg.substr(begin, svg.find('"', begin) - begin);
  return static_cast<std::size_t>(std::count(points.begin(), points.end(), ','));
}

rung::experiment three_trials() {
  rung::experiment experiment;
  experiment.metadata.name = "demo <3 & co";
  experiment.metadata.metric = "validation_error";
  experiment.metadata.metric_names = {"validation_error"};
  for (rung::trial_id id = 0; id < 3; ++id) experiment.trials.push_back({.id = id});
  // trial 0: 3 reports, trial 1: 1 report, trial 2: 2 reports, interleaved in time.
  const std::vector<std::pair<rung::trial_id, double>> reports = {{0, 0.9}, {1, 0.8}, {0, 0.5}, {2, 0.7},
                                                                  {0, 0.4}, {2, 0.6}};
  double time = 0;
  for (const auto& [trial, error] : reports) {
    experiment.rows.push_back({.trial = trial, .tuner_time = time += 1.5, .metrics = {error}});
  }
  return experiment;
}

}  // namespace

TEST_CASE("ticks fall on round values that cover the data") {
  const auto unit = rung::detail::nice_ticks(0.0, 1.0);
  CHECK(unit.step == doctest::Approx(0.2));
  CHECK(unit.decimals == 1);
  CHECK(unit.values == std::vector<double>{0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0});
  CHECK(unit.low < 0.0);
  CHECK(unit.high > 1.0);

  const auto seconds = rung::detail::nice_ticks(3.0, 242.0);
  CHECK(seconds.step == 50.0);
  CHECK(seconds.decimals == 0);
  CHECK(seconds.values.front() == 0.0);
  CHECK(seconds.values.back() == 250.0);

  const auto quarter = rung::detail::nice_ticks(0.2, 0.8, 3);
  CHECK(quarter.step == doctest::Approx(0.25));
  CHECK(quarter.decimals == 2);

  const auto one_value = rung::detail::nice_ticks(0.3, 0.3);
  CHECK(one_value.low < 0.3);
  CHECK(one_value.high > 0.3);
  CHECK_FALSE(one_value.values.empty());
}

TEST_CASE("a line plot has one group per series, a polyline per unbroken run, and escaped text") {
  const std::vector<rung::plot_series> series = {
      {.x = {0, 1, 2, 3}, .y = {1, 2, not_a_number, 4}, .label = "a<b"},
      {.x = {0, 1, 2}, .y = {3, 2, 1}, .markers = true},
      {.x = {0, 2}, .y = {4, 3}, .step = true}};
  const auto svg = rung::render_line_plot(series, {.title = "T & t", .x_label = "x", .y_label = "y"});
  CHECK(xml_problem(svg) == "");
  CHECK(count_of(svg, "<g class=\"series\"") == 3);
  CHECK(count_of(svg, "<polyline") == 4);  // the NaN splits the first series in two
  CHECK(points_in_polyline(svg, 0) == 2);
  CHECK(points_in_polyline(svg, 1) == 1);
  CHECK(points_in_polyline(svg, 2) == 3);
  CHECK(points_in_polyline(svg, 3) == 3);  // a step adds the corner
  CHECK(count_of(svg, "<circle") == 3);
  CHECK(svg.find("T &amp; t") != std::string::npos);
  CHECK(svg.find("a&lt;b") != std::string::npos);  // in the legend
  CHECK(count_of(svg, "<g class=\"legend\"") == 1);
  CHECK(svg == rung::render_line_plot(series, {.title = "T & t", .x_label = "x", .y_label = "y"}));
}

TEST_CASE("nothing to draw still gives a well-formed, empty frame") {
  const auto svg = rung::render_line_plot({}, {.title = "empty"});
  CHECK(xml_problem(svg) == "");
  CHECK(count_of(svg, "<polyline") == 0);
  rung::experiment no_reports;
  no_reports.metadata.metric = "loss";
  no_reports.metadata.metric_names = {"loss"};
  const auto incumbent = rung::render_incumbent_plot(no_reports);
  CHECK(xml_problem(incumbent) == "");
  CHECK(count_of(incumbent, "<polyline") == 0);
}

TEST_CASE("the incumbent plot steps down at each improvement and holds to the last report") {
  const auto experiment = three_trials();
  const auto svg = rung::render_incumbent_plot(experiment);
  CHECK(xml_problem(svg) == "");
  CHECK(count_of(svg, "<g class=\"series\"") == 1);
  // Improvements at 0.9, 0.8, 0.5, 0.4, then held to the last report:
  // 5 points and 4 corners.
  CHECK(points_in_polyline(svg, 0) == 9);
  CHECK(svg.find("Best result over time demo &lt;3 &amp; co") != std::string::npos);
  CHECK(svg.find(">best validation_error</text>") != std::string::npos);
}

TEST_CASE("the learning-curve plot draws every trial's reports with a dot each") {
  const auto experiment = three_trials();
  const auto svg = rung::render_learning_curves_plot(experiment);
  CHECK(xml_problem(svg) == "");
  CHECK(count_of(svg, "<g class=\"series\"") == 3);
  CHECK(points_in_polyline(svg, 0) == 3);
  CHECK(points_in_polyline(svg, 1) == 1);
  CHECK(points_in_polyline(svg, 2) == 2);
  CHECK(count_of(svg, "<circle") == 6);
  CHECK(count_of(svg, "<g class=\"legend\"") == 0);
  CHECK(svg == rung::render_learning_curves_plot(three_trials()));
}

TEST_CASE("plots are written to files, and an unwritable path is an error naming it") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rung-plots-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  const auto experiment = three_trials();
  rung::write_incumbent_plot(experiment, dir / "incumbent.svg");
  rung::write_learning_curves_plot(experiment, dir / "curves.svg");
  std::ifstream in(dir / "curves.svg");
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(written == rung::render_learning_curves_plot(experiment));
  CHECK_THROWS_WITH(rung::write_incumbent_plot(experiment, dir / "missing" / "incumbent.svg"),
                    doctest::Contains((dir / "missing" / "incumbent.svg").string().c_str()));
  std::filesystem::remove_all(dir);
}

}  // namespace test_plots
