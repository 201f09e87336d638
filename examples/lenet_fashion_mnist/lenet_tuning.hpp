// One LeNet tuning from settings: the data is prepared once (devices chosen,
// their defaults filled in, Fashion-MNIST loaded onto each), then any number
// of tunings run on it (the example runs one, the benchmark one per worker
// count). No LibTorch header here.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <rung/tuning_status.hpp>

#include "lenet_trial.hpp"

namespace lenet {

// --scheduler values: ASHA stopping trials (the seeds'), ASHA pausing and
// resuming them, Hyperband, synchronous successive halving, and the seeds'
// first experiment, asynchronous random search.
inline constexpr std::array<std::string_view, 5> scheduler_names = {"asha", "asha-promotion", "hyperband", "sync-sh",
                                                                    "random"};

// --searcher values: random search (the seeds'), and rung's kernel density
// searcher, which with ASHA is BOHB.
inline constexpr std::array<std::string_view, 2> searcher_names = {"random", "kde"};

// Throw std::invalid_argument naming the flag and the known names.
void require_known_scheduler(std::string_view name);
void require_known_searcher(std::string_view name);

struct lenet_settings {
  // Data and devices. Left unset, sizes and time take the device's default
  // (prepare_data): every device trains on all of Fashion-MNIST's 60,000
  // training images; GPUs validate on all 10,000 test images for the seeds'
  // 12 minutes, the CPU on 2,000 for 4 minutes. All, not half, on the CPU
  // too: sigmoid LeNet sits at chance until a few hundred SGD steps at a
  // high learning rate have passed, and with 30,000 images many trials that
  // would learn are still there when ASHA first compares trials (epoch 2);
  // the main job's best error was 0.21 against 0.25 with half (README).
  std::string device = "auto";
  std::filesystem::path data_dir = "/usr/share/datasets/fashion-mnist";
  std::optional<std::int64_t> train_size;       // 60000
  std::optional<std::int64_t> validation_size;  // CPU 2000, GPU 10000
  std::optional<double> max_wallclock;          // seconds; CPU 240, GPU 720

  // The tuning (the seeds' settings by default).
  std::size_t workers = 2;
  // Trials trained as one packed model on a device (packed_lenet.hpp), at
  // most --workers. 1, each trial alone, by default: on the CPU a pack is
  // slower than its members on their own threads (docs/lenet.md).
  std::int64_t pack = 1;
  std::string scheduler = "asha";
  std::string searcher = "random";
  std::int64_t max_epochs = 10;
  std::uint64_t seed = 0;
  std::filesystem::path out = "rung-experiments";
  std::string name = {};                  // default: rung-<date>-<time>
  std::optional<double> stop_at_error;    // also end once the best validation error is at most this
  std::optional<std::int64_t> max_trials;  // also end once this many trials have started and finished
  std::int64_t max_failures = 20;         // diverged trials fail; the tuning goes on until this many
  double print_update_interval = 0;       // seconds between status tables; 0: a quarter of max_wallclock
  std::ostream* log = &std::cout;         // nullptr: silent
};

struct prepared_data {
  device_data_set devices;
  std::string description;  // "60000 training and 2000 validation images on cpu"
  bool on_gpu = false;
};

// Checks the scheduler's name, selects the devices, fills in the settings'
// device defaults, loads the data onto every device and gives each trial
// one LibTorch thread. Errors (bad flags, missing or corrupt files)
// throw with a message naming the flag or file.
prepared_data prepare_data(lenet_settings& settings);

struct tuning_outcome {
  std::filesystem::path experiment_dir;
  std::optional<double> best_validation_error;
  std::string best_config;  // JSON, empty when no trial reported
  rung::tuning_status status;
  std::string stop_reason;
  std::size_t most_trials_packed = 0;  // the most trials one pack trained at once; 1 unpacked
};

// Runs one tuning with `settings.scheduler`; the tuner prints its status
// tables and summary to settings.log.
tuning_outcome tune_lenet(const lenet_settings& settings, const prepared_data& data);

}  // namespace lenet
