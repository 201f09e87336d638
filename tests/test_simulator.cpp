#include "rung/drivers/simulator.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "rung/results/experiment.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/schedulers/synchronous_hyperband.hpp"
#include "rung/searchers/any_searcher.hpp"
#include "rung/searchers/grid_search.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "synthetic_workload.hpp"

namespace test_simulator {

namespace {

namespace lc = rung::bench::synthetic_lc;

// Trials whose epochs take `seconds` each, for `epochs` epochs; the metric
// falls with the epoch so FIFO never stops a trial early.
inline constexpr auto timed_space =
    rung::config_space(rung::choice<"seconds">(1.0, 2.0, 3.0), rung::choice<"epochs">(2, 4));

struct timed_benchmark {
  using space_type = std::remove_const_t<decltype(timed_space)>;
  using config = space_type::config_type;
  [[nodiscard]] const space_type& space() const noexcept { return timed_space; }
  [[nodiscard]] std::string_view metric_name() const noexcept { return "loss"; }
  [[nodiscard]] std::int64_t max_epochs(const config& c) const { return c.get<"epochs", std::int64_t>(); }
  [[nodiscard]] double metric(const config& c, std::int64_t epoch) const {
    return c.get<"seconds", double>() / static_cast<double>(epoch);
  }
  [[nodiscard]] double epoch_seconds(const config& c, std::int64_t /*epoch*/) const {
    return c.get<"seconds", double>();
  }
};
static_assert(rung::Benchmark<timed_benchmark>);
static_assert(rung::Benchmark<rung::bench::synthetic_lc_benchmark>);

// The configurations {seconds, epochs = 2} in the order given.
auto fifo_over(std::vector<double> seconds) {
  std::vector<timed_benchmark::space_type::partial_type> points;
  for (const double s : seconds) {
    auto point = timed_space.partial();
    point.set<"seconds">(s);
    point.set<"epochs">(std::int64_t{2});
    points.push_back(point);
  }
  return rung::fifo(rung::random_searcher(timed_space, {.points_to_evaluate = points}),
                    {.metric = "loss", .max_resource_attr = "epochs"});
}

// The synthetic curves, but every epoch takes 2 s and every trial 3 epochs.
struct equal_time_benchmark : rung::bench::synthetic_lc_benchmark {
  [[nodiscard]] std::int64_t max_epochs(const lc::config& /*config*/) const noexcept { return 3; }
  [[nodiscard]] double epoch_seconds(const lc::config& /*config*/, std::int64_t /*epoch*/) const { return 2.0; }
};

// Random search that degrades at its fifth suggestion, as a GP searcher whose
// fit fails does, and says so through the Searcher concept's warning() hook.
class degrading_searcher {
 public:
  using space_type = rung::bench::synthetic_lc_benchmark::space_type;
  using config_type = space_type::config_type;

  std::optional<config_type> suggest(rung::trial_id id) {
    if (++suggested_ == 5) warning_ = "degrading_searcher: the model failed; random configurations from here";
    return random_.suggest(id);
  }
  [[nodiscard]] std::optional<std::string_view> warning() const {
    return warning_ ? std::optional<std::string_view>(*warning_) : std::nullopt;
  }
  [[nodiscard]] const space_type& space() const noexcept { return lc::space; }

 private:
  rung::random_search<space_type> random_{lc::space, {.seed = 5}};
  int suggested_ = 0;
  std::optional<std::string> warning_;
};

std::size_t count_of(std::string_view text, std::string_view part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string_view::npos; at = text.find(part, at + part.size())) ++count;
  return count;
}

auto synthetic_asha(rung::asha_type type, std::uint64_t seed) {
  return rung::asha(rung::random_searcher(lc::space, {.seed = seed}),
                    {.metric = "error", .max_t = lc::max_resource, .type = type, .seed = seed});
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("two workers, three trials of 1, 2 and 3 seconds per epoch, two epochs each: the schedule by hand") {
  // t=0: worker 0 runs trial 0 (1 s/epoch), worker 1 trial 1 (2 s/epoch).
  // t=2: trial 0 ends its second epoch; worker 0 takes trial 2 (3 s/epoch).
  // t=4: trial 1 ends; nothing left to start. t=8: trial 2 ends.
  auto scheduler = fifo_over({1.0, 2.0, 3.0});
  const auto result = rung::simulate(
      scheduler, timed_benchmark{},
      {.n_workers = 2, .stop_criterion = rung::stop_criterion{.max_num_trials_started = 3}, .record_schedule = true});
  const auto& statistics = result.statistics;
  CHECK(statistics.end_time == 8.0);
  CHECK(statistics.busy_worker_seconds == 2.0 + 4.0 + 6.0);
  CHECK(statistics.utilization() == doctest::Approx(12.0 / 16.0));
  CHECK(statistics.events == 6);
  CHECK(statistics.first_full_training == 2.0);
  CHECK(statistics.first_full_trial == rung::trial_id{0});
  REQUIRE(statistics.schedule.size() == 3);
  const auto span = [&](std::size_t i) {
    const auto& s = statistics.schedule[i];
    return std::tuple(s.worker, s.trial, s.start, s.end, s.first_epoch, s.last_epoch);
  };
  CHECK(span(0) == std::tuple(std::size_t{0}, rung::trial_id{0}, 0.0, 2.0, std::int64_t{1}, std::int64_t{2}));
  CHECK(span(1) == std::tuple(std::size_t{1}, rung::trial_id{1}, 0.0, 4.0, std::int64_t{1}, std::int64_t{2}));
  CHECK(span(2) == std::tuple(std::size_t{0}, rung::trial_id{2}, 2.0, 8.0, std::int64_t{1}, std::int64_t{2}));
  // The loss is seconds / epoch: trial 0 leads from its first epoch on.
  REQUIRE(statistics.incumbent.size() == 2);
  CHECK(statistics.incumbent[0].time == 1.0);
  CHECK(statistics.incumbent[0].best == 1.0);
  CHECK(statistics.incumbent[1].time == 2.0);
  CHECK(statistics.incumbent[1].best == 0.5);
  CHECK(statistics.incumbent[1].trial == 0);
  CHECK(result.status.num_trials_completed == 3);
  CHECK(result.status.wallclock_time == 8.0);
  for (const auto& trial : result.trials) CHECK(trial.worker_time == 2.0 * trial.config.get<"seconds", double>());
}

TEST_CASE("equal trials on every worker keep the workers busy all the time") {
  for (const std::size_t workers : {1U, 3U, 8U}) {
    CAPTURE(workers);
    auto scheduler = rung::fifo(rung::random_searcher(lc::space, {.seed = 1}), {.metric = "error", .max_t = 3});
    const auto trials = static_cast<std::int64_t>(workers * 5);
    const auto result = rung::simulate(
        scheduler, equal_time_benchmark{},
        {.n_workers = workers, .stop_criterion = rung::stop_criterion{.max_num_trials_started = trials}});
    CHECK(result.status.num_trials_completed == trials);
    CHECK(result.statistics.end_time == 5 * 3 * 2.0);
    CHECK(result.statistics.utilization() == 1.0);
  }
}

TEST_CASE("a time limit ends the simulation at that simulated time, cutting running epochs short") {
  auto scheduler = synthetic_asha(rung::asha_type::stopping, 2);
  const auto result = rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{},
                                     {.n_workers = 4, .stop_criterion = rung::stop_criterion{.max_wallclock_time = 50},
                                      .record_schedule = true});
  CHECK(result.statistics.end_time == 50.0);
  CHECK(result.stop_reason == "reached max_wallclock_time (50)");
  CHECK(result.statistics.utilization() == doctest::Approx(1.0));  // stopping ASHA never waits
  for (const auto& span : result.statistics.schedule) CHECK(span.end <= 50.0);
  for (const auto& trial : result.trials) CHECK(!(trial.status == rung::trial_status::in_progress));
}

TEST_CASE("stop criteria other than time see simulated time and counts") {
  auto scheduler = synthetic_asha(rung::asha_type::promotion, 3);
  const auto result = rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{},
                                     {.n_workers = 8, .stop_criterion = rung::stop_criterion{.max_num_evaluations = 500}});
  CHECK(result.status.num_evaluations == 500);
  CHECK(result.statistics.events >= 500);  // epochs ending at the last moment are not reports
  CHECK(result.status.wallclock_time == result.statistics.end_time);
  CHECK(result.statistics.end_time > 0.0);
}

TEST_CASE("promotion ASHA keeps every worker busy; synchronous successive halving idles them") {
  auto asynchronous = synthetic_asha(rung::asha_type::promotion, 4);
  auto synchronous = rung::synchronous_hyperband(rung::random_searcher(lc::space, {.seed = 4}),
                                                 {.metric = "error", .max_t = 81, .brackets = 1, .iterations = 2});
  const auto sync_run =
      rung::simulate(synchronous, rung::bench::synthetic_lc_benchmark{},
                     {.n_workers = 8, .stop_criterion = rung::stop_criterion{.max_num_trials_started = 162}});
  CHECK(sync_run.status.num_trials_started == 162);  // two passes of 81
  std::int64_t at_top = 0;
  for (const auto& trial : sync_run.trials) at_top += trial.iterations == 81 ? 1 : 0;
  CHECK(at_top == 2);
  CHECK(sync_run.statistics.utilization() < 0.85);
  // Over the same time, ASHA always has a trial to start or promote.
  const auto async_run = rung::simulate(
      asynchronous, rung::bench::synthetic_lc_benchmark{},
      {.n_workers = 8, .stop_criterion = rung::stop_criterion{.max_wallclock_time = sync_run.statistics.end_time}});
  CHECK(async_run.statistics.utilization() > 0.999);
}

TEST_CASE("synchronous Hyperband with parallel brackets keeps the workers busy, as Syne Tune's does") {
  for (const bool parallel : {false, true}) {
    CAPTURE(parallel);
    auto scheduler = rung::synchronous_hyperband(rung::random_searcher(lc::space, {.seed = 6}),
                                                 {.metric = "error", .max_t = 81, .parallel_brackets = parallel});
    const auto result =
        rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{},
                       {.n_workers = 25, .stop_criterion = rung::stop_criterion{.max_wallclock_time = 1000}});
    if (parallel) {
      CHECK(result.statistics.utilization() > 0.99);
    } else {
      CHECK(result.statistics.utilization() < 0.2);
    }
  }
}

TEST_CASE("paused trials resume where they paused, on whichever worker is free") {
  auto scheduler = synthetic_asha(rung::asha_type::promotion, 5);
  const auto result = rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{},
                                     {.n_workers = 4,
                                      .stop_criterion = rung::stop_criterion{.max_num_trials_started = 200},
                                      .record_schedule = true});
  std::map<rung::trial_id, std::int64_t> reached;
  std::int64_t resumed = 0;
  for (const auto& span : result.statistics.schedule) {
    CHECK(span.first_epoch == reached[span.trial] + 1);  // no epoch run twice, none skipped
    resumed += span.first_epoch > 1 ? 1 : 0;
    reached[span.trial] = span.last_epoch;
  }
  CHECK(resumed > 0);
  for (const auto& trial : result.trials) CHECK(trial.iterations == reached[trial.id]);
}

TEST_CASE("the same seed writes the same experiment files, byte for byte") {
  const auto root = std::filesystem::temp_directory_path() / "rung-test-simulator";
  std::filesystem::remove_all(root);
  auto run = [&](std::uint64_t seed, const std::string& where) {
    auto scheduler = synthetic_asha(rung::asha_type::promotion, seed);
    return rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{},
                          {.n_workers = 6,
                           .stop_criterion = rung::stop_criterion{.max_wallclock_time = 120},
                           .name = "sim",
                           .experiment_root = root / where,
                           .record_results = true});
  };
  run(7, "first");
  run(7, "second");
  run(8, "other");
  for (const auto file : {"metadata.json", "journal.jsonl", "results.csv"}) {
    CAPTURE(file);
    const auto first = read_file(root / "first" / "sim" / file);
    CHECK(first.size() > 100);
    CHECK(first == read_file(root / "second" / "sim" / file));
  }
  CHECK(read_file(root / "first" / "sim" / "results.csv") != read_file(root / "other" / "sim" / "results.csv"));
  // st_tuner_time is simulated: the last row is at most the limit.
  const auto experiment = rung::load_experiment(root / "first" / "sim");
  CHECK(experiment.metadata.driver == "simulator");
  std::filesystem::remove_all(root);
}

TEST_CASE("bad simulations are refused before they start, naming the field") {
  auto scheduler = synthetic_asha(rung::asha_type::stopping, 1);
  const rung::bench::synthetic_lc_benchmark benchmark;
  CHECK_THROWS_WITH_AS(rung::simulate(scheduler, benchmark, {.n_workers = 0, .stop_criterion = rung::stop_criterion{.max_wallclock_time = 1}}),
                       "simulator_options.n_workers = 0: at least one worker is needed", std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::simulate(scheduler, benchmark, {.n_workers = std::size_t{1'000'000'000'000'000},
                                                             .stop_criterion = rung::stop_criterion{.max_wallclock_time = 1}}),
                       "simulator_options.n_workers = 1000000000000000: must be at most 1000000", std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::simulate(scheduler, benchmark, {.n_workers = 2}),
                       doctest::Contains("simulator_options.stop_criterion = {}: no limit is set"),
                       std::invalid_argument);
  auto wrong_metric = rung::asha(rung::random_searcher(lc::space, {.seed = 1}), {.metric = "loss", .max_t = 81});
  CHECK_THROWS_WITH_AS(
      rung::simulate(wrong_metric, benchmark, {.stop_criterion = rung::stop_criterion{.max_num_trials_started = 5}}),
      "simulate: the benchmark reports 'error' but the scheduler optimises 'loss'", std::invalid_argument);
  const auto root = std::filesystem::temp_directory_path() / "rung-simulator-names" / "root";
  CHECK_THROWS_WITH_AS(rung::simulate(scheduler, benchmark,
                                      {.stop_criterion = rung::stop_criterion{.max_num_trials_started = 5},
                                       .name = "../escape",
                                       .experiment_root = root,
                                       .record_results = true}),
                       "simulator_options.name = \"../escape\": must be one directory name inside experiment_root: "
                       "not empty, \".\" or \"..\", without '/' or NUL",
                       std::invalid_argument);
  CHECK_FALSE(std::filesystem::exists(root.parent_path()));
}

namespace {
// Every stretch of work, in the order it ended.
std::vector<std::string> schedule_log(const rung::simulation_statistics& statistics) {
  using rung::detail::to_text;
  std::vector<std::string> log;
  for (const auto& span : statistics.schedule) {
    log.push_back(to_text(span.end) + " worker " + to_text(span.worker) + " trial " + to_text(span.trial) +
                  " epochs " + to_text(span.first_epoch) + ".." + to_text(span.last_epoch));
  }
  return log;
}

rung::simulation_statistics promotion_run(std::size_t workers, std::uint64_t seed, rung::simulator_options options) {
  auto scheduler = synthetic_asha(rung::asha_type::promotion, seed);
  options.n_workers = workers;
  options.stop_criterion = rung::stop_criterion{.max_wallclock_time = 300};
  options.record_schedule = true;
  return rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{}, options).statistics;
}

// Resumes whose worker is on another rank than the trial's previous stretch.
std::int64_t resumes_across_ranks(const rung::simulation_statistics& statistics, std::size_t per_rank) {
  std::map<rung::trial_id, std::size_t> last_worker;
  std::int64_t across = 0;
  for (const auto& span : statistics.schedule) {
    if (span.first_epoch > 1 && last_worker.at(span.trial) / per_rank != span.worker / per_rank) ++across;
    last_worker[span.trial] = span.worker;
  }
  return across;
}
}  // namespace

TEST_CASE("ranks: a trial paused in memory resumes only on its rank; with checkpoints, on any worker") {
  constexpr auto checkpoints = rung::paused_trial_locality::checkpoint_anywhere;
  const auto local = promotion_run(16, 3, {.workers_per_rank = 4});
  const auto anywhere = promotion_run(16, 3, {.workers_per_rank = 4, .locality = checkpoints});
  std::int64_t resumes = 0;
  for (const auto& span : local.schedule) resumes += span.first_epoch > 1 ? 1 : 0;
  CHECK(resumes > 50);
  CHECK(resumes_across_ranks(local, 4) == 0);
  CHECK(resumes_across_ranks(anywhere, 4) > 0);  // so the check above can fail
  CHECK(local.utilization() > 0.99);  // a worker that may resume nothing starts a new trial
}

TEST_CASE("ranks: checkpoints without a load time, or one rank, schedule exactly as one machine") {
  constexpr auto checkpoints = rung::paused_trial_locality::checkpoint_anywhere;
  for (const std::size_t workers : {1, 6, 20}) {
    CAPTURE(workers);
    const auto one_machine = schedule_log(promotion_run(workers, 5, {}));
    CHECK(one_machine.size() > 50);
    CHECK(schedule_log(promotion_run(workers, 5, {.workers_per_rank = 4, .locality = checkpoints})) == one_machine);
    CHECK(schedule_log(promotion_run(workers, 5, {.workers_per_rank = 20})) == one_machine);  // every worker on rank 0
  }
  auto synchronous = [](rung::simulator_options options) {
    auto scheduler = rung::synchronous_hyperband(rung::random_searcher(lc::space, {.seed = 2}),
                                                 {.metric = "error", .max_t = lc::max_resource, .brackets = 1});
    options.n_workers = 6;
    options.stop_criterion = rung::stop_criterion{.max_wallclock_time = 600};
    options.record_schedule = true;
    return schedule_log(rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{}, options).statistics);
  };
  CHECK(synchronous({.workers_per_rank = 2, .locality = checkpoints}) == synchronous({}));
}

TEST_CASE("ranks: synchronous successive halving in memory resumes each promoted trial on its own rank") {
  auto scheduler = rung::synchronous_hyperband(rung::random_searcher(lc::space, {.seed = 2}),
                                               {.metric = "error", .max_t = lc::max_resource, .brackets = 1});
  const auto result = rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{},
                                     {.n_workers = 12,
                                      .workers_per_rank = 3,
                                      .stop_criterion = rung::stop_criterion{.max_wallclock_time = 2000},
                                      .record_schedule = true});
  std::int64_t resumes = 0;
  for (const auto& span : result.statistics.schedule) resumes += span.first_epoch > 1 ? 1 : 0;
  CHECK(resumes > 20);
  CHECK(resumes_across_ranks(result.statistics, 3) == 0);
}

TEST_CASE("ranks: a checkpoint load delays a resumed trial's first epoch and is not busy time") {
  constexpr double load = 2.5;
  auto scheduler = synthetic_asha(rung::asha_type::promotion, 4);
  const auto result = rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{},
                                     {.n_workers = 8,
                                      .workers_per_rank = 4,
                                      .locality = rung::paused_trial_locality::checkpoint_anywhere,
                                      .checkpoint_load_seconds = load,
                                      .stop_criterion = rung::stop_criterion{.max_wallclock_time = 300},
                                      .record_schedule = true});
  const auto& statistics = result.statistics;
  std::int64_t resumes = 0;
  double epoch_seconds = 0;
  for (const auto& span : statistics.schedule) {
    const auto& config = result.trials.at(static_cast<std::size_t>(span.trial)).config;
    const double epochs = static_cast<double>(span.last_epoch - span.first_epoch + 1);
    const bool resumed = span.first_epoch > 1;
    resumes += resumed ? 1 : 0;
    if (span.end < statistics.end_time) {  // not cut short by the end
      CHECK(span.end - span.start == doctest::Approx((resumed ? load : 0.0) + epochs * lc::epoch_seconds(config)));
      epoch_seconds += epochs * lc::epoch_seconds(config);
    }
  }
  REQUIRE(resumes > 20);
  // Each stretch above loaded in full; a resume still in its first epoch at
  // the end (one per worker at most, not in the schedule) up to the end only.
  CHECK(statistics.loading_worker_seconds >= load * static_cast<double>(resumes));
  CHECK(statistics.loading_worker_seconds <= load * static_cast<double>(resumes + 8));
  CHECK(statistics.busy_worker_seconds >= epoch_seconds);
  CHECK(statistics.busy_worker_seconds + statistics.loading_worker_seconds <= 8 * statistics.end_time + 1e-6);
}

TEST_CASE("a searcher's warning is written to the log once, from when it appears, whoever holds the searcher") {
  const auto run = [](auto scheduler) {
    std::ostringstream log;
    const auto result = rung::simulate(scheduler, rung::bench::synthetic_lc_benchmark{},
                                       {.n_workers = 4, .stop_criterion = rung::stop_criterion{.max_num_trials_started = 40},
                                        .log = &log});
    CHECK(result.status.num_trials_started == 40);  // the tuning goes on
    return log.str();
  };
  const std::string_view warning = "rung: degrading_searcher: the model failed; random configurations from here\n";
  const rung::fifo_options fifo{.metric = "error", .max_t = lc::max_resource};
  const rung::asha_options asha{.metric = "error", .max_t = lc::max_resource};
  const std::string typed = run(rung::fifo(degrading_searcher{}, fifo));
  CHECK(count_of(typed, warning) == 1);
  CHECK(typed.find(warning) < typed.find("rung: tuning finished"));  // when it happened, not in the summary
  CHECK(count_of(run(rung::asha(rung::any_searcher(degrading_searcher{}), asha)), warning) == 1);
}

TEST_CASE("bad rank options are refused before anything runs, naming the field and the value") {
  auto scheduler = synthetic_asha(rung::asha_type::promotion, 1);
  const rung::bench::synthetic_lc_benchmark benchmark;
  const auto with = [&](rung::simulator_options options) {
    options.stop_criterion = rung::stop_criterion{.max_wallclock_time = 1};
    return rung::simulate(scheduler, benchmark, options);
  };
  constexpr auto checkpoints = rung::paused_trial_locality::checkpoint_anywhere;
  CHECK_THROWS_WITH_AS(with({.locality = static_cast<rung::paused_trial_locality>(7)}),
                       "simulator_options.locality = 7: must be in_memory_local or checkpoint_anywhere",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(with({.locality = checkpoints, .checkpoint_load_seconds = -1}),
                       "simulator_options.checkpoint_load_seconds = -1: must be a finite number of seconds >= 0",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(with({.locality = checkpoints, .checkpoint_load_seconds = std::nan("")}),
                       "simulator_options.checkpoint_load_seconds = NaN: must be a finite number of seconds >= 0",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(with({.workers_per_rank = 2, .checkpoint_load_seconds = 3}),
                       "simulator_options.checkpoint_load_seconds = 3: applies to locality = checkpoint_anywhere "
                       "only (in memory, a resume loads nothing)",
                       std::invalid_argument);
}

}  // namespace test_simulator
