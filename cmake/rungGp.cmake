# rung::gp: the Gaussian-process searcher's target (rung/gp.hpp,
# rung/searchers/gp_searcher.hpp). It links Eigen3::Eigen and rung::rung, so
# rung::rung itself stays free of Eigen. RUNG_GP chooses:
#   AUTO  build it when find_package(Eigen3) finds Eigen (default)
#   ON    require Eigen: configuring fails without it
#   OFF   never build it, even when Eigen is installed
# RUNG_HAS_GP tells the rest of the build (tests, benchmarks, the package
# config) whether the target exists.
set(RUNG_GP AUTO CACHE STRING "Build the GP searcher's target rung::gp: AUTO (when Eigen is found), ON or OFF")
set_property(CACHE RUNG_GP PROPERTY STRINGS AUTO ON OFF)
string(TOUPPER "${RUNG_GP}" rung_gp_choice)
if(NOT rung_gp_choice MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "RUNG_GP must be AUTO, ON or OFF, not '${RUNG_GP}'")
endif()

set(RUNG_HAS_GP OFF)
if(NOT rung_gp_choice STREQUAL "OFF")
  if(rung_gp_choice STREQUAL "ON")
    find_package(Eigen3 3.3 REQUIRED NO_MODULE)
  else()
    find_package(Eigen3 3.3 QUIET NO_MODULE)
  endif()
  if(TARGET Eigen3::Eigen)
    set(RUNG_HAS_GP ON)
  else()
    message(STATUS "rung: no Eigen found, so rung::gp (the GP searcher) and its tests are not built: "
                   "install libeigen3-dev (scripts/install-deps.sh does)")
  endif()
endif()

if(RUNG_HAS_GP)
  add_library(rung_gp INTERFACE)
  add_library(rung::gp ALIAS rung_gp)
  # Exported as rung::gp, beside rung::rung.
  set_target_properties(rung_gp PROPERTIES EXPORT_NAME gp)
  target_link_libraries(rung_gp INTERFACE rung Eigen3::Eigen)
  message(STATUS "rung: rung::gp with Eigen ${Eigen3_VERSION}")
endif()
