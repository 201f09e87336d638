// One tuning over MPI ranks: the same program on every rank, rung decides
// the roles. Rank 0 runs the decision core (the tuner's own session), the
// journal, results.csv and the status table; ranks 1..N-1 each host
// workers_per_rank trial slots and run the trials in their own process
// (blocking trials on threads, coroutines on the rank's io_context).
//
//   int main(int argc, char** argv) {
//     rung::mpi_session mpi(argc, argv);                // MPI_Init_thread .. MPI_Finalize
//     rung::mpi_tuner tuner(rung::asha(rung::random_searcher(space, {.seed = 1}), {...}),
//                           {.tuning = {.stop_criterion = ...}, .workers_per_rank = 1});
//     auto result = tuner.run(train);                   // rank 0: the result; other ranks: no trials
//   }
//   mpiexec -n 5 ./my_tuning                            # 4 worker ranks
//
// A trial paused in memory stays on its rank and resumes only there (the
// scheduler is asked for the best trial paused on a rank with a free slot,
// through resume_filter); with pause_in_memory = false (checkpoints on a
// filesystem every rank shares) any rank resumes any trial. A communicator
// of one rank is refused: there would be no worker (use rung::tuner).
// reporter::worker() is the trial's slot on its rank (0 .. workers_per_rank
// - 1: a GPU of that node). Every rank must run the same space, scheduler
// and metrics: rank 0 compares a fingerprint of them (the space's
// description, the scheduler's name, metric, mode, resource attribute and
// tuner_options::metrics) and refuses a rank that differs, naming it. As in
// rung::tuner, a trial that throws fails (max_failures counts every rank's)
// and a NaN it reports is the worst value, not a failure.
#pragma once

#include "rung/drivers/mpi/detail/mpi_c_api.hpp"  // first: <mpi.h> without its C++ bindings

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "rung/concepts/scheduler.hpp"
#include "rung/concepts/trial.hpp"
#include "rung/drivers/detail/process_groups.hpp"
#include "rung/drivers/detail/stop_signals.hpp"
#include "rung/drivers/detail/trial_ref.hpp"
#include "rung/drivers/detail/tuning_common.hpp"
#include "rung/drivers/mpi/detail/coordinator.hpp"
#include "rung/drivers/mpi/detail/mpi_channel.hpp"
#include "rung/drivers/mpi/detail/wire.hpp"
#include "rung/drivers/mpi/detail/worker_host.hpp"
#include "rung/results/experiment_recorder.hpp"
#include "rung/tuner_options.hpp"

namespace rung {

// MPI_Init_thread on construction (unless MPI already runs) and
// MPI_Finalize on destruction (if it initialised MPI). rung calls MPI from
// one thread per process: MPI_THREAD_FUNNELED is all it asks for.
class mpi_session {
 public:
  mpi_session(int& argc, char**& argv, int required = MPI_THREAD_FUNNELED) { start(&argc, &argv, required); }
  explicit mpi_session(int required = MPI_THREAD_FUNNELED) { start(nullptr, nullptr, required); }
  mpi_session(const mpi_session&) = delete;
  mpi_session& operator=(const mpi_session&) = delete;
  ~mpi_session() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owns_ && finalized == 0) MPI_Finalize();
  }

  [[nodiscard]] int thread_support() const noexcept { return provided_; }

 private:
  void start(int* argc, char*** argv, int required) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized != 0) {
      MPI_Query_thread(&provided_);
    } else {
      MPI_Init_thread(argc, argv, required, &provided_);
      owns_ = true;
    }
    if (provided_ < MPI_THREAD_FUNNELED) {
      throw std::runtime_error("mpi_session: the MPI library provides thread level " + std::to_string(provided_) +
                               ", rung needs MPI_THREAD_FUNNELED (" + std::to_string(MPI_THREAD_FUNNELED) + ")");
    }
  }

  int provided_ = 0;
  bool owns_ = false;
};

struct mpi_tuner_options {
  tuner_options tuning = {};         // as rung::tuner's; n_workers is ignored: (ranks - 1) * workers_per_rank
  std::size_t workers_per_rank = 1;  // trial slots on each worker rank (e.g. one per GPU)
  // How long rank 0 polls back to back after a message before it naps
  // (20 us) between polls: a core is busy meanwhile, as in MPI's own
  // blocking calls, and a report is answered sooner (bench_mpi, 8 ranks on 2
  // cores: 100 - 130 us against 170 - 210 us napping at once). 0 naps at
  // once: for a rank 0 that shares its cores with CPU-bound trials.
  std::chrono::microseconds rank_0_busy_poll{10'000};
  // true: every report waits for rank 0's answer, as rung::tuner's do; by
  // default one below the scheduler's promise (continues_below) does not.
  bool await_every_report = false;
};

template <Scheduler S>
class mpi_tuner {
 public:
  using config_type = typename S::config_type;

  mpi_tuner(S scheduler, mpi_tuner_options options, MPI_Comm comm = MPI_COMM_WORLD)
      : scheduler_(std::move(scheduler)), options_(std::move(options)), comm_(comm) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &ranks_);
    constexpr std::string_view who = "mpi_tuner_options";
    if (options_.workers_per_rank < 1 || options_.workers_per_rank > detail::max_workers) {
      detail::bad_driver_option(who, "workers_per_rank", detail::to_text(options_.workers_per_rank),
                                "must be from 1 to " + detail::to_text(detail::max_workers));
    }
    if (options_.rank_0_busy_poll < std::chrono::microseconds::zero()) {
      detail::bad_driver_option(who, "rank_0_busy_poll", detail::to_text(options_.rank_0_busy_poll.count()) + " us",
                                "must not be negative");
    }
    scheduler_metric_ = detail::check_tuner_options(scheduler_, options_.tuning, "mpi_tuner_options.tuning");
  }

  // Runs the tuning on every rank of the communicator (each calls run());
  // rank 0 returns the tuning's result, the others one with no trials. An
  // error that ends the tuning (a rank refused, bad input from a rank) is
  // thrown on rank 0 and, as "rank 0 ended the tuning: ...", on the others.
  template <class F>
  tuning_result<config_type> run(F trial) {
    if constexpr (Trial<F, config_type>) {
      if (ranks_ < 2) {
        throw std::invalid_argument(
            "mpi_tuner: the communicator has 1 rank: rank 0 coordinates and ranks 1..N-1 run the trials, so at "
            "least 2 are needed (mpiexec -n 2 or more); for one process, use rung::tuner");
      }
      auto erased = detail::erase_trial<config_type>(trial);
      detail::mpi_channel channel(comm_);
      if (rank_ != 0) return host_trials(channel, erased);
      return coordinate(channel, options_.tuning.pause_in_memory && erased.pauses_in_memory());
    } else {
      static_assert(Trial<F, config_type>,
                    "rung::mpi_tuner::run: the trial must be callable in one of these forms, where Config is the "
                    "scheduler's config_type:\n"
                    "  void (const Config&, rung::reporter&)                          -- blocking, on a worker thread\n"
                    "  rung::awaitable<void> (const Config&, rung::async_reporter&)   -- coroutine, on the io_context");
      return {};
    }
  }

  [[nodiscard]] int rank() const noexcept { return rank_; }
  [[nodiscard]] S& scheduler() noexcept { return scheduler_; }
  [[nodiscard]] const mpi_tuner_options& options() const noexcept { return options_; }

 private:
  // What every rank must agree on: the space, the scheduler and the metrics.
  [[nodiscard]] std::uint64_t fingerprint() const {
    std::string text = scheduler_.space().describe_json();
    const std::string scheduler = detail::scheduler_name(scheduler_);
    for (const std::string_view part : {std::string_view(scheduler), std::string_view(scheduler_.metric()),
                                        to_string(scheduler_.metric_mode()),
                                        std::string_view(scheduler_.resource_attr())}) {
      (text += '\n') += part;
    }
    for (const auto& metric : options_.tuning.metrics) (text += '\n') += metric;
    return detail::wire::fingerprint(text);
  }

  [[nodiscard]] std::int64_t slots() const { return static_cast<std::int64_t>(options_.workers_per_rank); }

  tuning_result<config_type> coordinate(detail::mpi_channel& channel, bool pause_in_memory) {
    const auto& tuning = options_.tuning;
    if (!tuning.record_results) {
      null_recorder recorder;
      return coordinate_with(channel, recorder, {}, pause_in_memory);
    }
    const auto directory =
        tuning.experiment_root / (tuning.name.empty() ? detail::timestamped_name("rung") : tuning.name);
    std::optional<experiment_recorder<std::remove_cvref_t<decltype(scheduler_.space())>>> recorder;
    try {
      recorder.emplace(directory, scheduler_.space(), tuning.resume, tuning.journal_sync);
    } catch (const std::exception& failure) {
      shut_down_ranks(channel, failure.what());  // the other ranks wait for rank 0: they are let go
      throw;
    }
    if (tuning.log) *tuning.log << "rung: results of trials will be saved on " << directory.string() << '\n';
    return coordinate_with(channel, *recorder, directory, pause_in_memory);
  }

  template <class R>
  tuning_result<config_type> coordinate_with(detail::mpi_channel& channel, R& recorder,
                                             const std::filesystem::path& directory, bool pause_in_memory) {
    const auto& tuning = options_.tuning;
    const auto description = detail::describe_experiment(
        scheduler_, directory.empty() ? tuning.name : directory.filename().string(), tuning.metrics,
        static_cast<std::size_t>(ranks_ - 1) * options_.workers_per_rank, "mpi", tuning.resume);
    std::optional<detail::scratch_trials_directory> scratch;  // on rank 0's file system: a shared one, or its own
    if (directory.empty()) scratch.emplace();
    detail::mpi_coordinator<detail::space_of_t<S>, R> coordinator(
        scheduler_, recorder,
        detail::session_options{tuning.metrics, scheduler_metric_, tuning.stop_criterion, tuning.max_failures,
                                tuning.log},
        detail::coordinator_settings{
            .ranks = ranks_,
            .slots_per_rank = slots(),
            .fingerprint = fingerprint(),
            .pause_in_memory = pause_in_memory,
            .trials_dir = (scratch ? scratch->path() : directory / "trials").string(),
            .trials_dir_is_scratch = scratch.has_value(),
            .await_every_report = options_.await_every_report,
            .print_update_interval = tuning.print_update_interval,
            .results_update_interval = tuning.results_update_interval,
            .log = tuning.log});
    try {
      if (tuning.resume) {
        if constexpr (requires { recorder.open_to_resume(description); }) {
          const auto kept = recorder.open_to_resume(description);
          if (kept.truncated && tuning.log) {
            *tuning.log << "rung: " << (directory / journal_file_name).string() << ": cut off "
                        << kept.describe_tail() << ", kept the " << kept.events << " complete lines before it\n";
          }
        }
        coordinator.replay(directory / journal_file_name);
      }
    } catch (const std::exception& failure) {
      shut_down_ranks(channel, failure.what());
      throw;
    }
    coordinator.begin(description);
    const auto start = std::chrono::steady_clock::now() -
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(coordinator.resumed_at()));
    const auto now = [start] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    boost::asio::io_context signal_io{1};
    const auto keep_polling = boost::asio::make_work_guard(signal_io);
    std::optional<int> interrupted_by;
    std::optional<detail::signal_watch> signals;
    if (tuning.handle_signals) {
      signals.emplace(signal_io, [&](int signal_number) {
        if (!interrupted_by) interrupted_by = signal_number;
        coordinator.interrupt("interrupted by " + detail::signal_name(signal_number), now());
      });
    }
    detail::poll_pacing pacing({options_.rank_0_busy_poll, false, detail::poll_pacing::rank_0_nap});
    while (!coordinator.done()) {
      bool active = false;
      while (auto message = channel.try_receive()) {
        coordinator.receive(message->rank, message->text, now());
        active = true;
      }
      signal_io.poll();
      coordinator.tick(now());
      for (auto& out : coordinator.take_outbox()) {
        channel.send(out.rank, std::move(out.text));
        active = true;
      }
      channel.progress();
      if (active) {
        pacing.busy();
      } else {
        pacing.idle();
      }
    }
    channel.finish_sends();
    signals.reset();
    if (coordinator.failure()) std::rethrow_exception(coordinator.failure());
    auto result = detail::collect_result(scheduler_, coordinator.session(), directory);
    result.interrupted = interrupted_by.has_value();
    result.interrupt_signal = interrupted_by.value_or(0);
    if (tuning.log) detail::print_summary(*tuning.log, scheduler_, coordinator.session(), result);
    return result;
  }

  // Rank 0 could not begin: every rank is told why, and answers before rank 0 throws.
  void shut_down_ranks(detail::mpi_channel& channel, std::string_view error) {
    for (int rank = 1; rank < ranks_; ++rank) channel.send(rank, detail::wire::encode_shutdown(error));
    int goodbyes = 0;
    detail::poll_pacing pacing;
    while (goodbyes < ranks_ - 1) {
      if (auto message = channel.try_receive()) {
        if (is_goodbye(message->text)) ++goodbyes;
        pacing.busy();
      } else {
        channel.progress();
        pacing.idle();
      }
    }
  }

  static bool is_goodbye(std::string_view text) {
    try {
      return std::holds_alternative<detail::wire::goodbye>(detail::wire::decode_from_worker(text, "a rank"));
    } catch (const std::exception&) {
      return false;  // after the shutdown only the goodbye is read
    }
  }

  template <class F>
  tuning_result<config_type> host_trials(detail::mpi_channel& channel, F erased) {
    boost::asio::io_context io{1};  // coroutine trials; polled by the loop below
    const auto keep_polling = boost::asio::make_work_guard(io);
    const detail::process_groups::user keep_guardian;  // trials run as programs (subprocess_trial): as in the tuner
    // The launcher signals every rank: at the first signal rank 0 stops the
    // tuning, and this rank's trials with it (a program gets SIGTERM, then
    // SIGKILL after its grace period). Any later signal kills this rank's
    // trial programs at once, as the tuner does.
    std::optional<detail::signal_watch> signals;
    int signals_seen = 0;
    if (options_.tuning.handle_signals) {
      signals.emplace(io, [&io, &signals_seen](int /*signal_number*/) {
        if (++signals_seen > 1) {
          detail::process_groups::instance().kill(static_cast<boost::asio::execution_context*>(&io), SIGKILL);
        }
      });
    }
    std::string error;
    {
      detail::mpi_worker_host host(scheduler_.space(), erased, io, slots(), fingerprint(), options_.tuning.metrics,
                                   scheduler_metric_);
      detail::poll_pacing pacing;
      for (;;) {
        bool active = false;
        while (auto message = channel.try_receive(0)) {
          host.receive(message->text);
          active = true;
        }
        if (io.poll() > 0) active = true;
        const bool finished = host.done();  // before taking the outbox: the goodbye goes with it
        for (auto& text : host.take_outbox()) {
          channel.send(0, std::move(text));
          active = true;
        }
        channel.progress();
        if (finished) break;
        if (active || host.expecting_answer()) {
          pacing.busy();
        } else {
          pacing.idle([&host](std::chrono::microseconds most) { host.wait_for_outbox(most); });
        }
      }
      channel.finish_sends();
      error = host.shutdown_error();
    }
    signals.reset();
    if (!error.empty()) throw std::runtime_error("mpi_tuner: rank 0 ended the tuning: " + error);
    tuning_result<config_type> no_trials;
    no_trials.metric = std::string(scheduler_.metric());
    no_trials.mode = scheduler_.metric_mode();
    return no_trials;
  }

  S scheduler_;
  mpi_tuner_options options_;
  MPI_Comm comm_;
  int rank_ = 0;
  int ranks_ = 0;
  std::size_t scheduler_metric_ = 0;
};

}  // namespace rung
