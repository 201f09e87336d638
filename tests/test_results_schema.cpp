// Each format of the experiment folder round-trips through its one schema
// (rung/results/schema.hpp): what experiment_recorder writes, read_journal,
// read_metadata and a CSV reader of results.csv give back, field for field.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "rung/results/experiment.hpp"
#include "rung/results/experiment_recorder.hpp"
#include "rung/results/metadata.hpp"
#include "rung/results/metric_resolver.hpp"
#include "rung/results/schema.hpp"
#include "rung/spaces/config_space.hpp"
#include "rung/util/csv_read.hpp"
#include "rung/util/json.hpp"
#include "temp_dir.hpp"

namespace test_results_schema {

using rung_test::temp_dir;

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(-1.0, 1.0), rung::choice<"optimizer">("sgd", "a,\"b"),
                                          rung::constant<"max_epochs">(4));
using space_type = std::remove_const_t<decltype(space)>;
using config = space_type::config_type;
using trial = rung::trial_record<config>;
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

// st_worker_time among the metrics: it fills results.csv's column of that name.
rung::experiment_description description() {
  return {.name = "schema",
          .metric = "loss",
          .mode = rung::mode::max,
          .metric_names = {"loss", std::string(rung::results_column::worker_time), "accuracy"},
          .resource_attr = "step",
          .hyperparameter_names = {"x", "optimizer", "max_epochs"},
          .config_space_json = space.describe_json(),
          .n_workers = 3,
          .scheduler = "fifo",
          .driver = "asio",
          .creation_timestamp = 1700000000.25};
}

trial first_trial() {
  trial first;
  first.config = space.complete(space.partial().set<"x">(0.1).set<"optimizer">("a,\"b"));
  return first;
}

// A recorder on a fresh directory whose tuning has started (line 0).
struct recording {
  temp_dir dir;
  std::filesystem::path directory = dir.path / "exp";
  rung::experiment_recorder<space_type> recorder{directory, space};

  recording() { recorder.tuning_started(description(), 0.5); }

  [[nodiscard]] std::vector<rung::journal_event> events() const {
    std::vector<rung::journal_event> read;
    (void)rung::read_journal(directory / rung::journal_file_name,
                             [&](const rung::journal_event& event) { read.push_back(event); });
    return read;
  }

  // The one event written after tuning_started.
  [[nodiscard]] rung::journal_event second() const {
    const auto read = events();
    REQUIRE(read.size() == 2);
    return read[1];
  }
};

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

void check_same(const rung::journal_event& read, const rung::journal_event& expected) {
  CHECK(read.kind == expected.kind);
  CHECK(read.seq == expected.seq);
  CHECK(read.trial == expected.trial);
  CHECK(read.time == expected.time);
  CHECK(read.worker_time == expected.worker_time);
  CHECK(read.resource == expected.resource);
  CHECK(read.from_resource == expected.from_resource);
  CHECK(read.config == expected.config);
  REQUIRE(read.metrics.size() == expected.metrics.size());
  for (std::size_t i = 0; i < read.metrics.size(); ++i) {
    CAPTURE(i);
    CHECK(read.metrics[i].first == expected.metrics[i].first);
    CHECK(same(read.metrics[i].second, expected.metrics[i].second));
  }
  CHECK(read.decision == expected.decision);
  CHECK(read.status == expected.status);
  CHECK(read.cut == expected.cut);
  CHECK(read.scheduler_decision == expected.scheduler_decision);
  CHECK(read.text == expected.text);
  CHECK(read.resumed == expected.resumed);
  CHECK(read.dropped_bytes == expected.dropped_bytes);
  CHECK(read.trials_started == expected.trials_started);
}

rung::journal_event expected(rung::journal_event_kind kind, std::size_t seq, double time) {
  rung::journal_event event;
  event.kind = kind;
  event.seq = seq;
  event.time = time;
  return event;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("journal round trip: tuning_started, new and resumed") {
  recording run;
  auto started = expected(rung::journal_event_kind::tuning_started, 0, 0.5);
  started.text = "schema";
  check_same(run.events().at(0), started);

  // A resume that cut a partial line off the journal records how many bytes it dropped.
  run.recorder.tuning_finished({}, "done", 1.0);
  std::ofstream(run.directory / rung::journal_file_name, std::ios::app | std::ios::binary) << "{\"seq\":2,\"ev";
  rung::experiment_recorder<space_type> resumed(run.directory, space, true);
  auto again = description();
  again.resumed = true;
  (void)resumed.open_to_resume(again);
  resumed.tuning_started(again, 2.0);
  auto restarted = expected(rung::journal_event_kind::tuning_started, 2, 2.0);
  restarted.text = "schema";
  restarted.resumed = true;
  restarted.dropped_bytes = std::string_view("{\"seq\":2,\"ev").size();
  check_same(run.events().at(2), restarted);
}

TEST_CASE("journal round trip: trial_started carries the configuration in the space's order") {
  recording run;
  run.recorder.trial_started(first_trial(), 0.75);
  auto started = expected(rung::journal_event_kind::trial_started, 1, 0.75);
  started.config = {{"x", 0.1}, {"optimizer", std::string("a,\"b")}, {"max_epochs", std::int64_t{4}}};
  check_same(run.second(), started);
}

TEST_CASE("journal round trip: trial_resumed") {
  recording run;
  run.recorder.trial_resumed(first_trial(), 3.0, 4.25);
  auto resumed = expected(rung::journal_event_kind::trial_resumed, 1, 4.25);
  resumed.from_resource = 3.0;
  check_same(run.second(), resumed);
}

TEST_CASE("journal round trip: report, as decided and as cut short by the tuning's end") {
  for (const bool cut : {false, true}) {
    CAPTURE(cut);
    recording run;
    auto reporting = first_trial();
    reporting.worker_time = 2.5;
    reporting.status = rung::trial_status::paused;
    const double metrics[] = {0.1, not_a_number, -3.0};
    const auto decided = cut ? rung::decision::stop_trial : rung::decision::pause_trial;
    run.recorder.trial_reported(reporting, 2.0, metrics, decided, rung::decision::pause_trial, 5.0);

    auto report = expected(rung::journal_event_kind::report, 1, 5.0);
    report.worker_time = 2.5;
    report.resource = 2.0;
    report.metrics = {{"loss", 0.1}, {"st_worker_time", not_a_number}, {"accuracy", -3.0}};
    report.decision = cut ? "STOP" : "PAUSE";
    report.status = "Paused";
    report.cut = cut;
    report.scheduler_decision = cut ? "PAUSE" : "";
    check_same(run.second(), report);
  }
}

TEST_CASE("journal round trip: report_ignored keeps its reason, quotes and newlines too") {
  recording run;
  run.recorder.report_ignored(first_trial(), 7.0, "a \"late\"\nreport", 6.0);
  auto ignored = expected(rung::journal_event_kind::report_ignored, 1, 6.0);
  ignored.resource = 7.0;
  ignored.text = "a \"late\"\nreport";
  check_same(run.second(), ignored);
}

TEST_CASE("journal round trip: trial_finished, failed with its error or cut short") {
  for (const bool cut : {false, true}) {
    CAPTURE(cut);
    recording run;
    auto ending = first_trial();
    ending.worker_time = 8.5;
    ending.status = cut ? rung::trial_status::stopped : rung::trial_status::failed;
    ending.error = cut ? "" : "out of \"memory\"";
    ending.cut = cut;
    run.recorder.trial_finished(ending, 9.0);
    auto finished = expected(rung::journal_event_kind::trial_finished, 1, 9.0);
    finished.status = cut ? "Stopped" : "Failed";
    finished.worker_time = 8.5;
    finished.text = ending.error;
    finished.cut = cut;
    check_same(run.second(), finished);
  }
}

TEST_CASE("journal round trip: tuning_finished") {
  recording run;
  rung::tuning_status status;
  status.num_trials_started = 17;
  run.recorder.tuning_finished(status, "max_num_trials_started reached", 10.0);
  auto finished = expected(rung::journal_event_kind::tuning_finished, 1, 10.0);
  finished.text = "max_num_trials_started reached";
  finished.trials_started = 17;
  check_same(run.second(), finished);
}

TEST_CASE("every event name reads back as its kind, and an unknown one does not") {
  for (std::size_t i = 0; i < std::size(rung::journal_event_names); ++i) {
    const auto kind = static_cast<rung::journal_event_kind>(i);
    CHECK(rung::journal_event_kind_from_string(rung::to_string(kind)) == kind);
  }
  CHECK(!rung::journal_event_kind_from_string("trial_paused"));
}

TEST_CASE("metadata.json round trip: the struct written is the struct read, its keys in the table's order") {
  recording run;
  const auto path = run.directory / rung::metadata_file_name;
  const rung::experiment_metadata written = description();
  const rung::experiment_metadata read = rung::detail::read_metadata(path);
  CHECK(read.name == written.name);
  CHECK(read.metric == written.metric);
  CHECK(read.mode == written.mode);
  CHECK(read.metric_names == written.metric_names);
  CHECK(read.resource_attr == written.resource_attr);
  CHECK(read.hyperparameter_names == written.hyperparameter_names);
  CHECK(rung::detail::parse_json(read.config_space_json) == rung::detail::parse_json(written.config_space_json));
  CHECK(read.n_workers == written.n_workers);
  CHECK(read.scheduler == written.scheduler);
  CHECK(read.driver == written.driver);
  CHECK(read.creation_timestamp == written.creation_timestamp);
  CHECK(!read.resumed);  // the journal's to say, not metadata.json's
  // Written again from what was read, the file is the same, byte for byte.
  CHECK(rung::detail::metadata_json(read) == read_file(path));

  std::vector<std::string> keys;
  const auto file = rung::detail::parse_json(read_file(path));
  for (const auto& [key, value] : file.as_object()) keys.push_back(key);
  std::vector<std::string> table;
  rung::experiment_metadata visited;
  rung::detail::for_each_metadata_field(visited,
                                        [&](std::string_view key, auto&& /*member*/) { table.emplace_back(key); });
  CHECK(keys == table);
  CHECK(table.front() == rung::metadata_key::tuner_name);
}

TEST_CASE("a metadata.json field missing or of a bad value is an error naming the file and the field") {
  recording run;
  const auto path = run.directory / rung::metadata_file_name;
  const std::string text = read_file(path);
  const auto replaced = [&](std::string_view from, std::string_view to) {
    std::string edited = text;
    const auto at = edited.find(from);
    REQUIRE(at != std::string::npos);
    edited.replace(at, from.size(), to);
    std::ofstream(path, std::ios::trunc | std::ios::binary) << edited;
  };
  replaced(R"("metric_mode":"max")", R"("metric_mode":"sideways")");
  CHECK_THROWS_WITH_AS((void)rung::detail::read_metadata(path),
                       (path.string() + R"(: metric_mode: "sideways": must be min or max)").c_str(),
                       std::invalid_argument);
  replaced(R"("n_workers":3,)", "");
  CHECK_THROWS_WITH_AS((void)rung::detail::read_metadata(path), (path.string() + ": missing field 'n_workers'").c_str(),
                       std::invalid_argument);
  replaced(R"("n_workers":3)", R"("n_workers":-3)");
  CHECK_THROWS_WITH_AS((void)rung::detail::read_metadata(path),
                       (path.string() + ": n_workers: -3: must be >= 0").c_str(), std::invalid_argument);
}

TEST_CASE("results.csv round trip: a row's columns, by the schema's names, hold what was reported") {
  recording run;
  auto reporting = first_trial();
  reporting.worker_time = 2.5;
  reporting.iterations = 2;
  // The trial's own st_worker_time fills its column; NaN there leaves the tuner's clock.
  const double own_clock[] = {0.1, 11.75, not_a_number};
  const double no_clock[] = {0.3, not_a_number, 0.5};
  run.recorder.trial_started(reporting, 1.0);
  run.recorder.trial_reported(reporting, 2.0, own_clock, rung::decision::continue_trial, rung::decision::continue_trial,
                              5.0);
  reporting.status = rung::trial_status::stopped;
  run.recorder.trial_reported(reporting, 3.0, no_clock, rung::decision::stop_trial, rung::decision::stop_trial, 6.0);
  run.recorder.flush();

  const std::string text = read_file(run.directory / rung::results_file_name);
  rung::detail::csv_reader reader(text);
  std::vector<std::string> header;
  REQUIRE(reader.next_row(header));
  const auto written = description();
  CHECK(header == rung::results_columns(written.resource_attr, written.metric_names, written.hyperparameter_names));
  CHECK(header == std::vector<std::string>{"trial_id", "st_status", "st_decision", "st_tuner_time", "st_worker_time",
                                           "st_worker_iter", "step", "loss", "accuracy", "config_x", "config_optimizer",
                                           "config_max_epochs"});
  const auto column = [&](const std::vector<std::string>& row, std::string_view name) {
    const auto found = std::find(header.begin(), header.end(), name);
    REQUIRE(found != header.end());
    return row.at(static_cast<std::size_t>(found - header.begin()));
  };
  namespace column_name = rung::results_column;
  std::vector<std::string> row;
  REQUIRE(reader.next_row(row));
  CHECK(column(row, column_name::trial_id) == "0");
  CHECK(column(row, column_name::status) == "InProgress");
  CHECK(column(row, column_name::decision) == "CONTINUE");
  CHECK(std::stod(column(row, column_name::tuner_time)) == 5.0);
  CHECK(std::stod(column(row, column_name::worker_time)) == 11.75);
  CHECK(std::stod(column(row, column_name::worker_iter)) == 2.0);
  CHECK(std::stod(column(row, "step")) == 2.0);
  CHECK(std::stod(column(row, "loss")) == 0.1);
  CHECK(column(row, "accuracy") == "NaN");
  CHECK(std::stod(column(row, std::string(column_name::config_prefix) + "x")) == 0.1);
  CHECK(column(row, "config_optimizer") == "a,\"b");
  CHECK(column(row, "config_max_epochs") == "4");

  REQUIRE(reader.next_row(row));
  CHECK(column(row, column_name::status) == "Stopped");
  CHECK(column(row, column_name::decision) == "STOP");
  CHECK(std::stod(column(row, column_name::worker_time)) == 2.5);
  CHECK(std::stod(column(row, "accuracy")) == 0.5);
  CHECK(!reader.next_row(row));

  // load_experiment reads the same reports from the journal.
  const auto loaded = rung::load_experiment(run.directory);
  REQUIRE(loaded.rows.size() == 2);
  CHECK(loaded.rows[0].tuner_time == 5.0);
  CHECK(loaded.rows[0].resource == 2.0);
  CHECK(loaded.rows[0].metrics[0] == 0.1);
  CHECK(loaded.rows[0].metrics[1] == 11.75);
  CHECK(std::isnan(loaded.rows[0].metrics[2]));
  CHECK(loaded.rows[1].decision == "STOP");
  CHECK(loaded.rows[1].status == "Stopped");
}

TEST_CASE("metric_resolver: one mapping from names to the tuner's order, for reports and journal lines") {
  const std::vector<std::string> names = {"loss", "accuracy"};
  const rung::detail::metric_resolver order(names, 0);
  CHECK(order.index_of("accuracy") == 1);
  CHECK(!order.index_of("los"));
  std::vector<double> values;
  std::vector<std::string> unknown;
  const std::vector<std::pair<std::string, double>> line = {{"accuracy", 0.75}, {"lr", 0.1}};
  order.place(line, values, [&](std::string_view name) { unknown.emplace_back(name); });
  REQUIRE(values.size() == 2);
  CHECK(std::isnan(values[0]));
  CHECK(values[1] == 0.75);
  CHECK(unknown == std::vector<std::string>{"lr"});
  const std::vector<std::pair<std::string, double>> twice = {{"loss", 0.5}, {"loss", 0.25}};
  CHECK_THROWS_WITH_AS(order.place(twice, values, [](std::string_view) {}), "metric 'loss' is given twice",
                       std::invalid_argument);
}

}  // namespace test_results_schema
