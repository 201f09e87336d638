# Installation and export: find_package(rung) after `cmake --install`, and a
# build-tree export so add_subdirectory / FetchContent users can install too.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY include/rung TYPE INCLUDE)
install(TARGETS rung EXPORT rungTargets)
install(EXPORT rungTargets NAMESPACE rung:: DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/rung)
export(EXPORT rungTargets NAMESPACE rung:: FILE ${PROJECT_BINARY_DIR}/rungTargets.cmake)

configure_package_config_file(cmake/rungConfig.cmake.in ${PROJECT_BINARY_DIR}/rungConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/rung)
# A header-only library: any architecture can use the installed package.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/rungConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/rungConfig.cmake ${PROJECT_BINARY_DIR}/rungConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/rung)
