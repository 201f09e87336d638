#include "lenet_trial.hpp"

#include <stdexcept>
#include <utility>

#include "devices.hpp"
#include "fashion_mnist.hpp"
#include "lenet_model.hpp"

namespace lenet {

namespace {
// Distinct, well-spread seeds for consecutive trial ids (SplitMix64's step).
std::uint64_t trial_seed(std::uint64_t seed, rung::trial_id trial) {
  std::uint64_t mixed = seed + 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(trial) + 1);
  mixed = (mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9ULL;
  mixed = (mixed ^ (mixed >> 27)) * 0x94D049BB133111EBULL;
  return mixed ^ (mixed >> 31);
}
}  // namespace

lenet_trial::lenet_trial(device_data_set devices, std::uint64_t seed) : devices_(std::move(devices)), seed_(seed) {
  if (devices_.empty()) throw std::invalid_argument("lenet_trial: no device to train on");
}

void lenet_trial::operator()(const lenet_config& config, rung::reporter& reporter) const {
  // The tuner calls a trial again with resume_from() only when it asked it to
  // give up its memory, which this tuning never does (pause_in_memory).
  if (reporter.resume_from() > 0) {
    throw std::logic_error("lenet_trial keeps its model in memory and cannot resume from a checkpoint");
  }
  // The device is chosen once: a paused trial may come back on another
  // worker slot, but its model stays where it was made.
  const device_data& where = *devices_[reporter.worker() % devices_.size()];
  const trial_stream stream(where.device);
  lenet_training training(where.data, where.device,
                          {.learning_rate = config.get<"learning_rate">(),
                           .batch_size = config.get<"batch_size">(),
                           .seed = trial_seed(seed_, reporter.trial())});
  const auto stop_requested = [&reporter] { return reporter.stop_requested(); };
  for (std::int64_t epoch = 1; epoch <= config.get<"max_epochs">(); ++epoch) {
    if (!training.train_epoch(stop_requested)) return;
    const double error = training.validation_error();
    if (reporter.report(static_cast<double>(epoch), {{metric_name, error}}) !=
        rung::decision::continue_trial) {
      return;
    }
  }
}

}  // namespace lenet
