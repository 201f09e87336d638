// The flags the example and its benchmark share, read into lenet_settings.
#pragma once

#include <vector>

#include "command_line.hpp"
#include "lenet_tuning.hpp"

namespace lenet {

inline std::vector<flag_help> shared_flags() {
  return {
      {"scheduler", "asha (default; stops trials), asha-promotion (pauses and resumes them), hyperband, sync-sh, "
                    "random (asynchronous random search)"},
      {"searcher", "random (default; the seeds' random search) or kde (rung's kernel density searcher: with asha, BOHB)"},
      {"max-wallclock", "seconds the tuning runs (default: 240 on CPU, 720 on GPU, as the seeds)"},
      {"device", "cpu, cuda (all GPUs, trials rotate over them), cuda:N, or auto (default: GPUs if any, else cpu)"},
      {"data-dir", "the Fashion-MNIST IDX files, gzipped or not (default: /usr/share/datasets/fashion-mnist, "
                   "from Debian's dataset-fashion-mnist)"},
      {"train-size", "training images used (default: all 60000)"},
      {"valid-size", "test images used as the validation set (default: 2000 on CPU, all 10000 on GPU)"},
      {"max-epochs", "epochs a trial trains at most (default: 10)"},
      {"pack", "trials trained as one packed model per device, at most --workers (default: 1, each alone; "
               "packing is slower on the CPU, see docs/lenet.md)"},
      {"max-trials", "also end once this many trials have run (default: no limit)"},
      {"seed", "seeds the search and every trial's weights (default: 0)"},
      {"out", "where experiment directories go (default: rung-experiments)"},
  };
}

inline void read_shared_flags(const command_line& flags, lenet_settings& settings) {
  flags.read("scheduler", settings.scheduler);
  flags.read("searcher", settings.searcher);
  flags.read("max-wallclock", settings.max_wallclock);
  flags.read("device", settings.device);
  flags.read("data-dir", settings.data_dir);
  flags.read("train-size", settings.train_size);
  flags.read("valid-size", settings.validation_size);
  flags.read("max-epochs", settings.max_epochs);
  flags.read("pack", settings.pack);
  flags.read("max-trials", settings.max_trials);
  flags.read("seed", settings.seed);
  flags.read("out", settings.out);
}

}  // namespace lenet
