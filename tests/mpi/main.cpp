// The doctest main of the MPI tests (tests/mpi/CMakeLists.txt runs each
// test_*.cpp under mpiexec). A tuning is collective, rank 0 deciding and the
// others running trials, so every rank runs every test case in the same
// order. Rank 0 prints the whole report, the other ranks only their
// failures; every rank exits non-zero when a check failed on any rank.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <mpi.h>

#include <cstdio>

#include "rung/mpi.hpp"

int main(int argc, char** argv) {
  const rung::mpi_session session(argc, argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  doctest::Context context(argc, argv);
  if (rank != 0) {
    context.setOption("minimal", true);
    context.setOption("no-version", true);
  }
  const int failed_here = context.run() == 0 ? 0 : 1;
  if (failed_here != 0) std::fprintf(stderr, "tests/mpi: the failures above are rank %d's\n", rank);
  int failed_anywhere = 0;
  MPI_Allreduce(&failed_here, &failed_anywhere, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return failed_anywhere;
}
