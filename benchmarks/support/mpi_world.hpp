// This process's rank in MPI_COMM_WORLD and the number of ranks, for the MPI
// tests and bench_mpi (MPI must be initialised: rung::mpi_session).
#pragma once

#include <mpi.h>

namespace rung::bench {

inline int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

inline int world_size() {
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

}  // namespace rung::bench
