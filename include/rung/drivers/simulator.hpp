// The simulator: the same schedulers and searchers, unmodified, driven in
// virtual time. A Benchmark (concepts/benchmark.hpp) says what each epoch of
// a trial reports and how long it takes; a discrete-event loop keeps
// n_workers trials running, exactly as the real-time tuner would, but a
// tuning of hours runs in milliseconds. Results are the same experiment
// directory, with simulated st_tuner_time; the same seed gives the same
// files, byte for byte.
//
//   auto result = rung::simulate(rung::asha(rung::random_searcher(space, {.seed = 1}), {...}),
//                                benchmark, {.n_workers = 500, .stop_criterion = ...});
//   result.statistics.utilization();
//
// Workers may be grouped into ranks (machines, MPI ranks: workers_per_rank),
// and then a paused trial resumes only on the rank it paused on (it stays
// in memory there: in_memory_local), or on any worker after loading its
// checkpoint (checkpoint_anywhere, with checkpoint_load_seconds). What that
// costs is in docs/simulator.md ("Promotion across ranks").
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "rung/concepts/benchmark.hpp"
#include "rung/concepts/scheduler.hpp"
#include "rung/drivers/detail/tuning_common.hpp"
#include "rung/drivers/detail/tuning_session.hpp"
#include "rung/drivers/detail/worker_ranks.hpp"
#include "rung/incumbent_point.hpp"
#include "rung/results/experiment_recorder.hpp"
#include "rung/schedulers/scheduler_ref.hpp"
#include "rung/stop_criterion.hpp"
#include "rung/tuner_options.hpp"

namespace rung {

// Where a paused trial may resume, with the workers grouped into ranks.
enum class paused_trial_locality : std::uint8_t {
  in_memory_local,      // it waits in memory where it ran: only a worker of that rank resumes it
  checkpoint_anywhere,  // it is saved to shared storage: any worker resumes it, loading it first
};

struct simulator_options {
  std::size_t n_workers = 4;
  std::size_t workers_per_rank = 0;  // workers per rank (the last has the rest); 0: one machine
  paused_trial_locality locality = paused_trial_locality::in_memory_local;
  double checkpoint_load_seconds = 0.0;  // checkpoint_anywhere: a resume loads this long before its first epoch
  any_stop_criterion stop_criterion = {};  // on simulated time
  std::int64_t max_failures = 1;
  std::string name = {};                   // the experiment's name; default rung-sim-<date>-<time>
  std::filesystem::path experiment_root = "rung-experiments";
  bool record_results = false;             // write an experiment directory (off: simulations come in thousands)
  bool record_schedule = false;            // keep every worker's busy spans (the scheduling picture)
  std::ostream* log = nullptr;             // the final summary and a searcher's warning; nullptr: silent
};

// One stretch of a worker's time on one trial, from a start or resume to a pause, stop or end.
struct worker_span {
  std::size_t worker = 0;
  trial_id trial = 0;
  double start = 0.0;
  double end = 0.0;
  std::int64_t first_epoch = 0;
  std::int64_t last_epoch = 0;
};

struct simulation_statistics {
  std::size_t workers = 0;
  double end_time = 0.0;                // simulated seconds when the tuning ended
  double busy_worker_seconds = 0.0;     // time workers spent running epochs
  double loading_worker_seconds = 0.0;  // time workers spent loading checkpoints (not busy)
  std::int64_t events = 0;              // epochs completed (reports)
  double first_full_training = std::numeric_limits<double>::quiet_NaN();  // first trial trained to its end
  std::optional<trial_id> first_full_trial;  // which trial that was
  std::vector<worker_span> schedule;    // with record_schedule
  std::vector<incumbent_point> incumbent;  // every improvement of the best metric, in time order

  // Busy worker-seconds over available worker-seconds.
  [[nodiscard]] double utilization() const {
    return end_time > 0 ? busy_worker_seconds / (static_cast<double>(workers) * end_time) : 0.0;
  }
};

template <class Config>
struct simulation_result : tuning_result<Config> {
  simulation_statistics statistics;
};

namespace detail {

template <ConfigSpace Space, Benchmark B, class R>
class simulation_loop {
 public:
  using config_type = typename Space::config_type;

  simulation_loop(scheduler_ref<Space> scheduler, const B& benchmark, R& recorder, const simulator_options& options,
                  session_options settings)
      : session_(scheduler, recorder, std::move(settings)),
        benchmark_(benchmark),
        options_(options),
        workers_(options.n_workers, options.workers_per_rank),
        local_(options.locality == paused_trial_locality::in_memory_local && workers_.ranks() > 1),
        load_seconds_(options.locality == paused_trial_locality::checkpoint_anywhere ? options.checkpoint_load_seconds
                                                                                     : 0.0) {
    statistics_.workers = options.n_workers;
  }

  void run() {
    // A time limit is a moment to look at the stop criterion even with no
    // epoch ending then (with `a && b` it may not hold yet: the run goes on).
    double deadline = session_.options().stop.max_wallclock_time().value_or(never);
    double now = 0.0;
    fill(now);
    while (!events_.empty()) {
      const epoch_done event = events_.top();
      if (event.time > deadline) {
        now = deadline;
        deadline = never;
        if (!session_.stopping_reason(now).empty()) break;  // epochs still running are cut short
        continue;
      }
      events_.pop();
      now = event.time;
      complete_epoch(event, now);
      if (!session_.stopping_reason(now).empty()) break;
      fill(now);
    }
    for (auto& slot : slots_) {
      if (!slot.running) continue;
      const double unloaded = std::max(0.0, slot.epoch_started - now);  // cut short while loading
      statistics_.loading_worker_seconds -= unloaded;
      close_span(slot, now, slot.epoch - 1, std::max(0.0, now - slot.epoch_started));
    }
    statistics_.end_time = now;
    std::string reason = session_.stopping_reason(now);
    session_.finish(now, reason.empty() ? session_.idle_reason() : reason);
  }

  [[nodiscard]] tuning_session<Space, R>& session() noexcept { return session_; }
  [[nodiscard]] simulation_statistics& statistics() noexcept { return statistics_; }

 private:
  static constexpr double never = std::numeric_limits<double>::infinity();

  struct epoch_done {
    double time;
    std::uint64_t sequence;  // events at equal times keep the order they were scheduled in
    std::size_t worker;
    friend bool operator>(const epoch_done& a, const epoch_done& b) {
      return a.time != b.time ? a.time > b.time : a.sequence > b.sequence;
    }
  };

  struct worker_slot {
    bool running = false;
    trial_id trial = 0;
    std::int64_t epoch = 0;  // the epoch in progress
    double epoch_started = 0.0;
    double span_started = 0.0;
    std::int64_t span_first_epoch = 0;
  };

  // Starts or resumes trials on free workers, lowest worker first. With
  // in-memory trials on many ranks, a worker may resume only trials paused
  // on its rank: a rank that gets nothing leaves its turn to the next one.
  void fill(double now) {
    workers_.begin_pass();
    while (const auto rank = workers_.next_to_ask()) {
      const auto paused_here = [&](trial_id id) { return trial_rank_[static_cast<std::size_t>(id)] == *rank; };
      const auto job = local_ ? session_.next(now, paused_here) : session_.next(now);
      if (const auto* fresh = std::get_if<run_new_trial>(&job)) {
        start(*rank, fresh->id, 1, now, 0.0);
      } else if (const auto* resumed = std::get_if<resume_paused_trial>(&job)) {
        start(*rank, resumed->id, static_cast<std::int64_t>(resumed->from_resource) + 1, now, load_seconds_);
      } else if (local_) {
        workers_.asked_in_vain(*rank);
      } else {
        return;  // every free worker would hear the same
      }
    }
  }

  // The trial's epoch begins after `loading` seconds (a checkpoint read).
  void start(std::size_t rank, trial_id id, std::int64_t epoch, double now, double loading) {
    const std::size_t worker = workers_.take(rank);
    if (slots_.size() <= worker) slots_.resize(worker + 1);
    const auto index = static_cast<std::size_t>(id);
    if (trial_rank_.size() <= index) trial_rank_.resize(index + 1);
    trial_rank_[index] = rank;
    statistics_.loading_worker_seconds += loading;
    slots_[worker] = {.running = true, .trial = id, .epoch = epoch, .epoch_started = now, .span_started = now,
                      .span_first_epoch = epoch};
    schedule(worker, now + loading);
  }

  void schedule(std::size_t worker, double now) {
    auto& slot = slots_[worker];
    slot.epoch_started = now;
    const double seconds = benchmark_.epoch_seconds(session_.trial(slot.trial).config, slot.epoch);
    events_.push({now + seconds, next_sequence_++, worker});
  }

  void complete_epoch(const epoch_done& event, double now) {
    auto& slot = slots_[event.worker];
    const double seconds = now - slot.epoch_started;
    statistics_.busy_worker_seconds += seconds;
    ++statistics_.events;
    const trial_id id = slot.trial;
    const auto& config = session_.trial(id).config;
    const double metric = benchmark_.metric(config, slot.epoch);
    const double worker_time = session_.trial(id).worker_time + seconds;
    const double best_before = session_.best_metric();
    const decision outcome =
        session_.report(id, static_cast<double>(slot.epoch), std::span<const double>(&metric, 1), worker_time, now);
    if (const double best = session_.best_metric(); !std::isnan(best) && !(best == best_before)) {
      statistics_.incumbent.push_back({now, best, id});
    }
    const bool last_epoch = slot.epoch >= benchmark_.max_epochs(config);
    if (last_epoch && !statistics_.first_full_trial) {
      statistics_.first_full_training = now;
      statistics_.first_full_trial = id;
    }
    if (outcome == decision::continue_trial && !last_epoch) {
      ++slot.epoch;
      schedule(event.worker, now);
      return;
    }
    // The benchmark has no more epochs: the trial's training returns.
    if (outcome == decision::continue_trial) session_.trial_returned(id, worker_time, now);
    close_span(slot, now, slot.epoch, 0.0);
    workers_.release(event.worker);
  }

  void close_span(worker_slot& slot, double now, std::int64_t last_epoch, double partial_busy) {
    statistics_.busy_worker_seconds += partial_busy;
    slot.running = false;
    if (options_.record_schedule && last_epoch >= slot.span_first_epoch) {
      const auto worker = static_cast<std::size_t>(&slot - slots_.data());
      statistics_.schedule.push_back(
          {worker, slot.trial, slot.span_started, now, slot.span_first_epoch, last_epoch});
    }
  }

  tuning_session<Space, R> session_;
  const B& benchmark_;
  const simulator_options& options_;
  std::priority_queue<epoch_done, std::vector<epoch_done>, std::greater<>> events_;
  worker_ranks workers_;
  bool local_;            // paused trials resume only on their rank
  double load_seconds_;   // what a resume spends loading a checkpoint
  std::vector<std::size_t> trial_rank_;  // by trial id: the rank it last ran on
  std::vector<worker_slot> slots_;
  std::uint64_t next_sequence_ = 0;
  simulation_statistics statistics_;
};

inline void check_locality(std::string_view who, const simulator_options& options) {
  using enum paused_trial_locality;
  if (options.locality != in_memory_local && options.locality != checkpoint_anywhere) {
    bad_driver_option(who, "locality", to_text(static_cast<int>(options.locality)),
                      "must be in_memory_local or checkpoint_anywhere");
  }
  const double load = options.checkpoint_load_seconds;
  if (!(std::isfinite(load) && load >= 0)) {
    bad_driver_option(who, "checkpoint_load_seconds", to_text(load), "must be a finite number of seconds >= 0");
  }
  if (load > 0 && options.locality == in_memory_local) {
    bad_driver_option(who, "checkpoint_load_seconds", to_text(load),
                      "applies to locality = checkpoint_anywhere only (in memory, a resume loads nothing)");
  }
}

}  // namespace detail

namespace detail {
// simulate()'s body, compiled once per space and benchmark type.
template <ConfigSpace Space, Benchmark B>
simulation_result<typename Space::config_type> simulate_with(scheduler_ref<Space> scheduler, const B& benchmark,
                                                             simulator_options options) {
  constexpr std::string_view who = "simulator_options";
  check_workers(who, options.n_workers);
  check_experiment_name(who, options.name);
  if (options.max_failures < 0) bad_driver_option(who, "max_failures", to_text(options.max_failures), "must be >= 0");
  check_locality(who, options);
  if (benchmark.metric_name() != scheduler.metric()) {
    throw std::invalid_argument("simulate: the benchmark reports '" + std::string(benchmark.metric_name()) +
                                "' but the scheduler optimises '" + std::string(scheduler.metric()) + "'");
  }
  std::vector<std::string> metrics;
  const std::size_t scheduler_metric = check_metrics_and_stop(scheduler, metrics, options.stop_criterion, who);
  const session_options settings{metrics, scheduler_metric, options.stop_criterion, options.max_failures,
                                 options.log};

  auto run = [&](auto& recorder, const std::filesystem::path& directory) {
    auto description =
        describe_experiment(scheduler, directory.filename().string(), metrics, options.n_workers, "simulator", false);
    description.creation_timestamp = 0.0;
    recorder.tuning_started(description, 0.0);
    simulation_loop loop(scheduler, benchmark, recorder, options, settings);
    loop.run();
    simulation_result<typename Space::config_type> result{collect_result(scheduler, loop.session(), directory),
                                                          std::move(loop.statistics())};
    if (options.log) print_summary(*options.log, scheduler, loop.session(), result);
    return result;
  };
  if (!options.record_results) {
    null_recorder recorder;
    return run(recorder, {});
  }
  const auto directory = options.experiment_root / (options.name.empty() ? timestamped_name("rung-sim") : options.name);
  experiment_recorder recorder(directory, scheduler.space());
  return run(recorder, directory);
}
}  // namespace detail

// Runs `scheduler` on `benchmark` in virtual time. The benchmark's metric must
// be the scheduler's metric. Bad options throw std::invalid_argument naming
// the field and the value, before anything runs.
template <Scheduler S, Benchmark B>
  requires std::same_as<typename S::config_type, typename B::space_type::config_type>
simulation_result<typename S::config_type> simulate(S& scheduler, const B& benchmark,
                                                    simulator_options options = {}) {
  return detail::simulate_with(scheduler_ref<detail::space_of_t<S>>(scheduler), benchmark, std::move(options));
}

// The same, taking the scheduler by value.
template <Scheduler S, Benchmark B>
  requires std::same_as<typename S::config_type, typename B::space_type::config_type>
simulation_result<typename S::config_type> simulate(S&& scheduler, const B& benchmark, simulator_options options = {})
  requires(!std::is_lvalue_reference_v<S>)
{
  return simulate(scheduler, benchmark, std::move(options));
}

}  // namespace rung
