// The seeds' experiment (Dive into Deep Learning 19.3 and 19.5): tune
// LeNet's learning rate and batch size on Fashion-MNIST with ASHA, n
// workers training at once, and show what Syne Tune shows: status tables,
// the final results table, the best configuration, and the two figures (the
// incumbent and every learning curve over wall-clock time), written as SVG
// into the experiment directory.
//
//   example_lenet_fashion_mnist                      # ASHA, 2 workers, on a GPU if there is one
//   example_lenet_fashion_mnist --device cpu --scheduler random --max-wallclock 120
//   example_lenet_fashion_mnist --help
#include <rung/results/experiment.hpp>
#include <rung/results/plots.hpp>

#include <cstdlib>
#include <exception>
#include <iostream>

#include "lenet_flags.hpp"
#include "lenet_tuning.hpp"

int main(int argc, char** argv) {
  try {
    auto flags_known = lenet::shared_flags();
    flags_known.push_back({"workers", "trials training at once (default: 2, as the seeds)"});
    flags_known.push_back({"name", "the experiment's directory name under --out (default: rung-<date>-<time>)"});
    const lenet::command_line flags(argc, argv, flags_known);
    if (flags.help_requested()) {
      std::cout << flags.usage(argv[0], "Tunes LeNet on Fashion-MNIST (learning_rate, batch_size) with rung.");
      return EXIT_SUCCESS;
    }
    lenet::lenet_settings settings;
    lenet::read_shared_flags(flags, settings);
    flags.read("workers", settings.workers);
    flags.read("name", settings.name);

    const auto data = lenet::prepare_data(settings);
    const auto outcome = lenet::tune_lenet(settings, data);

    const auto experiment = rung::load_experiment(outcome.experiment_dir);
    const auto incumbent_svg = outcome.experiment_dir / "incumbent.svg";
    const auto curves_svg = outcome.experiment_dir / "learning_curves.svg";
    rung::write_incumbent_plot(experiment, incumbent_svg);
    rung::write_learning_curves_plot(experiment, curves_svg);
    std::cout << "figures: " << incumbent_svg.string() << " (best validation error over time)\n"
              << "         " << curves_svg.string() << " (every trial's learning curve)\n";
    return outcome.best_validation_error ? EXIT_SUCCESS : EXIT_FAILURE;
  } catch (const std::exception& error) {
    std::cerr << "example_lenet_fashion_mnist: " << error.what() << '\n';
    return EXIT_FAILURE;
  }
}
