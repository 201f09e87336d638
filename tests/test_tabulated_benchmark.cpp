#include "rung/drivers/tabulated_benchmark.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "rung/drivers/simulator.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "synthetic_workload.hpp"

namespace test_tabulated_benchmark {

namespace {

inline constexpr auto space =
    rung::config_space(rung::loguniform<"lr">(1e-4, 1.0), rung::choice<"optimizer">("sgd", "adam"));
using table_type = rung::tabulated_benchmark<std::remove_const_t<decltype(space)>>;

// Two configurations; rows in any order, an extra column, a quoted field.
constexpr std::string_view good_table =
    "config_optimizer,config_lr,epoch,error,seconds,note\n"
    "sgd,0.1,1,0.8,10,first\n"
    "sgd,0.1,2,0.6,11,\"a, quoted note\"\n"
    "adam,0.001,2,0.5,20,\n"
    "adam,0.001,1,0.7,21,\n"
    "adam,0.001,3,0.4,22,\n";

auto config(double lr, std::string_view optimizer) {
  return space.complete(space.partial().set<"lr">(lr).set<"optimizer">(optimizer));
}

std::string error_of(std::string_view text) {
  try {
    (void)table_type::parse(space, text, "curves.csv");
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

static_assert(rung::Benchmark<table_type>);

TEST_CASE("a table gives each configuration's metric and time per epoch") {
  const auto table = table_type::parse(space, good_table, "curves.csv");
  const auto sgd = config(0.1, "sgd");
  const auto adam = config(0.001, "adam");
  CHECK(table.max_epochs(sgd) == 2);
  CHECK(table.max_epochs(adam) == 3);
  CHECK(table.metric(sgd, 2) == 0.6);
  CHECK(table.metric(adam, 1) == 0.7);
  CHECK(table.epoch_seconds(adam, 3) == 22.0);
  CHECK(table.configurations() == std::vector{sgd, adam});
  CHECK_THROWS_WITH_AS((void)table.metric(config(0.5, "sgd"), 1),
                       doctest::Contains(R"(configuration {"lr":0.5,"optimizer":"sgd"} is not in curves.csv)"),
                       std::out_of_range);
  CHECK_THROWS_WITH_AS((void)table.metric(sgd, 3), doctest::Contains("epoch 3 of configuration"), std::out_of_range);
}

TEST_CASE("a table on disk replays in the simulator, its configurations as the searcher's points") {
  const auto path = std::filesystem::temp_directory_path() / "rung-test-curves.csv";
  std::ofstream(path) << good_table;
  const auto table = table_type::load(space, path);
  const auto configs = table.configurations();
  auto scheduler = rung::asha(
      rung::random_searcher(space, {.points_to_evaluate = std::vector<table_type::space_type::partial_type>(
                                        configs.begin(), configs.end())}),
      {.metric = "error", .grace_period = 1, .reduction_factor = 2, .max_t = 3});
  const auto result = rung::simulate(
      scheduler, table, {.n_workers = 1, .stop_criterion = rung::stop_criterion{.max_num_trials_started = 2}});
  REQUIRE(result.trials.size() == 2);
  // One worker: sgd's two epochs (10 + 11 s), then adam's; adam ends with 0.4.
  CHECK(result.trials[0].worker_time == 21.0);
  CHECK(result.best_metric == 0.4);
  std::filesystem::remove(path);
  CHECK_THROWS_WITH_AS(table_type::load(space, path), doctest::Contains("cannot read"), std::system_error);
}

TEST_CASE("a bad table is refused with its line") {
  CHECK(error_of("config_lr,config_optimizer,epoch,error,seconds\n"
                 "0.1,sgd,1,0.8,1\n"
                 "0.1,sgd,3,0.6,1\n") ==
        R"(curves.csv:3: epoch 3 of configuration {"lr":0.1,"optimizer":"sgd"} follows no epoch 2: every epoch from 1 on is needed)");
  CHECK(error_of("config_lr,config_optimizer,epoch,error,seconds\n"
                 "0.1,sgd,1,0.8,1\n"
                 "0.1,sgd,2,low,1\n") == "curves.csv:3: error = 'low' is not a number");
  CHECK(error_of("config_lr,config_optimizer,epoch,error,seconds\n"
                 "0.1,sgd,1,0.8,1\n\n"
                 "0.1,rmsprop,1,0.8,1\n").starts_with("curves.csv:4: a configuration outside the space: hyperparameter 'optimizer'"));
  CHECK(error_of("config_lr,config_optimizer,epoch,error,seconds\n"
                 "5.0,sgd,1,0.8,1\n").starts_with("curves.csv:2: a configuration outside the space: hyperparameter 'lr'"));
  CHECK(error_of("config_lr,epoch,error,seconds\n0.1,1,0.8,1\n") ==
        "curves.csv:1: no column 'config_optimizer' in the header");
  CHECK(error_of("config_lr,config_optimizer,epoch,error,seconds\n0.1,sgd,1,0.8\n") ==
        "curves.csv:2: expected 5 fields as in the header, found 4");
  CHECK(error_of("config_lr,config_optimizer,epoch,error,seconds\n0.1,sgd,1,0.8,1\n0.1,sgd,1,0.7,1\n") ==
        "curves.csv:3: epoch 1 of this configuration is already on line 2");
  CHECK(error_of("config_lr,config_optimizer,epoch,error,seconds\n0.1,sgd,1.5,0.8,1\n") ==
        "curves.csv:2: epoch = 1.5: must be a whole number >= 1");
  CHECK(error_of("config_lr,config_optimizer,epoch,error,seconds\n0.1,sgd,1,0.8,-1\n") ==
        "curves.csv:2: seconds = -1: must be a finite number >= 0");
  CHECK(error_of("config_lr,config_optimizer,epoch,error,seconds\n") == "curves.csv:1: no rows after the header");
  CHECK(error_of("") == "curves.csv:1: the file is empty; expected a header line");
}

TEST_CASE("a tuning's results.csv replays as recorded: st_worker_time gives each epoch's time") {
  namespace lc = rung::bench::synthetic_lc;
  const auto root = std::filesystem::temp_directory_path() / "rung-test-replay";
  std::filesystem::remove_all(root);
  auto scheduler = rung::fifo(rung::random_searcher(lc::space, {.seed = 5}), {.metric = "error", .max_t = 4});
  (void)rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{},
                       {.n_workers = 3,
                        .stop_criterion = rung::stop_criterion{.max_num_trials_started = 6},
                        .name = "recorded",
                        .experiment_root = root,
                        .record_results = true});
  using lc_table = rung::tabulated_benchmark<std::remove_const_t<decltype(lc::space)>>;
  const auto table = lc_table::load(lc::space, root / "recorded" / "results.csv");
  const auto configs = table.configurations();
  REQUIRE(configs.size() == 6);
  for (const auto& config : configs) {
    CHECK(table.max_epochs(config) == 4);
    for (std::int64_t epoch = 1; epoch <= 4; ++epoch) {
      CHECK(table.metric(config, epoch) == lc::error(config, epoch));
      CHECK(table.epoch_seconds(config, epoch) == doctest::Approx(lc::epoch_seconds(config)));
    }
  }
  std::filesystem::remove_all(root);
  CHECK(error_of("config_lr,config_optimizer,epoch,error,st_worker_time\n"
                 "0.1,sgd,1,0.8,5\n"
                 "0.1,sgd,2,0.7,4\n") == "curves.csv:3: st_worker_time went back from 5 to 4");
}

}  // namespace test_tabulated_benchmark
