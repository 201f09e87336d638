# rung::mpi: the MPI driver's target (rung/mpi.hpp, rung/drivers/mpi/).
# It links MPI::MPI_CXX and rung::rung, so rung::rung itself stays free of
# MPI. RUNG_MPI chooses:
#   AUTO  build it when find_package(MPI COMPONENTS CXX) finds an MPI (default)
#   ON    require an MPI: configuring fails without one
#   OFF   never build it, even when an MPI is installed
# RUNG_HAS_MPI tells the rest of the build (tests/mpi, bench_mpi, the example,
# the package config) whether the target exists.
set(RUNG_MPI AUTO CACHE STRING "Build the MPI driver's target rung::mpi: AUTO (when MPI is found), ON or OFF")
set_property(CACHE RUNG_MPI PROPERTY STRINGS AUTO ON OFF)
string(TOUPPER "${RUNG_MPI}" rung_mpi_choice)
if(NOT rung_mpi_choice MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "RUNG_MPI must be AUTO, ON or OFF, not '${RUNG_MPI}'")
endif()

set(RUNG_HAS_MPI OFF)
if(NOT rung_mpi_choice STREQUAL "OFF")
  # rung speaks MPI's C API only: leave out the MPI-2 C++ bindings (and
  # their library) unless the project asked for them.
  if(NOT DEFINED MPI_CXX_SKIP_MPICXX)
    set(MPI_CXX_SKIP_MPICXX ON)
  endif()
  if(rung_mpi_choice STREQUAL "ON")
    find_package(MPI REQUIRED COMPONENTS CXX)
  else()
    find_package(MPI QUIET COMPONENTS CXX)
  endif()
  if(MPI_CXX_FOUND)
    set(RUNG_HAS_MPI ON)
  else()
    message(STATUS "rung: no MPI found, so rung::mpi, its tests, bench_mpi and examples/mpi_tuning are not built: "
                   "install libopenmpi-dev and openmpi-bin (scripts/install-deps.sh does)")
  endif()
endif()

if(RUNG_HAS_MPI)
  add_library(rung_mpi INTERFACE)
  add_library(rung::mpi ALIAS rung_mpi)
  # Exported as rung::mpi, beside rung::rung.
  set_target_properties(rung_mpi PROPERTIES EXPORT_NAME mpi)
  target_link_libraries(rung_mpi INTERFACE rung MPI::MPI_CXX)
  message(STATUS "rung: rung::mpi with MPI ${MPI_CXX_VERSION} (${MPIEXEC_EXECUTABLE})")
endif()
