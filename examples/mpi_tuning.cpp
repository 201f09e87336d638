// One tuning across the ranks of an MPI job (README, "Across machines"):
//   mpiexec -n 4 build/examples/example_mpi_tuning [workers_per_rank] [seconds]
//   srun build/examples/example_mpi_tuning 8        (one rank per node, 8 GPUs each)
// Every rank runs this same main(). Rank 0 runs promotion ASHA, the journal,
// results.csv and the status tables; every other rank trains the synthetic
// workload's trials (examples/synthetic_trial.hpp) in workers_per_rank slots.
// A paused trial waits in memory on its rank; a promotion resumes it there.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>

#include <mpi.h>

#include <rung/mpi.hpp>
#include <rung/schedulers/asha.hpp>
#include <rung/searchers/random_search.hpp>

#include "synthetic_trial.hpp"

namespace {

// A positive whole number from the command line, or the default.
std::size_t positive_argument(int argc, char** argv, int index, const char* name, std::size_t fallback) {
  if (argc <= index) return fallback;
  char* end = nullptr;
  const long long value = std::strtoll(argv[index], &end, 10);
  if (end == argv[index] || *end != '\0' || value <= 0) {
    throw std::invalid_argument(std::string(name) + " must be a positive whole number, not '" + argv[index] + "'");
  }
  return static_cast<std::size_t>(value);
}

}  // namespace

int main(int argc, char** argv) {
  const rung::mpi_session session(argc, argv);
  try {
    namespace lc = example::lc;
    const auto workers_per_rank = positive_argument(argc, argv, 1, "workers_per_rank", 2);
    const auto seconds = positive_argument(argc, argv, 2, "seconds", 5);
    rung::mpi_tuner tuner(rung::asha(rung::random_searcher(lc::space, {.seed = 1}),
                                     lc::asha_settings(rung::asha_type::promotion)),
                          {.tuning = {.stop_criterion = rung::stop_criterion{.max_wallclock_time =
                                                                                 static_cast<double>(seconds)},
                                      .print_update_interval = 2},
                           .workers_per_rank = workers_per_rank});
    const auto result = tuner.run(example::train<lc::config>);
    if (tuner.rank() == 0 && result.best_config) {
      std::printf("best error %.4f: lr %g, width %lld, dropout %.3f, %s\n", result.best_metric,
                  result.best_config->get<"lr">(), static_cast<long long>(result.best_config->get<"width">()),
                  result.best_config->get<"dropout">(), std::string(result.best_config->get<"optimizer">()).c_str());
    }
    return 0;
  } catch (const std::exception& error) {
    // The other ranks may be inside the tuning: end the whole job.
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    std::fprintf(stderr, "mpi_tuning (rank %d): %s\n", rank, error.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
}
