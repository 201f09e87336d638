// The MPI driver's costs (rung::mpi_tuner), one JSON line per case; run it
// under mpiexec, as scripts/bench_mpi.sh does at each rank count:
//   bench_mpi round_trip [reports]               2 ranks: one trial on rank 1 reporting in a loop;
//                                                 each report's round trip (worker -> rank 0 ->
//                                                 decision back), median and p99 (target <= 20 us)
//   bench_mpi reports [reports_per_trial] [slots] one trial per slot, all reporting in a loop (FIFO:
//                                                 below its promise, so waiting at every 65th only):
//                                                 the reports per second the whole job makes here
//   bench_mpi rank0 [reports] [slots]            rank 0 alone (1 rank): its coordinator fed the
//                                                 messages of 8 worker ranks that answer at once,
//                                                 as fast as it takes them: the reports per second
//                                                 rank 0 sustains (>= 200,000), transport aside
//   bench_mpi trivial [trials] [slots]           trials that report once and return: trials per second
//   bench_mpi epochs [seconds] [slots]           ASHA on the synthetic workload, every epoch 10 ms:
//                                                 trials and epochs per second and the utilisation
//                                                 (>= 99%), beside rung::simulate's prediction for
//                                                 the same scheduler, workload and worker count
// slots: workers_per_rank (default 1); every rank but 0 hosts that many.
// Results are recorded on rank 0, as users run it (RUNG_BENCH_NO_RECORDING=1
// shows what recording costs). The line comes from the rank that measured.
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include "rung/drivers/mpi/detail/coordinator.hpp"
#include "rung/drivers/detail/tuning_common.hpp"
#include "rung/drivers/mpi/detail/wire.hpp"
#include "rung/drivers/simulator.hpp"
#include "rung/mpi.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "synthetic_workload.hpp"
#include "mpi_world.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
namespace lc = rung::bench::synthetic_lc;

constexpr auto trivial_space = rung::config_space(rung::uniform<"x">(0.0, 1.0));
using trivial_config = decltype(trivial_space)::config_type;

constexpr auto epoch_length = std::chrono::milliseconds(10);

using rung::bench::world_rank;
using rung::bench::world_size;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// A positive count from argv[index], or the default; anything else ends the
// benchmark naming the argument.
std::int64_t count_argument(int argc, char** argv, int index, const char* name, std::int64_t fallback) {
  if (argc <= index) return fallback;
  char* end = nullptr;
  const long long value = std::strtoll(argv[index], &end, 10);
  if (end == argv[index] || *end != '\0' || value <= 0) {
    throw std::invalid_argument(std::string(name) + " must be a positive integer, not '" + argv[index] + "'");
  }
  return value;
}

// The tuner settings every case shares: slots on each worker rank (the
// workers are (ranks - 1) * slots), results recorded on rank 0 into a
// directory of the case's own.
rung::mpi_tuner_options bench_options(const char* name, std::size_t slots, rung::any_stop_criterion stop) {
  const auto root = std::filesystem::temp_directory_path() / "rung-bench-mpi";
  if (world_rank() == 0) std::filesystem::remove_all(root / name);
  return {.tuning = {.stop_criterion = std::move(stop),
                     .name = name,
                     .experiment_root = root,
                     .record_results = std::getenv("RUNG_BENCH_NO_RECORDING") == nullptr,
                     .log = nullptr},
          .workers_per_rank = slots};
}

auto fifo_over_trivial_space() {
  return rung::fifo(rung::random_searcher(trivial_space, {.seed = 1}), {.metric = "loss"});
}

std::int64_t sum_over_ranks(std::int64_t local) {
  std::int64_t total = 0;
  MPI_Reduce(&local, &total, 1, MPI_INT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
  return total;
}

const char* recording() { return std::getenv("RUNG_BENCH_NO_RECORDING") == nullptr ? "true" : "false"; }

void round_trip(std::int64_t reports) {
  if (world_size() != 2) throw std::invalid_argument("round_trip runs on 2 ranks, not " + std::to_string(world_size()));
  std::vector<double> microseconds;
  microseconds.reserve(static_cast<std::size_t>(reports));
  auto options = bench_options("round_trip", 1, rung::stop_criterion{.max_num_trials_started = 1});
  options.await_every_report = true;  // FIFO promises continue below the maximum resource: none would wait
  rung::mpi_tuner tuner(fifo_over_trivial_space(), options);
  tuner.run([&](const trivial_config& config, rung::reporter& reporter) {
    for (std::int64_t report = 1; report <= reports; ++report) {
      const auto start = clock_type::now();
      reporter.report(static_cast<double>(report), config.get<"x">());
      microseconds.push_back(seconds_since(start) * 1e6);
    }
  });
  if (tuner.rank() == 0) return;  // the trial ran on rank 1, which prints
  // The first tenth warms the caches and the transport's connection up.
  microseconds.erase(microseconds.begin(), microseconds.begin() + static_cast<std::ptrdiff_t>(reports / 10));
  std::sort(microseconds.begin(), microseconds.end());
  const auto at = [&](double quantile) {
    return microseconds[static_cast<std::size_t>(std::ceil(quantile * static_cast<double>(microseconds.size()))) - 1];
  };
  std::printf(R"({"benchmark":"bench_mpi","case":"round_trip","ranks":2,"reports":%zu,"recording":%s,)"
              R"("median_us":%.2f,"p99_us":%.2f,"target_us":20})"
              "\n",
              microseconds.size(), recording(), at(0.5), at(0.99));
}

void reports_per_second(std::int64_t reports_per_trial, std::size_t slots) {
  const auto workers = slots * static_cast<std::size_t>(world_size() - 1);
  rung::mpi_tuner tuner(fifo_over_trivial_space(),
                        bench_options("reports", slots,
                                      rung::stop_criterion{.max_num_trials_started =
                                                               static_cast<std::int64_t>(workers)}));
  std::atomic<std::int64_t> reports{0};
  const auto start = clock_type::now();
  const auto result = tuner.run([&](const trivial_config& config, rung::reporter& reporter) {
    for (std::int64_t report = 1; report <= reports_per_trial; ++report) {
      reporter.report(static_cast<double>(report), config.get<"x">());
    }
    reports += reports_per_trial;
  });
  const double seconds = seconds_since(start);
  const auto total = sum_over_ranks(reports);
  if (tuner.rank() != 0) return;
  std::printf(R"({"benchmark":"bench_mpi","case":"reports","ranks":%d,"workers_per_rank":%zu,"reports":%lld,)"
              R"("recording":%s,"seconds":%.3f,"reports_per_s":%.0f,"target_reports_per_s":200000,)"
              R"("trials_completed":%lld})"
              "\n",
              world_size(), slots, static_cast<long long>(total), recording(), seconds,
              static_cast<double>(total) / seconds, static_cast<long long>(result.status.num_trials_completed));
}

// Rank 0's own cost per report: the coordinator (decoding, the session and
// scheduler, the journal and results.csv, encoding the decision) timed
// alone, fed what worker ranks would send, each trial reporting again as
// soon as its decision comes back. The transport's share is in round_trip.
void rank_zero_capacity(std::int64_t reports, std::size_t slots) {
  namespace wire = rung::detail::wire;
  constexpr int ranks = 9;  // rank 0 and 8 worker ranks
  const auto workers = slots * (ranks - 1);
  const auto root = std::filesystem::temp_directory_path() / "rung-bench-mpi";
  std::filesystem::remove_all(root / "rank0");
  auto scheduler = fifo_over_trivial_space();
  const rung::stop_criterion stop{.max_num_trials_started = static_cast<std::int64_t>(workers)};
  const auto run = [&](auto& chosen_recorder) {
    rung::detail::mpi_coordinator<std::remove_cvref_t<decltype(trivial_space)>, std::remove_cvref_t<decltype(chosen_recorder)>>
        coordinator(scheduler, chosen_recorder,
                    rung::detail::session_options{{"loss"}, 0, stop, 0},
                    rung::detail::coordinator_settings{.ranks = ranks,
                                                       .slots_per_rank = static_cast<std::int64_t>(slots),
                                                       .fingerprint = 1,
                                                       .pause_in_memory = true,
                                                       .trials_dir = (root / "rank0" / "trials").string()});
    coordinator.begin(rung::detail::describe_experiment(rung::scheduler_ref<std::remove_cvref_t<decltype(trivial_space)>>(scheduler),
                                                        "rank0", {"loss"}, workers, "mpi", false));
    const auto start = clock_type::now();
    double busy = 0.0;  // seconds inside the coordinator
    const auto feed = [&](int rank, const std::string& text) {
      const auto before = clock_type::now();
      coordinator.receive(rank, text, seconds_since(start));
      busy += seconds_since(before);
    };
    std::vector<std::pair<int, std::string>> inbox;
    for (int rank = 1; rank < ranks; ++rank) inbox.emplace_back(rank, wire::encode_hello(static_cast<std::int64_t>(slots), 1));
    std::map<rung::trial_id, double> resource_of;  // the trials running, at their last report
    std::int64_t made = 0;
    while (!coordinator.done()) {
      for (const auto& [rank, text] : inbox) feed(rank, text);
      inbox.clear();
      const auto before = clock_type::now();
      auto out = coordinator.take_outbox();
      busy += seconds_since(before);
      // The worker ranks' side, outside the timing: start, report again on CONTINUE, return on STOP.
      for (auto& message : out) {
        const auto reply = wire::decode_to_worker(message.text, "rank 0");
        const double loss[] = {0.5};
        if (const auto* started = std::get_if<wire::start>(&reply)) {
          resource_of[started->trial] = 1.0;
          inbox.emplace_back(message.rank, wire::encode_report(started->trial, 1.0, loss));
        } else if (const auto* decided = std::get_if<wire::decision_reply>(&reply)) {
          const bool goes_on = decided->outcome == rung::decision::continue_trial && ++made < reports;
          auto& resource = resource_of[decided->trial];
          inbox.emplace_back(message.rank, goes_on ? wire::encode_report(decided->trial, ++resource, loss)
                                                   : wire::encode_returned(decided->trial));
        } else if (std::holds_alternative<wire::stop>(reply)) {
          inbox.emplace_back(message.rank, wire::encode_returned(std::get<wire::stop>(reply).trial));
        } else if (std::holds_alternative<wire::shutdown>(reply)) {
          inbox.emplace_back(message.rank, wire::encode_goodbye());
        }
      }
      coordinator.tick(seconds_since(start));
    }
    std::printf(R"({"benchmark":"bench_mpi","case":"rank0","worker_ranks":%d,"workers_per_rank":%zu,"reports":%lld,)"
                R"("recording":%s,"busy_seconds":%.3f,"us_per_report":%.3f,"reports_per_s":%.0f,)"
                R"("target_reports_per_s":200000})"
                "\n",
                ranks - 1, slots, static_cast<long long>(made), recording(), busy, busy * 1e6 / static_cast<double>(made),
                static_cast<double>(made) / busy);
  };
  if (std::getenv("RUNG_BENCH_NO_RECORDING") == nullptr) {
    rung::experiment_recorder recorder(root / "rank0", trivial_space);
    run(recorder);
  } else {
    rung::null_recorder recorder;
    run(recorder);
  }
}

void trivial_trials(std::int64_t trials, std::size_t slots) {
  rung::mpi_tuner tuner(fifo_over_trivial_space(),
                        bench_options("trivial", slots, rung::stop_criterion{.max_num_trials_started = trials}));
  const auto start = clock_type::now();
  const auto result = tuner.run(
      [](const trivial_config& config, rung::reporter& reporter) { reporter.report(1.0, config.get<"x">()); });
  const double seconds = seconds_since(start);
  if (tuner.rank() != 0) return;
  std::printf(R"({"benchmark":"bench_mpi","case":"trivial","ranks":%d,"workers_per_rank":%zu,"trials":%lld,)"
              R"("recording":%s,"seconds":%.3f,"trials_per_s":%.0f,"us_per_trial":%.2f})"
              "\n",
              world_size(), slots, static_cast<long long>(result.status.num_trials_completed), recording(), seconds,
              static_cast<double>(result.status.num_trials_completed) / seconds,
              seconds * 1e6 / static_cast<double>(result.status.num_trials_completed));
}

// The synthetic workload's learning curves with every epoch as long as the
// real trials' here, for the simulator's prediction.
struct fixed_epoch_benchmark {
  using space_type = rung::bench::synthetic_lc_benchmark::space_type;
  rung::bench::synthetic_lc_benchmark curves = {};
  double seconds_per_epoch = 0.0;

  [[nodiscard]] const space_type& space() const noexcept { return curves.space(); }
  [[nodiscard]] std::string_view metric_name() const noexcept { return curves.metric_name(); }
  [[nodiscard]] std::int64_t max_epochs(const lc::config& config) const noexcept { return curves.max_epochs(config); }
  [[nodiscard]] double metric(const lc::config& config, std::int64_t epoch) const { return curves.metric(config, epoch); }
  [[nodiscard]] double epoch_seconds(const lc::config& /*config*/, std::int64_t /*epoch*/) const {
    return seconds_per_epoch;
  }
};

auto asha_over_synthetic_workload() {
  return rung::asha(rung::random_searcher(lc::space, {.seed = 1}), lc::asha_settings(rung::asha_type::stopping));
}

void ten_ms_epochs(std::int64_t seconds_limit, std::size_t slots) {
  const auto workers = slots * static_cast<std::size_t>(world_size() - 1);
  const rung::stop_criterion stop{.max_wallclock_time = static_cast<double>(seconds_limit)};
  rung::mpi_tuner tuner(asha_over_synthetic_workload(), bench_options("epochs", slots, stop));
  std::atomic<std::int64_t> busy_nanoseconds{0};
  std::atomic<std::int64_t> report_nanoseconds{0};  // waiting in report() for the decision
  std::atomic<std::int64_t> epochs{0};
  const auto nanoseconds_since = [](clock_type::time_point since) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - since).count();
  };
  const auto start = clock_type::now();
  const auto result = tuner.run([&](const lc::config& config, rung::reporter& reporter) {
    for (auto epoch = static_cast<std::int64_t>(reporter.resume_from()) + 1; epoch <= lc::max_resource; ++epoch) {
      const auto epoch_start = clock_type::now();
      std::this_thread::sleep_for(epoch_length);  // the epoch's work; what it overshoots is work too
      busy_nanoseconds += nanoseconds_since(epoch_start);
      ++epochs;
      const auto report_start = clock_type::now();
      const auto decision = reporter.report(static_cast<double>(epoch), lc::error(config, epoch));
      report_nanoseconds += nanoseconds_since(report_start);
      if (decision != rung::decision::continue_trial) return;
    }
  });
  const double seconds = seconds_since(start);
  const double busy_seconds = static_cast<double>(sum_over_ranks(busy_nanoseconds)) * 1e-9;
  const double report_seconds = static_cast<double>(sum_over_ranks(report_nanoseconds)) * 1e-9;
  const auto total_epochs = sum_over_ranks(epochs);
  if (tuner.rank() != 0) return;
  // Slot time is workers x seconds: the trials' epochs (busy), their reports'
  // round trips, and the rest (between a trial's end and the next start, and
  // the job's start and end); "tuning_s" is the tuning's own clock, without
  // MPI's and the journal's setup.
  const double slot_seconds = static_cast<double>(workers) * seconds;
  const double tuning_seconds = result.status.wallclock_time;

  const auto predicted = rung::simulate(
      asha_over_synthetic_workload(),
      fixed_epoch_benchmark{.seconds_per_epoch = std::chrono::duration<double>(epoch_length).count()},
      {.n_workers = workers, .stop_criterion = stop});
  const double predicted_seconds = predicted.statistics.end_time;
  std::printf(R"({"benchmark":"bench_mpi","case":"epochs_10ms","scheduler":"asha_stopping","ranks":%d,)"
              R"("workers_per_rank":%zu,"workers":%zu,"recording":%s,"seconds":%.3f,)"
              R"("trials_started":%lld,"trials_per_s":%.1f,"epochs_per_s":%.1f,"utilization":%.4f,)"
              R"("in_report":%.4f,"elsewhere":%.4f,"tuning_s":%.3f,"utilization_of_tuning":%.4f,)"
              R"("simulated_trials_per_s":%.1f,"simulated_epochs_per_s":%.1f,"simulated_utilization":%.4f,)"
              R"("target_utilization":0.99})"
              "\n",
              world_size(), slots, workers, recording(), seconds,
              static_cast<long long>(result.status.num_trials_started),
              static_cast<double>(result.status.num_trials_started) / seconds,
              static_cast<double>(total_epochs) / seconds, busy_seconds / slot_seconds, report_seconds / slot_seconds,
              1.0 - (busy_seconds + report_seconds) / slot_seconds, tuning_seconds,
              busy_seconds / (static_cast<double>(workers) * tuning_seconds),
              static_cast<double>(predicted.status.num_trials_started) / predicted_seconds,
              static_cast<double>(predicted.statistics.events) / predicted_seconds,
              predicted.statistics.utilization());
}

}  // namespace

int main(int argc, char** argv) {
  const rung::mpi_session session(argc, argv);
  try {
    const std::string_view which = argc > 1 ? argv[1] : "";
    if (which == "rank0") {
      rank_zero_capacity(count_argument(argc, argv, 2, "reports", 1'000'000), static_cast<std::size_t>(count_argument(argc, argv, 3, "slots", 4)));
      return 0;
    }
    if (world_size() < 2) throw std::invalid_argument("run it on at least 2 ranks (mpiexec -n 2 bench_mpi ...)");
    const auto slots = [&] { return static_cast<std::size_t>(count_argument(argc, argv, 3, "slots", 1)); };
    if (which == "round_trip") {
      round_trip(count_argument(argc, argv, 2, "reports", 100'000));
    } else if (which == "reports") {
      reports_per_second(count_argument(argc, argv, 2, "reports_per_trial", 100'000), slots());
    } else if (which == "trivial") {
      trivial_trials(count_argument(argc, argv, 2, "trials", 20'000), slots());
    } else if (which == "epochs") {
      ten_ms_epochs(count_argument(argc, argv, 2, "seconds", 10), slots());
    } else {
      throw std::invalid_argument("the case must be round_trip, reports, rank0, trivial or epochs, not '" +
                                  std::string(which) + "'");
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_mpi (rank %d): %s\n", world_rank(), error.what());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  return 0;
}
