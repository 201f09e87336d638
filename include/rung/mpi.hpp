// One tuning across machines over MPI (drivers/mpi/): rung::mpi_tuner and
// rung::mpi_session. Not in rung.hpp, which stays MPI-free: include it by
// name and link rung::mpi (MPI::MPI_CXX).
#pragma once

#include "rung/drivers/mpi/mpi_tuner.hpp"
