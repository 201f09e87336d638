// The objective: the seeds' hpo_objective_lenet_synetune as a rung trial.
// It trains LeNet for up to max_epochs epochs and reports the validation
// error after each; the scheduler decides whether it goes on. Paused trials
// keep their model in memory (report() waits, then returns continue_trial),
// so a promoted trial resumes where it stopped instead of starting again.
//
// No LibTorch header here: main.cpp and the tuning code compile without it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <rung/spaces/config_space.hpp>
#include <rung/reporter.hpp>

namespace lenet {

// The seeds' search space: learning_rate loguniform(1e-2, 1), batch_size
// randint(32, 256), max_epochs constant (10 in the seeds).
inline auto make_search_space(std::int64_t max_epochs) {
  return rung::config_space(rung::loguniform<"learning_rate">(1e-2, 1.0), rung::randint<"batch_size">(32, 256),
                            rung::constant<"max_epochs">(max_epochs));
}
using search_space = decltype(make_search_space(10));
using lenet_config = search_space::config_type;

// What each trial reports after every epoch: the metric tuned (lower is
// better), and the epoch's mean training loss, as d2l's plots show it.
inline constexpr std::string_view metric_name = "validation_error";
inline constexpr std::string_view train_loss_name = "train_loss";

// The data set, loaded once onto one device; trials only read it.
struct device_data;
using device_data_set = std::vector<std::shared_ptr<const device_data>>;

class device_packs;

// How the trials share their devices (--pack): with pack_size above 1, the
// trials on one device train packed, in packs of at most pack_size, for a
// tuning of `workers` worker slots.
struct trial_packing {
  std::size_t pack_size = 1;
  std::size_t workers = 1;
};

class lenet_trial {
 public:
  // Trials on worker w train on devices[w % devices.size()]; each one's
  // initial weights and minibatch order derive from `seed` and its id, so a
  // trial trains alike packed or alone, up to floating-point summation order.
  lenet_trial(device_data_set devices, std::uint64_t seed, trial_packing packing = {});

  void operator()(const lenet_config& config, rung::reporter& reporter) const;

  // The most trials one pack has trained at once so far; 1 unpacked.
  [[nodiscard]] std::size_t most_trials_packed() const;

 private:
  device_data_set devices_;
  std::uint64_t seed_;
  std::vector<std::shared_ptr<device_packs>> packs_;  // per device; empty: every trial trains alone
};

}  // namespace lenet
