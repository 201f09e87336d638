// The names the documentation's code blocks take for granted, by context
// (tests/docs/compile_snippets.py): each block is compiled after
// `using namespace rung_docs::<context>;`. Only compiled, never run.
#pragma once

#include <rung/rung.hpp>
#include <rung/subprocess.hpp>

#include <cstdint>

#include "synthetic_workload.hpp"

namespace rung_docs {

// The README's quick look: the seeds' space, a model and a trial.
namespace tuning {
inline constexpr auto space = rung::config_space(rung::loguniform<"learning_rate">(1e-2, 1.0),
                                                 rung::randint<"batch_size">(32, 256),
                                                 rung::constant<"max_epochs">(10));
using config = decltype(space)::config_type;
using Config = config;

struct Model {
  Model(double /*learning_rate*/, std::int64_t /*batch_size*/) {}
  void fit_epoch() {}
  [[nodiscard]] double validation_error() const { return 0.5; }
};

inline double train_one_epoch(const Config& /*config*/) { return 0.5; }

inline void train(const Config& c, rung::reporter& reporter) {
  Model model(c.get<"learning_rate">(), c.get<"batch_size">());
  for (std::int64_t epoch = 1; epoch <= c.get<"max_epochs">(); ++epoch) {
    model.fit_epoch();
    if (reporter.report(static_cast<double>(epoch), {{"validation_error", model.validation_error()}}) !=
        rung::decision::continue_trial) {
      return;
    }
  }
}
}  // namespace tuning

// Driving a scheduler by hand.
namespace ask_tell {
using namespace tuning;
inline auto scheduler = rung::asha(rung::random_searcher(space, {.seed = 1}),
                                   {.metric = "validation_error", .max_resource_attr = "max_epochs"});
inline rung::trial_id trial_id = 0;
}  // namespace ask_tell

// The factory: a space read at run time and a trial over it.
namespace factory {
inline const auto space = rung::dynamic_config_space::from_json(
    R"({"learning_rate": {"type": "loguniform", "lower": 0.01, "upper": 1}, "epochs": 27})");
inline void train(const rung::dynamic_config_space::config_type& /*config*/, rung::reporter& /*reporter*/) {}
}  // namespace factory

// A tuner whose trials are programs.
namespace subprocess {
using namespace tuning;
inline auto tuner = rung::tuner(
    rung::asha(rung::random_searcher(space, {.seed = 1}), {.metric = "loss", .max_resource_attr = "max_epochs"}),
    {.stop_criterion = rung::stop_criterion{.max_num_trials_started = 10}});
}  // namespace subprocess

// The simulator on the synthetic workload (docs/synthetic_workload.md).
namespace simulator {
inline const rung::bench::synthetic_lc_benchmark benchmark{};
inline const auto& space = benchmark.space();
}  // namespace simulator

}  // namespace rung_docs
