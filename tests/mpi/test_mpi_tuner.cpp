// rung::mpi_tuner across ranks (mpiexec -n 4: rank 0 and three worker
// ranks). Every rank runs every test case, in order: a tuning is
// collective. The checks on the tuning's result are rank 0's (the other
// ranks get a result with no trials); what a worker rank checks is its own
// side (it returned, or threw what rank 0 told it).
#include "rung/mpi.hpp"

#include <doctest/doctest.h>
#include <mpi.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <signal.h>
#include <unistd.h>

#include "rung/drivers/subprocess/subprocess_trial.hpp"
#include "rung/drivers/tuner.hpp"
#include "rung/results/journal.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "mpi_world.hpp"

namespace {

using rung::bench::world_rank;
using rung::bench::world_size;

constexpr std::int64_t max_epochs = 9;  // rungs 1, 3 and 9 with eta 3

auto make_space(double upper = 1.0) {
  return rung::config_space(rung::uniform<"x">(-1.0, upper), rung::uniform<"y">(0.05, 1.0));
}
using config = decltype(make_space())::config_type;

// Learning curves that cross (a high y learns fast and stalls), so that promotion has work to do.
double loss(const config& c, std::int64_t epoch) {
  const double x = c.get<"x">();
  const double y = c.get<"y">();
  return x * x + 2.0 * (1.0 - y) / (1.0 + 3.0 * y * static_cast<double>(epoch));
}

auto promotion_asha(std::uint64_t seed, double upper = 1.0) {
  return rung::asha(rung::random_searcher(make_space(upper), {.seed = seed}),
                    {.metric = "loss", .grace_period = 1, .reduction_factor = 3, .max_t = max_epochs,
                     .type = rung::asha_type::promotion});
}

// Rank 0 chooses the experiment's folder; the other ranks never write there.
std::filesystem::path experiment_root() {
  return std::filesystem::temp_directory_path() / "rung-mpi-tests";
}
std::string unique_name(std::string_view what) {
  return std::string(what) + "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

rung::tuner_options quiet(rung::tuner_options options) {
  options.log = nullptr;
  options.experiment_root = experiment_root();
  return options;
}

std::vector<rung::journal_event> journal_of(const std::filesystem::path& experiment) {
  std::vector<rung::journal_event> events;
  rung::read_journal(experiment / rung::journal_file_name, [&](const rung::journal_event& event) { events.push_back(event); });
  return events;
}

double metric(const rung::journal_event& event, std::string_view name) {
  for (const auto& [key, value] : event.metrics) {
    if (key == name) return value;
  }
  return std::nan("");
}

// Each epoch goes on from the trial's own counter: a trial resumed in
// memory continues where it paused, in the same process; it reports the
// rank it runs on beside its loss.
void counting_trial(const config& c, rung::reporter& reporter) {
  const double rank = world_rank();
  for (std::int64_t epoch = 1; epoch <= max_epochs; ++epoch) {
    if (reporter.report(static_cast<double>(epoch), {{"loss", loss(c, epoch)}, {"rank", rank}}) !=
        rung::decision::continue_trial) {
      return;
    }
  }
}

}  // namespace

TEST_CASE("mpi_tuner: trials start, report, pause, resume on their rank and stop across ranks (promotion ASHA)") {
  rung::mpi_tuner tuner(promotion_asha(1),
                        {.tuning = quiet({.stop_criterion = rung::stop_criterion{.max_num_trials_started = 12},
                                          .metrics = {"loss", "rank"},
                                          .name = unique_name("promotion")})});
  const auto result = tuner.run(counting_trial);
  if (tuner.rank() != 0) {
    CHECK(result.trials.empty());
    return;
  }
  CHECK(result.status.num_trials_started == 12);
  CHECK(result.status.num_trials_failed == 0);
  CHECK(result.best_trial.has_value());
  const auto events = journal_of(result.experiment_dir);
  std::map<rung::trial_id, std::set<double>> ranks_of;  // each trial's reports, by the rank that made them
  std::size_t resumes = 0;
  std::size_t pauses = 0;
  for (const auto& event : events) {
    if (event.kind == rung::journal_event_kind::report) {
      ranks_of[event.trial].insert(metric(event, "rank"));
      if (event.decision == "PAUSE") ++pauses;
    }
    if (event.kind == rung::journal_event_kind::trial_resumed) ++resumes;
  }
  CHECK(pauses > 0);
  CHECK(resumes > 0);
  std::set<double> ranks_used;
  for (const auto& [trial, ranks] : ranks_of) {
    CAPTURE(trial);
    CHECK(ranks.size() == 1);  // paused in memory, it resumed where it paused
    ranks_used.insert(ranks.begin(), ranks.end());
  }
  std::set<double> worker_ranks;
  for (int rank = 1; rank < world_size(); ++rank) worker_ranks.insert(rank);
  CHECK(ranks_used == worker_ranks);  // every worker rank ran trials
  CHECK(std::filesystem::exists(result.experiment_dir / "results.csv"));
  for (const auto& trial : result.trials) CHECK(trial.status != rung::trial_status::in_progress);
  std::filesystem::remove_all(result.experiment_dir);
}

TEST_CASE("mpi_tuner: a trial that throws on a worker rank fails, and the tuning goes on") {
  rung::mpi_tuner tuner(rung::fifo(rung::random_searcher(make_space(), {.seed = 2}), {.metric = "loss", .max_t = 3}),
                        {.tuning = quiet({.stop_criterion = rung::stop_criterion{.max_num_trials_started = 8},
                                          .max_failures = 2,
                                          .record_results = false})});
  const auto result = tuner.run([](const config& c, rung::reporter& reporter) {
    if (reporter.trial() == 1) throw std::runtime_error("diverged on rank " + std::to_string(world_rank()));
    for (std::int64_t epoch = 1; epoch <= 3; ++epoch) reporter.report(static_cast<double>(epoch), loss(c, epoch));
  });
  if (tuner.rank() != 0) return;
  REQUIRE(result.trials.size() == 8);
  CHECK(result.trials[1].status == rung::trial_status::failed);
  CHECK(result.trials[1].error.starts_with("diverged on rank "));
  CHECK(result.status.num_trials_failed == 1);
  CHECK(result.status.num_trials_completed == 7);
}

TEST_CASE("mpi_tuner: coroutine trials run on each worker rank's io_context") {
  rung::mpi_tuner tuner(rung::fifo(rung::random_searcher(make_space(), {.seed = 4}), {.metric = "loss", .max_t = 3}),
                        {.tuning = quiet({.stop_criterion = rung::stop_criterion{.max_num_trials_started = 6},
                                          .record_results = false}),
                         .workers_per_rank = 2});
  const auto result = tuner.run([](const config& c, rung::async_reporter& reporter) -> rung::awaitable<void> {
    for (std::int64_t epoch = 1; epoch <= 3; ++epoch) {
      if (co_await reporter.report(static_cast<double>(epoch), loss(c, epoch)) != rung::decision::continue_trial) {
        co_return;
      }
    }
  });
  if (tuner.rank() != 0) return;
  REQUIRE(result.trials.size() == 6);
  for (const auto& trial : result.trials) {
    CHECK(trial.status == rung::trial_status::completed);
    CHECK(trial.iterations == 3);
  }
}

TEST_CASE("mpi_tuner: rank 0 refuses a rank whose configuration space differs, naming it") {
  // The last rank's space has another upper bound for x: its fingerprint differs.
  const int odd_one = world_size() - 1;
  const std::string named = "rank " + std::to_string(odd_one) + ": hello message: fingerprint = ";
  rung::mpi_tuner tuner(promotion_asha(1, world_rank() == odd_one ? 2.0 : 1.0),
                        {.tuning = quiet({.stop_criterion = rung::stop_criterion{.max_num_trials_started = 4},
                                          .record_results = false})});
  if (tuner.rank() == 0) {
    CHECK_THROWS_WITH_AS(tuner.run(counting_trial), doctest::Contains(named.c_str()), std::invalid_argument);
  } else {
    CHECK_THROWS_WITH_AS(tuner.run(counting_trial), doctest::Contains(("rank 0 ended the tuning: " + named).c_str()),
                         std::runtime_error);
  }
}

TEST_CASE("mpi_tuner: options out of range are refused on every rank, naming the field and the value") {
  const auto settings = quiet({.stop_criterion = rung::stop_criterion{.max_num_trials_started = 4}});
  CHECK_THROWS_WITH_AS(rung::mpi_tuner(promotion_asha(1), {.tuning = settings, .workers_per_rank = 0}),
                       doctest::Contains("mpi_tuner_options.workers_per_rank = 0: must be from 1 to"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      rung::mpi_tuner(promotion_asha(1), {.tuning = settings, .rank_0_busy_poll = std::chrono::microseconds(-1)}),
      "mpi_tuner_options.rank_0_busy_poll = -1 us: must not be negative", std::invalid_argument);
  CHECK_NOTHROW(rung::mpi_tuner(promotion_asha(1), {.tuning = settings, .rank_0_busy_poll = std::chrono::microseconds::max()}));
}

TEST_CASE("mpi_tuner: one rank alone is refused: there would be no worker") {
  rung::mpi_tuner tuner(promotion_asha(1), {.tuning = quiet({.stop_criterion = rung::stop_criterion{
                                                                 .max_num_trials_started = 4}})},
                        MPI_COMM_SELF);
  CHECK_THROWS_WITH_AS(tuner.run(counting_trial), doctest::Contains("at least 2 are needed"), std::invalid_argument);
}

TEST_CASE("mpi_tuner with one worker slot decides as rung::tuner with one worker, same seed") {
  // Ranks 0 and 1 tune; ranks 2 and 3 sit this one out.
  MPI_Comm pair = MPI_COMM_NULL;
  MPI_Comm_split(MPI_COMM_WORLD, world_rank() < 2 ? 0 : MPI_UNDEFINED, world_rank(), &pair);
  if (pair == MPI_COMM_NULL) return;
  const auto options = [](std::string name) {
    return quiet({.n_workers = 1,
                  .stop_criterion = rung::stop_criterion{.max_num_trials_started = 15},
                  .metrics = {"loss", "rank"},
                  .name = std::move(name)});
  };
  const auto trial = [](const config& c, rung::reporter& reporter) {
    for (std::int64_t epoch = 1; epoch <= max_epochs; ++epoch) {
      if (reporter.report(static_cast<double>(epoch), {{"loss", loss(c, epoch)}}) != rung::decision::continue_trial) {
        return;
      }
    }
  };
  rung::mpi_tuner across(promotion_asha(7), {.tuning = options(unique_name("across"))}, pair);
  const auto across_result = across.run(trial);
  MPI_Comm_free(&pair);
  if (world_rank() != 0) return;
  rung::tuner alone(promotion_asha(7), options(unique_name("alone")));
  const auto alone_result = alone.run(trial);

  REQUIRE(across_result.trials.size() == alone_result.trials.size());
  for (std::size_t i = 0; i < alone_result.trials.size(); ++i) {
    CAPTURE(i);
    const auto& mine = across_result.trials[i];
    const auto& theirs = alone_result.trials[i];
    CHECK(mine.config == theirs.config);
    CHECK(mine.status == theirs.status);
    CHECK(mine.iterations == theirs.iterations);
    CHECK(mine.last_resource == theirs.last_resource);
    CHECK(std::bit_cast<std::uint64_t>(mine.best_metric) == std::bit_cast<std::uint64_t>(theirs.best_metric));
  }
  // Event for event, the same journal (times aside).
  const auto events_across = journal_of(across_result.experiment_dir);
  const auto events_alone = journal_of(alone_result.experiment_dir);
  REQUIRE(events_across.size() == events_alone.size());
  std::size_t resumes = 0;
  for (std::size_t i = 0; i < events_alone.size(); ++i) {
    CAPTURE(i);
    CHECK(events_across[i].kind == events_alone[i].kind);
    CHECK(events_across[i].trial == events_alone[i].trial);
    CHECK(events_across[i].resource == events_alone[i].resource);
    CHECK(events_across[i].decision == events_alone[i].decision);
    CHECK(events_across[i].status == events_alone[i].status);
    if (events_alone[i].kind == rung::journal_event_kind::trial_resumed) ++resumes;
  }
  CHECK(resumes > 0);  // promotions were part of it
  std::filesystem::remove_all(across_result.experiment_dir);
  std::filesystem::remove_all(alone_result.experiment_dir);
}

TEST_CASE("mpi_tuner: with pause_in_memory = false a paused trial checkpoints and returns; any rank resumes it") {
  // The checkpoint is the epoch reached, in the trial's directory under rank
  // 0's experiment (one machine here: a filesystem every rank shares).
  const auto trial = [](const config& c, rung::reporter& reporter) {
    const auto checkpoint = reporter.checkpoint_dir() / "epoch";
    auto epoch = static_cast<std::int64_t>(reporter.resume_from());
    if (epoch > 0) {
      std::ifstream in(checkpoint);
      std::int64_t saved = -1;
      in >> saved;
      if (saved != epoch) throw std::runtime_error("checkpoint holds epoch " + std::to_string(saved));
    }
    while (++epoch <= max_epochs) {
      const auto decision =
          reporter.report(static_cast<double>(epoch), {{"loss", loss(c, epoch)}, {"rank", double(world_rank())}});
      if (decision == rung::decision::pause_trial) std::ofstream(checkpoint) << epoch;
      if (decision != rung::decision::continue_trial) return;
    }
  };
  rung::mpi_tuner tuner(promotion_asha(3),
                        {.tuning = quiet({.stop_criterion = rung::stop_criterion{.max_num_trials_started = 12},
                                          .metrics = {"loss", "rank"},
                                          .name = unique_name("checkpoints"),
                                          .pause_in_memory = false})});
  const auto result = tuner.run(trial);
  if (tuner.rank() != 0) return;
  CHECK(result.status.num_trials_failed == 0);  // every resume found its checkpoint
  std::size_t resumes = 0;
  std::size_t ignored = 0;
  for (const auto& event : journal_of(result.experiment_dir)) {
    if (event.kind == rung::journal_event_kind::trial_resumed) ++resumes;
    if (event.kind == rung::journal_event_kind::report_ignored) ++ignored;
  }
  CHECK(resumes > 0);
  CHECK(ignored == 0);  // each run went on from where the last one paused
  std::filesystem::remove_all(result.experiment_dir);
}

TEST_CASE("mpi_tuner: SIGTERM to rank 0 stops every rank's trials; the experiment resumes from its journal") {
  long coordinator_pid = ::getpid();
  MPI_Bcast(&coordinator_pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  const std::string name = unique_name("sigterm");  // rank 0's is the one used
  const auto options = [&](bool resume) {
    return rung::mpi_tuner_options{
        .tuning = quiet({.stop_criterion = rung::stop_criterion{.max_num_trials_started = 24},
                         .name = name,
                         .resume = resume,
                         .handle_signals = true}),
        .rank_0_busy_poll = std::chrono::microseconds(0)};  // rank 0 naps at once: it sees the signal so too
  };
  const auto trial = [](bool signal_rank_0, long pid) {
    return [signal_rank_0, pid](const config& c, rung::reporter& reporter) {
      for (auto epoch = static_cast<std::int64_t>(reporter.resume_from()) + 1; epoch <= max_epochs; ++epoch) {
        if (signal_rank_0 && reporter.trial() == 6 && epoch == 1) ::kill(static_cast<pid_t>(pid), SIGTERM);
        if (reporter.report(static_cast<double>(epoch), loss(c, epoch)) != rung::decision::continue_trial) return;
      }
    };
  };
  rung::mpi_tuner first(promotion_asha(5), options(false));
  const auto stopped = first.run(trial(true, coordinator_pid));
  rung::mpi_tuner second(promotion_asha(5), options(true));
  const auto resumed = second.run(trial(false, coordinator_pid));
  if (first.rank() != 0) return;
  CHECK(stopped.interrupted);
  CHECK(stopped.interrupt_signal == SIGTERM);
  CHECK(stopped.status.num_trials_started < 24);
  CHECK(stopped.status.num_trials_running == 0);  // every rank's trials were told to stop, and did
  CHECK(resumed.status.num_trials_started == 24);
  CHECK_FALSE(resumed.interrupted);
  std::map<rung::trial_id, int> starts;
  for (const auto& event : journal_of(resumed.experiment_dir)) {
    if (event.kind == rung::journal_event_kind::trial_started) ++starts[event.trial];
  }
  CHECK(starts.size() == 24);
  for (const auto& [trial_id, count] : starts) {
    CAPTURE(trial_id);
    CHECK(count == 1);  // nothing started twice across the two runs
  }
  std::filesystem::remove_all(resumed.experiment_dir);
}

TEST_CASE("mpi_tuner: a trial that reports NaN on a worker rank fails, and max_failures counts across ranks") {
  // Odd trials diverge at their first epoch: three failures on the ranks they ran on, within max_failures = 3.
  const auto tune = [](std::int64_t max_failures) {
    rung::mpi_tuner tuner(rung::fifo(rung::random_searcher(make_space(), {.seed = 6}), {.metric = "loss", .max_t = 2}),
                          {.tuning = quiet({.stop_criterion = rung::stop_criterion{.max_num_trials_started = 6},
                                            .max_failures = max_failures,
                                            .record_results = false})});
    auto result = tuner.run([](const config& c, rung::reporter& reporter) {
      const bool diverges = reporter.trial() % 2 == 1;
      for (std::int64_t epoch = 1; epoch <= 2; ++epoch) {
        const double value = diverges ? std::nan("") : loss(c, epoch);
        if (reporter.report(static_cast<double>(epoch), value) != rung::decision::continue_trial) return;
      }
    });
    return std::pair{tuner.rank(), std::move(result)};
  };
  const auto [rank, result] = tune(3);
  const auto [same_rank, failed_out] = tune(2);
  if (rank != 0) return;
  REQUIRE(result.trials.size() == 6);
  for (const auto& trial : result.trials) {
    CAPTURE(trial.id);
    CHECK(trial.status == (trial.id % 2 == 1 ? rung::trial_status::failed : rung::trial_status::completed));
    if (trial.id % 2 == 1) CHECK(trial.error == "reported loss = NaN at epoch = 1");
    CHECK(trial.iterations == (trial.id % 2 == 1 ? 1 : 2));  // the NaN report is kept
  }
  REQUIRE(result.best_trial.has_value());
  CHECK(*result.best_trial % 2 == 0);
  CHECK(result.status.num_trials_failed == 3);
  // A third failure is one more than max_failures = 2 allows: the tuning ends, naming why.
  CHECK(failed_out.status.num_trials_failed == 3);
  CHECK(failed_out.stop_reason.find("more trials failed (3) than max_failures (2)") != std::string::npos);
}

// Trials as programs (subprocess_trial) on the worker ranks, as rung-tune runs them.
constexpr auto program_space = rung::config_space(rung::loguniform<"learning_rate">(0.01, 1.0), rung::constant<"epochs">(3));
using program_config = decltype(program_space)::config_type;

rung::subprocess_trial test_program(std::vector<std::string> command, double stop_grace_period = 5.0) {
  return rung::subprocess_trial({.command = std::move(command), .stop_grace_period = stop_grace_period, .log = nullptr});
}

TEST_CASE("mpi_tuner: trials run as programs on the worker ranks, each report crossing to rank 0") {
  rung::mpi_tuner tuner(
      rung::fifo(rung::random_searcher(program_space, {.seed = 2}), {.metric = "loss", .max_t = 3}),
      {.tuning = quiet({.stop_criterion = rung::stop_criterion{.max_num_trials_started = 6}, .record_results = false})});
  const std::string data = RUNG_TEST_DATA_DIR "/subprocess/";
  const auto result = tuner.run(test_program({RUNG_TEST_PYTHON, data + "train_report.py"}));
  if (tuner.rank() != 0) return;
  REQUIRE(result.trials.size() == 6);
  for (const auto& trial : result.trials) {
    CAPTURE(trial.id);
    CAPTURE(trial.error);
    CHECK(trial.status == rung::trial_status::completed);
    CHECK(trial.iterations == 3);  // one report per epoch of the program
    CHECK(trial.last_resource == 3.0);
  }
}

TEST_CASE("mpi_tuner: a second SIGTERM kills the worker ranks' trial programs at once, without their grace period") {
  long coordinator_pid = ::getpid();
  MPI_Bcast(&coordinator_pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  rung::mpi_tuner tuner(
      rung::fifo(rung::random_searcher(program_space, {.seed = 3}), {.metric = "loss", .max_t = 3}),
      {.tuning = quiet({.stop_criterion = rung::stop_criterion{.max_wallclock_time = 30, .max_num_trials_started = 3},
                        .record_results = false,
                        .handle_signals = true}),
       .workers_per_rank = 1});
  // hang.sh reports once, then ignores SIGTERM: only SIGKILL ends it, here a minute after the first signal.
  auto hanging = test_program({RUNG_TEST_DATA_DIR "/subprocess/hang.sh"}, 60.0);
  // Once its trial runs, each worker rank signals itself twice, as a launcher
  // forwarding two SIGTERMs would; trial 0's rank also signals rank 0 first.
  std::atomic<int> started_trial{-1};
  std::jthread signaller([&](std::stop_token stop) {
    if (world_rank() == 0) return;
    while (started_trial.load() < 0 && !stop.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (stop.stop_requested()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (started_trial.load() == 0) ::kill(static_cast<pid_t>(coordinator_pid), SIGTERM);
    ::kill(::getpid(), SIGTERM);  // the first: rank 0 stops the tuning
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ::kill(::getpid(), SIGTERM);  // the second: no grace period
  });
  const auto start = std::chrono::steady_clock::now();
  const auto result = tuner.run([&](const program_config& c, rung::async_reporter& reporter) -> rung::awaitable<void> {
    int none = -1;
    started_trial.compare_exchange_strong(none, static_cast<int>(reporter.trial()));
    return hanging(c, reporter);
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  signaller.request_stop();
  CAPTURE(world_rank());
  CHECK(seconds < 20.0);  // not the 60 s grace period
  if (tuner.rank() != 0) return;
  CHECK(result.interrupted);
  REQUIRE(result.trials.size() == 3);
  for (const auto& trial : result.trials) CHECK(trial.status == rung::trial_status::stopped);
}
