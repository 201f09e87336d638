// Recorded learning curves as a simulator Benchmark: replays what real
// training reported, so scheduler choices can be compared on it in seconds.
//
// The file is CSV with a header line. Columns, in any order (others, like
// the rest of a results.csv, are ignored):
//   config_<name>   one per hyperparameter of the space, as results.csv names them
//   epoch           the resource, 1, 2, ... (another name: the resource_attr option)
//   <metric>        the metric after that epoch (the metric option)
//   seconds         how long that epoch took; or, where there is no such
//                   column, st_worker_time: the trial's time so far, as
//                   results.csv records it (rung's or Syne Tune's)
// Every configuration needs every epoch from 1 to its last. A bad file is
// refused as a whole with an error naming its line.
//
// So a tuning's results.csv replays as it is: each trial's curve up to the
// epoch it reached, which is then its last (a trial stopped at epoch 3 ends
// there in the replay too, whatever the scheduler decides).
//
//   auto table = rung::tabulated_benchmark<decltype(space)>::load(space, "curves.csv", {.metric = "val_error"});
//   auto searcher = rung::random_searcher(space, {.points_to_evaluate = ...});  // or a grid over the table
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "rung/concepts/config_space.hpp"
#include "rung/results/schema.hpp"
#include "rung/spaces/config_hash.hpp"
#include "rung/util/csv_read.hpp"
#include "rung/util/format.hpp"
#include "rung/util/scalar.hpp"

namespace rung {

struct tabulated_benchmark_options {
  std::string metric = "error";
  std::string resource_attr = "epoch";
  std::string seconds_column = "seconds";
};

template <ConfigSpace Space>
class tabulated_benchmark {
 public:
  using space_type = Space;
  using config_type = typename Space::config_type;

  static tabulated_benchmark load(Space space, const std::filesystem::path& file,
                                  tabulated_benchmark_options options = {}) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::system_error(errno, std::generic_category(), "cannot read " + file.string());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse(std::move(space), text, file.string(), std::move(options));
  }

  // `source` names the text in errors (a file name).
  static tabulated_benchmark parse(Space space, std::string_view text, std::string source,
                                   tabulated_benchmark_options options = {}) {
    tabulated_benchmark table(std::move(space), std::move(source), std::move(options));
    table.read(text);
    return table;
  }

  [[nodiscard]] const Space& space() const noexcept { return space_; }
  [[nodiscard]] std::string_view metric_name() const noexcept { return options_.metric; }
  [[nodiscard]] std::int64_t max_epochs(const config_type& config) const {
    return static_cast<std::int64_t>(curve_of(config).epochs.size());
  }
  [[nodiscard]] double metric(const config_type& config, std::int64_t epoch) const {
    return point(config, epoch).metric;
  }
  [[nodiscard]] double epoch_seconds(const config_type& config, std::int64_t epoch) const {
    return point(config, epoch).seconds;
  }

  // The table's configurations, in the order they first appear: what a
  // searcher should draw from (points_to_evaluate, or a grid over choices).
  [[nodiscard]] std::vector<config_type> configurations() const {
    std::vector<config_type> configs;
    configs.reserve(curves_.size());
    for (const auto& recorded : curves_) configs.push_back(recorded.config);
    return configs;
  }

 private:
  struct epoch_point {
    double metric = 0.0;
    double seconds = 0.0;
    std::size_t line = 0;  // 0: not in the file
  };
  struct learning_curve {
    config_type config;
    std::vector<epoch_point> epochs;  // epochs[k] is epoch k + 1
  };

  tabulated_benchmark(Space space, std::string source, tabulated_benchmark_options options)
      : space_(std::move(space)), source_(std::move(source)), options_(std::move(options)) {}

  [[noreturn]] void fail(std::size_t line, const std::string& what) const {
    throw std::invalid_argument(source_ + ":" + detail::to_text(line) + ": " + what);
  }

  std::string describe(const config_type& config) const {
    std::string text;
    space_.append_json(text, config);
    return text;
  }

  void read(std::string_view text) {
    detail::csv_reader reader(text);
    std::vector<std::string> header;
    if (!reader.next_row(header)) fail(1, "the file is empty; expected a header line");
    const auto column_of = [&](const std::string& name) -> std::size_t {
      for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] == name) return i;
      }
      fail(1, "no column '" + name + "' in the header");
    };
    std::vector<std::pair<std::string_view, std::size_t>> config_columns;
    for (const auto name : Space::names()) {
      config_columns.emplace_back(name, column_of(std::string(results_column::config_prefix) + std::string(name)));
    }
    const std::size_t epoch_column = column_of(options_.resource_attr);
    const std::size_t metric_column = column_of(options_.metric);
    const bool cumulative = std::find(header.begin(), header.end(), options_.seconds_column) == header.end() &&
                            std::find(header.begin(), header.end(), worker_time_column) != header.end();
    const std::string& seconds_name = cumulative ? worker_time_column : options_.seconds_column;
    const std::size_t seconds_column = column_of(seconds_name);

    std::vector<std::string> row;
    while (reader.next_row(row)) {
      const std::size_t line = reader.line();
      if (row.size() != header.size()) {
        fail(line, "expected " + detail::to_text(header.size()) + " fields as in the header, found " +
                       detail::to_text(row.size()));
      }
      config_type config = [&] {
        try {
          return space_.from_scalars([&](std::string_view name) -> const scalar_value* {
            for (const auto& [column_name, column] : config_columns) {
              if (column_name == name) return &(scratch_ = detail::scalar_from_text(row[column]));
            }
            return nullptr;
          });
        } catch (const std::invalid_argument& error) {
          fail(line, std::string("a configuration outside the space: ") + error.what());
        }
      }();
      const double epoch_value = number(row[epoch_column], options_.resource_attr, line);
      if (!(epoch_value >= 1) || epoch_value != std::floor(epoch_value) || epoch_value > 1e9) {
        fail(line, options_.resource_attr + " = " + row[epoch_column] + ": must be a whole number >= 1");
      }
      const double seconds = number(row[seconds_column], seconds_name, line);
      if (!(seconds >= 0) || !std::isfinite(seconds)) {
        fail(line, seconds_name + " = " + row[seconds_column] + ": must be a finite number >= 0");
      }
      auto& points = add_curve(std::move(config)).epochs;
      const auto index = static_cast<std::size_t>(epoch_value) - 1;
      if (points.size() <= index) points.resize(index + 1);
      if (points[index].line != 0) {
        fail(line, options_.resource_attr + " " + row[epoch_column] + " of this configuration is already on line " +
                       detail::to_text(points[index].line));
      }
      points[index] = {number(row[metric_column], options_.metric, line), seconds, line};
    }
    if (curves_.empty()) fail(reader.line(), "no rows after the header");
    for (auto& [config, points] : curves_) {
      check_complete(config, points);
      if (cumulative) to_epoch_seconds(points);
    }
  }

  // st_worker_time counts from the trial's start: each epoch's time is the step.
  void to_epoch_seconds(std::vector<epoch_point>& points) const {
    double before = 0.0;
    for (auto& point : points) {
      const double total = point.seconds;
      if (total < before) {
        fail(point.line, std::string(worker_time_column) + " went back from " + detail::to_text(before) + " to " +
                             detail::to_text(total));
      }
      point.seconds = total - before;
      before = total;
    }
  }

  void check_complete(const config_type& config, const std::vector<epoch_point>& points) const {
    for (std::size_t k = 0; k < points.size(); ++k) {
      if (points[k].line != 0) continue;
      std::size_t next = k + 1;
      while (points[next].line == 0) ++next;  // the last point is always there
      fail(points[next].line, options_.resource_attr + " " + detail::to_text(next + 1) + " of configuration " +
                                  describe(config) + " follows no " + options_.resource_attr + " " +
                                  detail::to_text(k + 1) + ": every epoch from 1 on is needed");
    }
  }

  double number(const std::string& field, const std::string& column, std::size_t line) const {
    double value = 0.0;
    const char* end = field.data() + field.size();
    const auto [stop, error] = std::from_chars(field.data(), end, value);
    if (error != std::errc{} || stop != end || field.empty()) {
      fail(line, column + " = '" + field + "' is not a number");
    }
    return value;
  }

  learning_curve& add_curve(config_type config) {
    const std::uint64_t key = detail::config_hash(space_, config);
    if (const auto found = index_.find(key); found != index_.end()) {
      if (!(curves_[found->second].config == config)) {
        throw std::logic_error("tabulated_benchmark: two configurations share a hash; please report this");
      }
      return curves_[found->second];
    }
    index_.emplace(key, curves_.size());
    return curves_.emplace_back(learning_curve{std::move(config), {}});
  }

  const learning_curve& curve_of(const config_type& config) const {
    const auto found = index_.find(detail::config_hash(space_, config));
    if (found == index_.end() || !(curves_[found->second].config == config)) {
      throw std::out_of_range("tabulated_benchmark: configuration " + describe(config) + " is not in " + source_ +
                              " (" + detail::to_text(curves_.size()) +
                              " configurations): let the searcher draw from configurations()");
    }
    return curves_[found->second];
  }

  const epoch_point& point(const config_type& config, std::int64_t epoch) const {
    const auto& points = curve_of(config).epochs;
    if (epoch < 1 || static_cast<std::size_t>(epoch) > points.size()) {
      throw std::out_of_range("tabulated_benchmark: " + options_.resource_attr + " " + detail::to_text(epoch) +
                              " of configuration " + describe(config) + " is not in " + source_ + " (it has 1.." +
                              detail::to_text(points.size()) + ")");
    }
    return points[static_cast<std::size_t>(epoch) - 1];
  }

  static inline const std::string worker_time_column{results_column::worker_time};

  Space space_;
  std::string source_;
  tabulated_benchmark_options options_;
  std::vector<learning_curve> curves_;
  std::unordered_map<std::uint64_t, std::size_t> index_;
  scalar_value scratch_;  // the value from_scalars is looking at
};

}  // namespace rung
