#include <ATen/Parallel.h>

#include <stdexcept>
#include <string>

#include "devices.hpp"
#include "fashion_mnist.hpp"
#include "lenet_tuning.hpp"

namespace lenet {

namespace {

void require_size(std::string_view flag, std::int64_t value, std::int64_t most) {
  if (value < 1 || value > most) {
    throw std::invalid_argument(std::string(flag) + " " + std::to_string(value) + ": must be between 1 and " +
                                std::to_string(most) + " images");
  }
}

std::string device_list(const std::vector<torch::Device>& devices) {
  std::string names;
  for (const auto& device : devices) names += (names.empty() ? "" : ", ") + device.str();
  return names;
}

}  // namespace

prepared_data prepare_data(lenet_settings& settings) {
  require_known_scheduler(settings.scheduler);  // before the data takes seconds to load
  require_known_searcher(settings.searcher);
  // One LibTorch (intra-op) thread per trial: trials run in parallel on the
  // workers instead. LeNet's kernels are too small to gain from more; on the
  // shared 2-core machine an epoch on 2 threads took 2.5x (10x with
  // OpenMP's default busy-waiting) as long as on 1.
  at::set_num_threads(1);
  const auto devices = select_devices(settings.device);
  const bool on_gpu = devices.front().is_cuda();
  const std::int64_t train_size = settings.train_size.value_or(full_train_size);
  const std::int64_t validation_size = settings.validation_size.value_or(on_gpu ? full_validation_size : 2000);
  require_size("--train-size", train_size, full_train_size);
  require_size("--valid-size", validation_size, full_validation_size);
  settings.train_size = train_size;
  settings.validation_size = validation_size;
  if (!settings.max_wallclock) settings.max_wallclock = on_gpu ? 720 : 240;

  const auto data = load_fashion_mnist(settings.data_dir, train_size, validation_size);
  return {.devices = copy_to_devices(data, devices),
          .description = std::to_string(train_size) + " training and " + std::to_string(validation_size) +
                         " validation images on " + device_list(devices),
          .on_gpu = on_gpu};
}


}  // namespace lenet
