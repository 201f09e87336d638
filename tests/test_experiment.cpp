#include "rung/results/experiment.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/transform.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "rung/drivers/tuner.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "synthetic_workload.hpp"
#include "temp_dir.hpp"

namespace test_experiment {

using rung_test::temp_dir;

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(-1.0, 1.0), rung::choice<"optimizer">("sgd", "adam"),
                                          rung::constant<"max_epochs">(4));
using config = decltype(space)::config_type;

double loss(const config& c, std::int64_t epoch) {
  return c.get<"x">() * c.get<"x">() + (c.get<"optimizer">() == "adam" ? 0.1 : 0.2) / static_cast<double>(epoch);
}

rung::tuning_result<config> run_tuning(const std::filesystem::path& root, rung::mode mode = rung::mode::min) {
  rung::tuner tuner(rung::fifo(rung::random_searcher(space, {.seed = 5}),
                               {.metric = "loss", .mode = mode, .max_resource_attr = "max_epochs"}),
                    {.n_workers = 2,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 8},
                     .metrics = {"loss", "accuracy"},
                     .name = "exp",
                     .experiment_root = root,
                     .log = nullptr});
  return tuner.run([](const config& c, rung::reporter& reporter) {
    for (std::int64_t epoch = 1; epoch <= c.get<"max_epochs">(); ++epoch) {
      if (reporter.report(static_cast<double>(epoch), {{"loss", loss(c, epoch)}, {"accuracy", 1 - loss(c, epoch)}}) !=
          rung::decision::continue_trial) {
        return;
      }
    }
  });
}

}  // namespace

TEST_CASE("load_experiment gives back every report, trial and the best configuration") {
  temp_dir dir;
  const auto result = run_tuning(dir.path);
  const auto loaded = rung::load_experiment(result.experiment_dir);

  CHECK(loaded.metadata.name == "exp");
  CHECK(loaded.metadata.metric == "loss");
  CHECK(loaded.metadata.metric_names == std::vector<std::string>{"loss", "accuracy"});
  CHECK(loaded.metadata.hyperparameter_names == std::vector<std::string>{"x", "optimizer", "max_epochs"});
  CHECK(loaded.metadata.n_workers == 2);
  CHECK(loaded.metadata.scheduler == "fifo");
  CHECK(loaded.finished);
  CHECK(!loaded.truncated);
  CHECK(loaded.stop_reason == result.stop_reason);
  REQUIRE(loaded.trials.size() == 8);
  CHECK(loaded.rows.size() == 8 * 4);

  for (const auto& trial : result.trials) {
    const auto& read = loaded.trials[static_cast<std::size_t>(trial.id)];
    CHECK(read.status == "Completed");
    const auto restored = space.from_scalars([&](std::string_view name) { return read.find(name); });
    CHECK(restored == trial.config);  // bit for bit through the journal
    const auto curve = loaded.curve(trial.id) | ranges::to<std::vector>();
    REQUIRE(curve.size() == 4);
    for (std::size_t i = 0; i < curve.size(); ++i) {
      CHECK(curve[i].resource == static_cast<double>(i + 1));
      CHECK(curve[i].metrics[0] == loss(trial.config, static_cast<std::int64_t>(i + 1)));
      CHECK(curve[i].metrics[1] == 1 - loss(trial.config, static_cast<std::int64_t>(i + 1)));
    }
  }
  const auto* best = loaded.best_trial();
  REQUIRE(best != nullptr);
  CHECK(best->id == *result.best_trial);
  CHECK(loaded.best_row()->metrics[0] == result.best_metric);
}

TEST_CASE("the incumbent only improves, ends at the best value and starts with the first report") {
  temp_dir dir;
  const auto result = run_tuning(dir.path);
  const auto loaded = rung::load_experiment(result.experiment_dir);
  const auto incumbent = loaded.incumbent() | ranges::to<std::vector>();
  REQUIRE(!incumbent.empty());
  CHECK(incumbent.front().time == loaded.rows.front().tuner_time);
  for (std::size_t i = 1; i < incumbent.size(); ++i) {
    CHECK(incumbent[i].best < incumbent[i - 1].best);
    CHECK(incumbent[i].time >= incumbent[i - 1].time);
  }
  CHECK(incumbent.back().best == result.best_metric);
}

TEST_CASE("the results are views that compose with range-v3 pipelines") {
  temp_dir dir;
  const auto result = run_tuning(dir.path);
  const auto loaded = rung::load_experiment(result.experiment_dir);
  const auto accuracies = loaded.metric_values("accuracy") | ranges::to<std::vector>();
  REQUIRE(accuracies.size() == loaded.rows.size());
  for (std::size_t i = 0; i < accuracies.size(); ++i) CHECK(accuracies[i] == loaded.rows[i].metrics[1]);
  CHECK_THROWS_WITH_AS(loaded.metric_values("los"), doctest::Contains("no metric 'los'"), std::invalid_argument);

  // Each trial's last report, through a pipeline of the user's own: 8 trials ran to epoch 4.
  const auto last_reports = loaded.rows | ranges::views::filter([](const rung::experiment_row& row) {
                              return row.resource == 4;
                            }) |
                            ranges::views::transform([](const rung::experiment_row& row) { return row.trial; }) |
                            ranges::to<std::vector>();
  CHECK(last_reports.size() == 8);
  // A view walks the rows as they are: a curve sees every row of its trial, in order.
  for (const auto& trial : loaded.trials) {
    double previous = 0;
    for (const auto& row : loaded.curve(trial.id)) {
      CHECK(row.trial == trial.id);
      CHECK(row.resource == previous + 1);
      previous = row.resource;
    }
    CHECK(previous == 4);
  }
}

TEST_CASE("a journal cut off mid-line still loads what was completely written") {
  temp_dir dir;
  const auto result = run_tuning(dir.path);
  const auto journal = result.experiment_dir / "journal.jsonl";
  const auto full = rung::load_experiment(result.experiment_dir);
  std::ifstream in(journal);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  // Cut in the middle of the 20th line, as a crash during a write would.
  std::size_t cut = 0;
  for (int line = 0; line < 19; ++line) cut = text.find('\n', cut) + 1;
  std::ofstream(journal, std::ios::trunc) << text.substr(0, cut + 10);
  const auto partial = rung::load_experiment(result.experiment_dir);
  CHECK(partial.truncated);
  CHECK(!partial.finished);
  CHECK(partial.rows.size() < full.rows.size());
  CHECK(!partial.rows.empty());
}

TEST_CASE("a malformed journal line is an error naming the file and line") {
  temp_dir dir;
  const auto result = run_tuning(dir.path);
  std::ofstream(result.experiment_dir / "journal.jsonl", std::ios::app) << "{\"event\":\"report\",\"time\":1}\n";
  // tuning_started, 8 starts, 32 reports, 8 ends, tuning_finished: the bad line is the 51st.
  const std::string expected = "journal.jsonl:" + std::to_string(1 + 8 + 8 * 4 + 8 + 1 + 1) + ": missing field 'trial_id'";
  CHECK_THROWS_WITH_AS((void)rung::load_experiment(result.experiment_dir), doctest::Contains(expected.c_str()),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)rung::load_experiment(dir.path / "nowhere"),
                       doctest::Contains("not an experiment directory"), std::invalid_argument);
}

TEST_CASE("an experiment directory is never overwritten") {
  temp_dir dir;
  (void)run_tuning(dir.path);
  CHECK_THROWS_WITH_AS((void)run_tuning(dir.path), doctest::Contains("already holds a journal"), std::invalid_argument);
}

TEST_CASE("a damaged metadata.json is an error naming the file") {
  temp_dir dir;
  const auto result = run_tuning(dir.path);
  const auto metadata = result.experiment_dir / "metadata.json";
  std::ifstream in(metadata);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::ofstream(metadata, std::ios::trunc) << text.substr(0, text.size() / 2);
  CHECK_THROWS_WITH_AS((void)rung::load_experiment(result.experiment_dir),
                       doctest::Contains((metadata.string() + ": JSON").c_str()), std::invalid_argument);
  std::ofstream(metadata, std::ios::trunc) << R"({"tuner_name":"exp"})";
  CHECK_THROWS_WITH_AS((void)rung::load_experiment(result.experiment_dir),
                       doctest::Contains((metadata.string() + ": missing field 'metric'").c_str()),
                       std::invalid_argument);
}

// Skipped in the test binary's own runs: ctest's results_fixture_write runs it
// alone (--no-skip) to write the experiment that
// tests/python/check_results_readable.py then reads with pandas.
TEST_CASE("the experiment pandas reads: 25 trials, two metrics, one of them sometimes NaN" * doctest::skip()) {
  namespace lc = rung::bench::synthetic_lc;
  const char* root = std::getenv("RUNG_RESULTS_FIXTURE_ROOT");
  REQUIRE_MESSAGE(root != nullptr, "RUNG_RESULTS_FIXTURE_ROOT names the directory to write the experiment in");
  rung::tuner tuner(rung::fifo(rung::random_searcher(lc::space, {.seed = 3}), {.metric = "error", .max_t = 9}),
                    {.n_workers = 3,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 25},
                     .metrics = {"error", "train_loss"},
                     .name = "fixture",
                     .experiment_root = root,
                     .log = nullptr});
  const auto result = tuner.run([](const lc::config& c, rung::reporter& reporter) {
    for (std::int64_t epoch = 1;; ++epoch) {
      const double error = lc::error(c, epoch);
      // Sometimes NaN, as a diverging loss is: NaN must survive the trip to pandas.
      const double train_loss = c.get<"width">() % 7 == 0 ? std::nan("") : error * 0.9;
      if (reporter.report(static_cast<double>(epoch), {{"error", error}, {"train_loss", train_loss}}) !=
          rung::decision::continue_trial) {
        return;
      }
    }
  });
  CHECK(result.trials.size() == 25);
  CHECK(std::filesystem::exists(result.experiment_dir / "results.csv"));
}

}  // namespace test_experiment
