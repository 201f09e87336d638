// How well one GPU is shared: the LeNet tuning with 1, 2, 4, 8 and 16
// workers on one device (each trial on a CUDA stream of its own), the data
// loaded once, unpacked and packed (every worker's trial in one pack; or
// only --pack N). For each worker count and pack size, one JSON line:
//   {"benchmark":"lenet_gpu","device":"cuda:0","workers":4,"pack":4,"scheduler":"asha","epochs":812,
//    "wallclock_s":300.1,"epochs_per_s":2.71,"seconds_to_0.14":143.2,"best_validation_error":0.128}
// seconds_to_<target> is when the best validation error first reached the
// target (null if it never did); each run ends then, or at --max-wallclock.
//
//   bench_lenet_gpu                                   # cuda:0, 1..16 workers, 600 s each at most
//   bench_lenet_gpu --device cpu --train-size 2000 --workers 1,2 --max-wallclock 30 --target 0.5
#include <rung/results/experiment.hpp>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "lenet_flags.hpp"
#include "lenet_tuning.hpp"

namespace {

std::string json_number(std::optional<double> value) {
  if (!value) return "null";
  std::ostringstream text;
  text.precision(6);
  text << *value;
  return text.str();
}

// The tuner time at which the incumbent first reached `target`.
std::optional<double> seconds_to(const rung::experiment& experiment, double target) {
  for (const auto& point : experiment.incumbent()) {
    if (point.best <= target) return point.time;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto flags_known = lenet::shared_flags();
    flags_known.push_back({"workers", "comma-separated worker counts, one run each (default: 1,2,4,8,16)"});
    flags_known.push_back({"target", "the validation error to time (default: 0.14)"});
    const lenet::command_line flags(argc, argv, flags_known);
    if (flags.help_requested()) {
      std::cout << flags.usage(argv[0], "Measures the LeNet tuning on one GPU with more and more workers.");
      return EXIT_SUCCESS;
    }
    lenet::lenet_settings settings;
    settings.device = "cuda:0";
    settings.max_wallclock = 600;
    settings.out = "rung-experiments/bench-lenet-gpu";
    lenet::read_shared_flags(flags, settings);
    double target = 0.14;
    flags.read("target", target);
    const auto worker_counts = lenet::parse_count_list("workers", flags.text("workers").value_or("1,2,4,8,16"));
    settings.stop_at_error = target;
    settings.log = nullptr;

    const auto data = lenet::prepare_data(settings);
    std::cerr << "bench_lenet_gpu: " << data.description << ", target validation error " << target << '\n';
    // Without --pack, each worker count runs unpacked and, from 2 workers
    // on, with every worker's trial in one pack.
    const bool pack_given = flags.text("pack").has_value();
    const std::int64_t pack_given_size = settings.pack;
    for (const std::size_t workers : worker_counts) {
      const auto all_in_one = static_cast<std::int64_t>(workers);
      const auto packs = pack_given ? std::vector<std::int64_t>{pack_given_size}
                         : workers > 1 ? std::vector<std::int64_t>{1, all_in_one}
                                       : std::vector<std::int64_t>{1};
      for (const std::int64_t pack : packs) {
        settings.workers = workers;
        settings.pack = pack;
        const auto outcome = lenet::tune_lenet(settings, data);
        const auto experiment = rung::load_experiment(outcome.experiment_dir);
        const double seconds = outcome.status.wallclock_time;
        std::cout << R"({"benchmark":"lenet_gpu","device":")" << settings.device << R"(","workers":)" << workers
                  << R"(,"pack":)" << pack << R"(,"scheduler":")" << settings.scheduler << R"(","epochs":)"
                  << outcome.status.num_evaluations << R"(,"wallclock_s":)" << json_number(seconds)
                  << R"(,"epochs_per_s":)"
                  << json_number(static_cast<double>(outcome.status.num_evaluations) / seconds)
                  << R"(,"seconds_to_)" << target << R"(":)" << json_number(seconds_to(experiment, target))
                  << R"(,"best_validation_error":)" << json_number(outcome.best_validation_error) << "}"
                  << std::endl;
      }
    }
    return EXIT_SUCCESS;
  } catch (const std::exception& error) {
    std::cerr << "bench_lenet_gpu: " << error.what() << '\n';
    return EXIT_FAILURE;
  }
}
