// Which GPUs a trial run as a child process sees (CUDA_VISIBLE_DEVICES), as
// Syne Tune's LocalBackend rotates them: free GPUs first; when none is free,
// the GPUs assigned least often so far; ties go to the lowest number. Pure:
// the caller says when a trial starts and ends.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rung/decision.hpp"

namespace rung {

struct gpu_options {
  std::vector<int> devices = {};   // the GPUs to use, e.g. {0, 1, 2, 3}; empty: CUDA_VISIBLE_DEVICES is not set
  std::size_t gpus_per_trial = 1;  // how many of them each trial sees
};

class gpu_rotation {
 public:
  explicit gpu_rotation(gpu_options options) : options_(std::move(options)) {
    for (const int device : options_.devices) {
      if (device < 0) bad("devices", std::to_string(device), "a GPU number is >= 0");
      if (std::count(options_.devices.begin(), options_.devices.end(), device) > 1) {
        bad("devices", std::to_string(device), "a GPU is listed twice");
      }
    }
    if (options_.gpus_per_trial < 1 ||
        (!options_.devices.empty() && options_.gpus_per_trial > options_.devices.size())) {
      bad("gpus_per_trial", std::to_string(options_.gpus_per_trial),
          "must be between 1 and the number of devices (" + std::to_string(options_.devices.size()) + ")");
    }
    in_use_.assign(options_.devices.size(), 0);
    times_assigned_.assign(options_.devices.size(), 0);
  }

  [[nodiscard]] bool enabled() const noexcept { return !options_.devices.empty(); }

  // The GPUs for a trial that starts now, in increasing order; held until release().
  std::vector<int> acquire(trial_id trial) {
    std::vector<std::size_t> order(options_.devices.size());
    for (std::size_t slot = 0; slot < order.size(); ++slot) order[slot] = slot;
    std::stable_sort(order.begin(), order.end(), [this](std::size_t left, std::size_t right) {
      const bool left_busy = in_use_[left] > 0;
      const bool right_busy = in_use_[right] > 0;
      if (left_busy != right_busy) return !left_busy;
      return times_assigned_[left] < times_assigned_[right];
    });
    order.resize(options_.gpus_per_trial);
    std::sort(order.begin(), order.end());
    std::vector<int> chosen;
    for (const std::size_t slot : order) {
      ++in_use_[slot];
      ++times_assigned_[slot];
      chosen.push_back(options_.devices[slot]);
    }
    held_[trial] = order;
    return chosen;
  }

  // The trial's process has ended; a trial holding nothing is ignored.
  void release(trial_id trial) {
    const auto found = held_.find(trial);
    if (found == held_.end()) return;
    for (const std::size_t slot : found->second) --in_use_[slot];
    held_.erase(found);
  }

  // "0,2": the value of CUDA_VISIBLE_DEVICES.
  static std::string visible_devices(const std::vector<int>& gpus) {
    std::string text;
    for (const int gpu : gpus) {
      if (!text.empty()) text += ',';
      text += std::to_string(gpu);
    }
    return text;
  }

 private:
  [[noreturn]] static void bad(std::string_view field, const std::string& value, std::string_view rule) {
    throw std::invalid_argument("gpu_options." + std::string(field) + " = " + value + ": " + std::string(rule));
  }

  gpu_options options_;
  std::vector<std::size_t> in_use_;          // per device: trials holding it now
  std::vector<std::size_t> times_assigned_;  // per device: trials given it so far
  std::map<trial_id, std::vector<std::size_t>> held_;
};

}  // namespace rung
