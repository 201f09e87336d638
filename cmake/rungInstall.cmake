# Installation and export.
#
# - `cmake --install` puts the headers under <prefix>/include and a
#   relocatable package under <prefix>/share/cmake/rung (share/, not lib/:
#   nothing in it depends on the architecture), so that
#   find_package(rung CONFIG) works from wherever the prefix is moved to.
# - The build tree gets the same package files (rungConfig.cmake,
#   rungConfigVersion.cmake, rungTargets.cmake): find_package(rung) with
#   rung_DIR=<build dir> uses rung without installing it.
# - rung::mpi, when built (cmake/rungMpi.cmake), has an export set of its
#   own, rungMpiTargets.cmake: the package loads it, and looks for MPI, only
#   when the component mpi is asked for, so rung::rung never needs MPI.
#   rung::gp (cmake/rungGp.cmake) likewise: rungGpTargets.cmake, and Eigen
#   looked for only with the component gp.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(RUNG_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/rung"
    CACHE STRING "Where to install rung's CMake package files, relative to the install prefix")
mark_as_advanced(RUNG_INSTALL_CMAKEDIR)

if(RUNG_INSTALL)
  install(DIRECTORY include/rung TYPE INCLUDE)
  install(TARGETS rung EXPORT rungTargets INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT rungTargets NAMESPACE rung:: DESTINATION ${RUNG_INSTALL_CMAKEDIR})
  export(EXPORT rungTargets NAMESPACE rung:: FILE ${PROJECT_BINARY_DIR}/rungTargets.cmake)
  if(RUNG_HAS_MPI)
    install(TARGETS rung_mpi EXPORT rungMpiTargets)
    install(EXPORT rungMpiTargets NAMESPACE rung:: DESTINATION ${RUNG_INSTALL_CMAKEDIR})
    export(EXPORT rungMpiTargets NAMESPACE rung:: FILE ${PROJECT_BINARY_DIR}/rungMpiTargets.cmake)
  endif()
  if(RUNG_HAS_GP)
    install(TARGETS rung_gp EXPORT rungGpTargets)
    install(EXPORT rungGpTargets NAMESPACE rung:: DESTINATION ${RUNG_INSTALL_CMAKEDIR})
    export(EXPORT rungGpTargets NAMESPACE rung:: FILE ${PROJECT_BINARY_DIR}/rungGpTargets.cmake)
  endif()
else()
  export(TARGETS rung NAMESPACE rung:: FILE ${PROJECT_BINARY_DIR}/rungTargets.cmake)
  if(RUNG_HAS_MPI)
    export(TARGETS rung_mpi NAMESPACE rung:: FILE ${PROJECT_BINARY_DIR}/rungMpiTargets.cmake)
  endif()
  if(RUNG_HAS_GP)
    export(TARGETS rung_gp NAMESPACE rung:: FILE ${PROJECT_BINARY_DIR}/rungGpTargets.cmake)
  endif()
endif()

# The config file uses no absolute path, only paths relative to its own
# directory, so the same file serves the build tree and the install.
configure_package_config_file(cmake/rungConfig.cmake.in ${PROJECT_BINARY_DIR}/rungConfig.cmake
  INSTALL_DESTINATION ${RUNG_INSTALL_CMAKEDIR})
# 0.x releases may break the API at each minor version: a request for 0.1
# accepts 0.1.z only. Header-only, so any architecture can use the package.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/rungConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)

if(RUNG_INSTALL)
  install(FILES ${PROJECT_BINARY_DIR}/rungConfig.cmake ${PROJECT_BINARY_DIR}/rungConfigVersion.cmake
    DESTINATION ${RUNG_INSTALL_CMAKEDIR})
endif()
