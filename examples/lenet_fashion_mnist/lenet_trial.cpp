#include "lenet_trial.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <utility>

#include "device_packs.hpp"
#include "devices.hpp"
#include "fashion_mnist.hpp"
#include "lenet_model.hpp"
#include "packed_lenet.hpp"

namespace lenet {

namespace {
// Distinct, well-spread seeds for consecutive trial ids (SplitMix64's step).
std::uint64_t trial_seed(std::uint64_t seed, rung::trial_id trial) {
  std::uint64_t mixed = seed + 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(trial) + 1);
  mixed = (mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9ULL;
  mixed = (mixed ^ (mixed >> 27)) * 0x94D049BB133111EBULL;
  return mixed ^ (mixed >> 31);
}

// Trains epoch after epoch and reports each, until max_epochs, a stop
// request (train_epoch gives nullopt) or a decision other than continue.
template <class TrainEpoch, class ValidationError>
void report_epochs(const lenet_config& config, rung::reporter& reporter, TrainEpoch train_epoch,
                   ValidationError validation_error) {
  for (std::int64_t epoch = 1; epoch <= config.get<"max_epochs">(); ++epoch) {
    const std::optional<double> train_loss = train_epoch();
    if (!train_loss) return;
    const double error = validation_error();
    if (reporter.report(static_cast<double>(epoch), {{metric_name, error}, {train_loss_name, *train_loss}}) !=
        rung::decision::continue_trial) {
      return;
    }
  }
}
}  // namespace

lenet_trial::lenet_trial(device_data_set devices, std::uint64_t seed, trial_packing packing)
    : devices_(std::move(devices)), seed_(seed) {
  if (devices_.empty()) throw std::invalid_argument("lenet_trial: no device to train on");
  if (packing.pack_size <= 1) return;
  // Worker w trains on device w % D: device d has the workers d, d + D, ...
  const std::size_t device_count = devices_.size();
  for (std::size_t d = 0; d < device_count; ++d) {
    const std::size_t workers_here = packing.workers > d ? (packing.workers - d + device_count - 1) / device_count : 0;
    const std::size_t packs_here = (workers_here + packing.pack_size - 1) / packing.pack_size;
    packs_.push_back(packs_here == 0 ? nullptr
                                     : std::make_shared<device_packs>(devices_[d]->data, devices_[d]->device,
                                                                      packs_here, packing.pack_size));
  }
}

std::size_t lenet_trial::most_trials_packed() const {
  if (packs_.empty()) return 1;
  std::size_t most = 0;
  for (const auto& packs : packs_) {
    if (packs) most = std::max(most, packs->most_packed());
  }
  return most;
}

void lenet_trial::operator()(const lenet_config& config, rung::reporter& reporter) const {
  // The tuner calls a trial again with resume_from() only when it asked it to
  // give up its memory, which this tuning never does (pause_in_memory).
  if (reporter.resume_from() > 0) {
    throw std::logic_error("lenet_trial keeps its model in memory and cannot resume from a checkpoint");
  }
  // The device is chosen once: a paused trial may come back on another
  // worker slot, but its model stays where it was made.
  const std::size_t device_index = reporter.worker() % devices_.size();
  const device_data& where = *devices_[device_index];
  const trial_stream stream(where.device);
  const training_settings settings{.learning_rate = config.get<"learning_rate">(),
                                   .batch_size = config.get<"batch_size">(),
                                   .seed = trial_seed(seed_, reporter.trial())};
  const auto stop_requested = [&reporter] { return reporter.stop_requested(); };
  if (packs_.empty()) {
    lenet_training training(where.data, where.device, settings);
    const auto train_epoch = [&]() -> std::optional<double> {
      if (!training.train_epoch(stop_requested)) return std::nullopt;
      return training.last_epoch_loss();
    };
    report_epochs(config, reporter, train_epoch, [&] { return training.validation_error(); });
    return;
  }
  // Between two epochs the member is out of its pack, held here: paused, it
  // waits in report() without holding the pack back.
  device_packs& packs = *packs_[device_index];
  auto member = make_packed_member(reporter.trial(), settings, where.device);
  report_epochs(
      config, reporter, [&] { return packs.train_epoch(member, stop_requested); },
      [&] { return validation_error(where.data, member); });
}

}  // namespace lenet
