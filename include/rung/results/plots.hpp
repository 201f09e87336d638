// Pictures of an experiment as SVG, with no plotting library: the incumbent
// (best metric so far) over wall-clock time, and every trial's learning
// curve over wall-clock time, the two figures of the seeds' chapters.
//
//   auto experiment = rung::load_experiment(directory);
//   rung::write_incumbent_plot(experiment, directory / "incumbent.svg");
//   rung::write_learning_curves_plot(experiment, directory / "learning_curves.svg");
//
// render_line_plot draws any set of series: axes with ticks at round
// values, labels, a title and one colour per series (matplotlib's cycle).
// Output is deterministic: the same input gives the same bytes.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "rung/results/experiment.hpp"
#include "rung/util/format.hpp"

namespace rung {

struct plot_series {
  std::vector<double> x = {};
  std::vector<double> y = {};  // a NaN breaks the line
  std::string label = {};      // shown in a legend when any series has one
  bool step = false;           // each value holds until the next point
  bool markers = false;        // a dot at each point
};

struct plot_options {
  std::string title = {};
  std::string x_label = {};
  std::string y_label = {};
  double width = 600.0;  // pixels
  double height = 300.0;
};

namespace detail {

// matplotlib's default colour cycle (tab10), as in the seeds' figures.
inline constexpr std::array<std::string_view, 10> plot_colours = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

struct axis_ticks {
  double low = 0.0;   // the axis range, padded around the data
  double high = 1.0;
  std::vector<double> values;  // at multiples of step, within [low, high]
  double step = 0.2;
  int decimals = 1;  // enough to tell ticks apart
};

// Ticks at multiples of 1, 2, 2.5 or 5 times a power of ten, about
// `target` of them over [low, high] padded by 5% each side (matplotlib's margins).
inline axis_ticks nice_ticks(double low, double high, int target = 6) {
  if (!(low <= high)) low = high = 0.0;
  if (high - low < 1e-12 * std::max(1.0, std::abs(high))) {  // one value: centre it
    const double half = std::max(0.5 * std::abs(high), 0.5);
    low -= half;
    high += half;
  }
  const double margin = 0.05 * (high - low);
  axis_ticks ticks{.low = low - margin, .high = high + margin, .values = {}};
  const double raw_step = (ticks.high - ticks.low) / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
  double factor = 10.0;
  for (const double candidate : {1.0, 2.0, 2.5, 5.0}) {
    if (candidate * magnitude >= raw_step) {
      factor = candidate;
      break;
    }
  }
  const double step = factor * magnitude;
  ticks.step = step;
  // 2.5 x 10^k needs one decimal more than 1, 2 or 5 x 10^k.
  ticks.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)) + (factor == 2.5 ? 1 : 0));
  for (double index = std::ceil(ticks.low / step); index * step <= ticks.high + 1e-9 * step; ++index) {
    ticks.values.push_back(index * step == 0.0 ? 0.0 : index * step);  // no "-0"
  }
  return ticks;
}

inline void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
}

inline std::string coordinate(double value) { return fixed(value, 2); }

// Maps data to pixels inside the plot area.
struct plot_frame {
  double left, top, width, height;
  axis_ticks x, y;
  [[nodiscard]] double px(double value) const { return left + (value - x.low) / (x.high - x.low) * width; }
  [[nodiscard]] double py(double value) const { return top + (y.high - value) / (y.high - y.low) * height; }
};

inline void append_text(std::string& out, double x, double y, std::string_view anchor, std::string_view text,
                        std::string_view extra = {}) {
  out += "<text x=\"" + coordinate(x) + "\" y=\"" + coordinate(y) + "\" text-anchor=\"" + std::string(anchor) + "\"";
  if (!extra.empty()) out += " " + std::string(extra);
  out += ">";
  append_escaped(out, text);
  out += "</text>\n";
}

inline void append_axes(std::string& out, const plot_frame& frame, const plot_options& options) {
  const double bottom = frame.top + frame.height;
  out += "<g class=\"grid\" stroke=\"#e5e5e5\" stroke-width=\"1\">\n";
  for (const double value : frame.x.values) {
    out += "<line x1=\"" + coordinate(frame.px(value)) + "\" y1=\"" + coordinate(frame.top) + "\" x2=\"" +
           coordinate(frame.px(value)) + "\" y2=\"" + coordinate(bottom) + "\"/>\n";
  }
  for (const double value : frame.y.values) {
    out += "<line x1=\"" + coordinate(frame.left) + "\" y1=\"" + coordinate(frame.py(value)) + "\" x2=\"" +
           coordinate(frame.left + frame.width) + "\" y2=\"" + coordinate(frame.py(value)) + "\"/>\n";
  }
  out += "</g>\n<g class=\"axes\" stroke=\"#000000\" stroke-width=\"1\">\n";
  out += "<rect x=\"" + coordinate(frame.left) + "\" y=\"" + coordinate(frame.top) + "\" width=\"" +
         coordinate(frame.width) + "\" height=\"" + coordinate(frame.height) + "\" fill=\"none\"/>\n";
  for (const double value : frame.x.values) {
    out += "<line x1=\"" + coordinate(frame.px(value)) + "\" y1=\"" + coordinate(bottom) + "\" x2=\"" +
           coordinate(frame.px(value)) + "\" y2=\"" + coordinate(bottom + 4) + "\"/>\n";
  }
  for (const double value : frame.y.values) {
    out += "<line x1=\"" + coordinate(frame.left - 4) + "\" y1=\"" + coordinate(frame.py(value)) + "\" x2=\"" +
           coordinate(frame.left) + "\" y2=\"" + coordinate(frame.py(value)) + "\"/>\n";
  }
  out += "</g>\n<g class=\"tick-labels\">\n";
  for (const double value : frame.x.values) {
    append_text(out, frame.px(value), bottom + 16, "middle", fixed(value, frame.x.decimals));
  }
  for (const double value : frame.y.values) {
    append_text(out, frame.left - 7, frame.py(value) + 4, "end", fixed(value, frame.y.decimals));
  }
  out += "</g>\n";
  append_text(out, frame.left + frame.width / 2, bottom + 34, "middle", options.x_label, "class=\"x-label\"");
  const double label_x = 14;
  const double label_y = frame.top + frame.height / 2;
  append_text(out, label_x, label_y, "middle", options.y_label,
              "class=\"y-label\" transform=\"rotate(-90 " + coordinate(label_x) + " " + coordinate(label_y) + ")\"");
  append_text(out, frame.left + frame.width / 2, 18, "middle", options.title, "class=\"title\" font-size=\"13\"");
}

// Each unbroken run of points is one polyline; steps add the corners.
inline void append_series(std::string& out, const plot_frame& frame, const plot_series& series,
                          std::string_view colour) {
  out += "<g class=\"series\" stroke=\"" + std::string(colour) + "\" fill=\"" + std::string(colour) + "\">\n";
  std::string points;
  const auto flush = [&] {
    if (!points.empty()) out += "<polyline fill=\"none\" stroke-width=\"1.5\" points=\"" + points + "\"/>\n";
    points.clear();
  };
  double previous_y = std::numeric_limits<double>::quiet_NaN();
  const std::size_t count = std::min(series.x.size(), series.y.size());
  for (std::size_t i = 0; i < count; ++i) {
    const double x = series.x[i];
    const double y = series.y[i];
    if (!std::isfinite(x) || !std::isfinite(y)) {
      flush();
      previous_y = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    if (series.step && !points.empty()) points += coordinate(frame.px(x)) + "," + coordinate(frame.py(previous_y)) + " ";
    points += coordinate(frame.px(x)) + "," + coordinate(frame.py(y)) + " ";
    previous_y = y;
  }
  if (!points.empty()) points.pop_back();
  flush();
  if (series.markers) {
    for (std::size_t i = 0; i < count; ++i) {
      if (!std::isfinite(series.x[i]) || !std::isfinite(series.y[i])) continue;
      out += "<circle cx=\"" + coordinate(frame.px(series.x[i])) + "\" cy=\"" + coordinate(frame.py(series.y[i])) +
             "\" r=\"3\"/>\n";
    }
  }
  out += "</g>\n";
}

inline void append_legend(std::string& out, const plot_frame& frame, std::span<const plot_series> series) {
  double y = frame.top + 14;
  out += "<g class=\"legend\">\n";
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (series[i].label.empty()) continue;
    const double x = frame.left + frame.width - 130;
    out += "<line x1=\"" + coordinate(x) + "\" y1=\"" + coordinate(y - 4) + "\" x2=\"" + coordinate(x + 20) +
           "\" y2=\"" + coordinate(y - 4) + "\" stroke=\"" + std::string(plot_colours[i % plot_colours.size()]) +
           "\" stroke-width=\"2\"/>\n";
    append_text(out, x + 26, y, "start", series[i].label);
    y += 16;
  }
  out += "</g>\n";
}

}  // namespace detail

inline std::string render_line_plot(std::span<const plot_series> series, const plot_options& options) {
  double x_low = std::numeric_limits<double>::infinity();
  double x_high = -x_low;
  double y_low = x_low;
  double y_high = -x_low;
  for (const auto& one : series) {
    for (std::size_t i = 0; i < std::min(one.x.size(), one.y.size()); ++i) {
      if (!std::isfinite(one.x[i]) || !std::isfinite(one.y[i])) continue;
      x_low = std::min(x_low, one.x[i]);
      x_high = std::max(x_high, one.x[i]);
      y_low = std::min(y_low, one.y[i]);
      y_high = std::max(y_high, one.y[i]);
    }
  }
  if (!(x_low <= x_high)) x_low = x_high = y_low = y_high = 0.0;  // nothing to draw: an empty frame
  constexpr double left = 62, right = 16, top = 28, bottom = 46;
  const detail::plot_frame frame{left,
                                 top,
                                 std::max(10.0, options.width - left - right),
                                 std::max(10.0, options.height - top - bottom),
                                 detail::nice_ticks(x_low, x_high),
                                 detail::nice_ticks(y_low, y_high, 5)};
  const std::string width = detail::coordinate(options.width);
  const std::string height = detail::coordinate(options.height);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    width + "\" height=\"" + height + "\" viewBox=\"0 0 " + width + " " + height +
                    "\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"11\">\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  detail::append_axes(out, frame, options);
  for (std::size_t i = 0; i < series.size(); ++i) {
    detail::append_series(out, frame, series[i], detail::plot_colours[i % detail::plot_colours.size()]);
  }
  if (std::any_of(series.begin(), series.end(), [](const plot_series& one) { return !one.label.empty(); })) {
    detail::append_legend(out, frame, series);
  }
  out += "</svg>\n";
  return out;
}

// The best value of the scheduler's metric so far, as a step line over
// st_tuner_time, held to the last report (Syne Tune's experiment.plot()).
inline std::string render_incumbent_plot(const experiment& experiment) {
  plot_series best{.step = true, .markers = false};
  for (const auto& point : experiment.incumbent()) {
    best.x.push_back(point.time);
    best.y.push_back(point.best);
  }
  if (!best.x.empty() && experiment.rows.back().tuner_time > best.x.back()) {
    best.x.push_back(experiment.rows.back().tuner_time);
    best.y.push_back(best.y.back());
  }
  const plot_series series[] = {std::move(best)};
  return render_line_plot(series, {.title = "Best result over time " + experiment.metadata.name,
                                   .x_label = "wall-clock time (s)",
                                   .y_label = "best " + experiment.metadata.metric,
                                   .width = 480,
                                   .height = 320});
}

// Every trial's reports of the scheduler's metric over st_tuner_time, one
// colour per trial, a dot per report (the seeds' learning-curve figure).
inline std::string render_learning_curves_plot(const experiment& experiment) {
  const std::size_t metric = experiment.metric_index(experiment.metadata.metric);
  std::vector<plot_series> curves;
  for (const auto& trial : experiment.trials) {
    plot_series curve{.markers = true};
    for (const auto& row : experiment.curve(trial.id)) {
      curve.x.push_back(row.tuner_time);
      curve.y.push_back(row.metrics[metric]);
    }
    if (!curve.x.empty()) curves.push_back(std::move(curve));
  }
  return render_line_plot(curves, {.title = "Learning curves " + experiment.metadata.name,
                                   .x_label = "wall-clock time (s)",
                                   .y_label = experiment.metadata.metric,
                                   .width = 720,
                                   .height = 320});
}

namespace detail {
inline void write_text_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}
}  // namespace detail

inline void write_incumbent_plot(const experiment& experiment, const std::filesystem::path& path) {
  detail::write_text_file(path, render_incumbent_plot(experiment));
}

inline void write_learning_curves_plot(const experiment& experiment, const std::filesystem::path& path) {
  detail::write_text_file(path, render_learning_curves_plot(experiment));
}

}  // namespace rung
