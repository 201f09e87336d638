// The objective: the seeds' hpo_objective_lenet_synetune as a rung trial.
// It trains LeNet for up to max_epochs epochs and reports the validation
// error after each; the scheduler decides whether it goes on. Paused trials
// keep their model in memory (report() waits, then returns continue_trial),
// so a promoted trial resumes where it stopped instead of starting again.
//
// No LibTorch header here: main.cpp and the tuning code compile without it.
#pragma once

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

// What each trial reports after every epoch (lower is better).
inline constexpr std::string_view metric_name = "validation_error";

// The data set, loaded once onto one device; trials only read it.
struct device_data;
using device_data_set = std::vector<std::shared_ptr<const device_data>>;

class lenet_trial {
 public:
  // Trials on worker w train on devices[w % devices.size()]; each one's
  // initial weights and minibatch order derive from `seed` and its id.
  lenet_trial(device_data_set devices, std::uint64_t seed);

  void operator()(const lenet_config& config, rung::reporter& reporter) const;

 private:
  device_data_set devices_;
  std::uint64_t seed_;
};

}  // namespace lenet
