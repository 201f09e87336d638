// What the LeNet example's test files share: a temporary directory, the
// message of what an action throws, and settings for a quiet CPU tuning on
// a few real images. Included after LibTorch's headers and before doctest's
// (see test_lenet_fashion_mnist.cpp).
#pragma once

#include <cstdint>
#include <exception>
#include <filesystem>
#include <string>

#include "lenet_tuning.hpp"
#include "temp_dir.hpp"  // tests/

namespace lenet_test {

// rung's tests' own (a name no other process holds: a name from the clock
// alone was once taken by two test processes at once), created up front.
struct temp_dir : rung_test::temp_dir {
  temp_dir() { std::filesystem::create_directories(path); }
};

inline std::string error_of(const auto& action) {
  try {
    action();
  } catch (const std::exception& error) {
    return error.what();
  }
  return "no error";
}

// How much a test's tuning trains; the trial limit ends it in seconds, the
// wall-clock limit is a safety net.
struct short_tuning {
  std::int64_t train_size = 100;
  std::int64_t validation_size = 50;
  std::int64_t max_epochs = 4;
  std::int64_t max_trials = 3;
  double max_wallclock = 60;
};

inline lenet::lenet_settings quiet_cpu_settings(const std::filesystem::path& out, const short_tuning& size = {}) {
  lenet::lenet_settings settings;
  settings.device = "cpu";
  settings.data_dir = RUNG_LENET_TEST_DATA_DIR;
  settings.scheduler = "random";
  settings.out = out;
  settings.log = nullptr;
  settings.train_size = size.train_size;
  settings.validation_size = size.validation_size;
  settings.max_epochs = size.max_epochs;
  settings.max_trials = size.max_trials;
  settings.max_wallclock = size.max_wallclock;
  return settings;
}

}  // namespace lenet_test
