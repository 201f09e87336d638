// MPI's C API, which is all rung speaks: Open MPI's and MPICH's C++
// bindings (deprecated, and warned about) stay out. Every rung header that
// uses MPI includes <mpi.h> through this one.
#pragma once

#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>
