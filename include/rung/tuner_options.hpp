// Settings of the real-time tuner, and what a tuning returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "rung/decision.hpp"
#include "rung/journal_sync.hpp"
#include "rung/stop_criterion.hpp"
#include "rung/trials.hpp"
#include "rung/tuning_status.hpp"

namespace rung {

struct tuner_options {
  std::size_t n_workers = 4;                     // trials running at once
  any_stop_criterion stop_criterion = {};        // when the tuning ends
  std::vector<std::string> metrics = {};         // every metric trials report; default: the scheduler's
  double print_update_interval = 30.0;           // seconds between status tables; 0: final summary only
  double results_update_interval = 10.0;         // seconds between flushes of results.csv
  std::int64_t max_failures = 1;                 // the tuning ends once more trials than this fail
  std::string name = {};                         // the experiment's name; default rung-<date>-<time>
  std::filesystem::path experiment_root = "rung-experiments";  // holds experiment_root/name: name is one component
  bool record_results = true;                    // write the experiment directory
  // Go on with the experiment experiment_root/name from its journal (after a
  // crash, or with a larger budget): the scheduler is rebuilt by replaying
  // every event, trials that were running are called again with
  // resume_from(), and the counts of the stop criterion include the earlier run.
  bool resume = false;
  // How hard the journal is pushed to the disk: what a power loss can take
  // (a crash of the process takes nothing recorded under any policy). none,
  // periodic (every results_update_interval) or every_event: see journal_sync.hpp.
  rung::journal_sync journal_sync = rung::journal_sync::none;
  std::ostream* log = &std::cout;                // status tables and messages; nullptr: silent
  // Paused trials keep their state in memory (report() waits). false: a
  // paused trial is asked to checkpoint and return (report() returns
  // pause_trial), and is called again with resume_from() when promoted.
  bool pause_in_memory = true;
  // SIGINT and SIGTERM end the tuning as request_stop() does, and a second
  // one kills the trials' processes at once; the signals' earlier handling
  // is restored when run() returns. Off: the program's own handling stands.
  bool handle_signals = false;
};

template <class Config>
struct tuning_result {
  std::filesystem::path experiment_dir;  // empty when nothing was recorded
  std::string metric;
  rung::mode mode = rung::mode::min;
  std::optional<trial_id> best_trial;
  std::optional<Config> best_config;
  double best_metric = std::numeric_limits<double>::quiet_NaN();
  tuning_status status;
  std::string stop_reason;
  std::vector<trial_record<Config>> trials;
  // Ended early by tuner::request_stop() or, with handle_signals, a signal:
  // interrupt_signal is its number (SIGINT, SIGTERM), 0 for request_stop().
  bool interrupted = false;
  int interrupt_signal = 0;
};

}  // namespace rung
