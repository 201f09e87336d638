// Packed against unpacked LeNet training (issue 15, item 2). For each count
// of trials, every trial trains one epoch of --train-size images on one
// LibTorch thread, (a) unpacked: that many lenet_training objects one after
// another, as the tuner's workers would share one core, and (b) packed: one
// packed_lenet. First with equal batch sizes (--batch-size), then, from 2
// trials on, with batch sizes spread evenly over the seeds' 32 to 256,
// packed both in chunks of the smallest batch size (packed_lenet's default)
// and padded to the largest. One JSON line per run:
//   {"benchmark":"lenet_pack","device":"cpu","trials":4,"batch_sizes":"all 128","form":"packed",
//    "chunk":"smallest","seconds":3.1,"epochs_per_s":1.29,"images_per_s":2580}
//
//   bench_lenet_pack                                  # cpu, 2000 images, 1,2,4,8,16 trials
//   bench_lenet_pack --trials 2,4 --train-size 500 --device cuda:0
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "devices.hpp"
#include "fashion_mnist.hpp"
#include "lenet_model.hpp"
#include "packed_lenet.hpp"

namespace {

constexpr std::int64_t smallest_batch = 32;  // the seeds' randint(32, 256)
constexpr std::int64_t largest_batch = 256;

// Trial i's settings: its own seed and learning rate, and either
// `equal_batch` or a batch size spread over 32 to 256.
std::vector<lenet::training_settings> trial_settings(std::size_t trials, std::optional<std::int64_t> equal_batch) {
  std::vector<lenet::training_settings> settings;
  for (std::size_t i = 0; i < trials; ++i) {
    const auto spread = trials == 1 ? 0 : static_cast<std::int64_t>(i) * (largest_batch - smallest_batch) /
                                              static_cast<std::int64_t>(trials - 1);
    settings.push_back({.learning_rate = 0.1 + 0.02 * static_cast<double>(i),
                        .batch_size = equal_batch.value_or(smallest_batch + spread),
                        .seed = i + 1});
  }
  return settings;
}

template <class Train>
double seconds_of(const torch::Device& device, Train&& train) {
  const auto start = std::chrono::steady_clock::now();
  train();
  lenet::synchronize(device);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double seconds_unpacked(const lenet::device_data& where, const std::vector<lenet::training_settings>& settings) {
  std::vector<std::unique_ptr<lenet::lenet_training>> trainings;
  for (const auto& each : settings) {
    trainings.push_back(std::make_unique<lenet::lenet_training>(where.data, where.device, each));
  }
  return seconds_of(where.device, [&] {
    for (auto& training : trainings) training->train_epoch([] { return false; });
  });
}

// Each member leaves the pack as soon as its epoch ends.
double seconds_packed(const lenet::device_data& where, const std::vector<lenet::training_settings>& settings,
                      std::int64_t chunk_images) {
  lenet::packed_lenet pack(where.data, where.device, {.chunk_images = chunk_images});
  for (std::size_t i = 0; i < settings.size(); ++i) {
    pack.join(lenet::make_packed_member(static_cast<std::int64_t>(i), settings[i], where.device));
  }
  return seconds_of(where.device, [&] {
    while (pack.size() > 0) {
      for (const auto& end : pack.train([] { return false; })) {
        if (!end.failure) pack.leave(end.id);
      }
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const lenet::command_line flags(
        argc, argv,
        {{"device", "cpu (default), cuda:N, ..."},
         {"data-dir", "the Fashion-MNIST IDX files (default: /usr/share/datasets/fashion-mnist)"},
         {"train-size", "training images, one epoch per trial (default: 2000)"},
         {"trials", "comma-separated trial counts, runs for each (default: 1,2,4,8,16)"},
         {"batch-size", "every trial's batch size in the equal runs (default: 128, the seeds' first)"}});
    if (flags.help_requested()) {
      std::cout << flags.usage(argv[0], "Measures packed against unpacked LeNet training on one thread.");
      return EXIT_SUCCESS;
    }
    std::string device_flag = "cpu";
    std::string data_dir = "/usr/share/datasets/fashion-mnist";
    std::int64_t train_size = 2000;
    std::int64_t batch_size = 128;
    flags.read("device", device_flag);
    flags.read("data-dir", data_dir);
    flags.read("train-size", train_size);
    flags.read("batch-size", batch_size);
    const auto trial_counts = lenet::parse_count_list("trials", flags.text("trials").value_or("1,2,4,8,16"));
    if (batch_size < 1) throw std::invalid_argument("--batch-size " + std::to_string(batch_size) + ": must be at least 1");

    at::set_num_threads(1);
    const auto device = lenet::select_devices(device_flag).front();
    const auto where = lenet::copy_to_devices(lenet::load_fashion_mnist(data_dir, train_size, 10), {device}).front();
    std::cerr << "bench_lenet_pack: " << train_size << " images on " << device.str() << ", one LibTorch thread\n";
    (void)seconds_packed(*where, trial_settings(2, std::nullopt), 0);  // warm-up: first calls allocate and plan
    (void)seconds_unpacked(*where, trial_settings(1, batch_size));

    const auto report = [&](std::size_t trials, const std::string& batch_sizes, const std::string& form,
                            const std::string& chunk, double seconds) {
      const auto epochs = static_cast<double>(trials);
      std::cout << R"({"benchmark":"lenet_pack","device":")" << device.str() << R"(","trials":)" << trials
                << R"(,"batch_sizes":")" << batch_sizes << R"(","form":")" << form << R"(","chunk":)"
                << (chunk.empty() ? "null" : "\"" + chunk + "\"") << R"(,"seconds":)" << seconds
                << R"(,"epochs_per_s":)" << epochs / seconds << R"(,"images_per_s":)"
                << epochs * static_cast<double>(train_size) / seconds << "}" << std::endl;
    };
    const std::string spread = std::to_string(smallest_batch) + " to " + std::to_string(largest_batch);
    for (const std::size_t trials : trial_counts) {
      const auto equal = trial_settings(trials, batch_size);
      const std::string all = "all " + std::to_string(batch_size);
      report(trials, all, "unpacked", "", seconds_unpacked(*where, equal));
      report(trials, all, "packed", "smallest", seconds_packed(*where, equal, 0));
      if (trials < 2) continue;
      const auto mixed = trial_settings(trials, std::nullopt);
      report(trials, spread, "unpacked", "", seconds_unpacked(*where, mixed));
      report(trials, spread, "packed", "smallest", seconds_packed(*where, mixed, 0));
      report(trials, spread, "packed", "largest", seconds_packed(*where, mixed, largest_batch));
    }
    return EXIT_SUCCESS;
  } catch (const std::exception& error) {
    std::cerr << "bench_lenet_pack: " << error.what() << '\n';
    return EXIT_FAILURE;
  }
}
