# vcpkg port for rung, a header-only library. Before submitting it to a
# registry, replace OWNER with the GitHub owner of rung's repository and
# SHA512 with the hash vcpkg prints on the first install (`SHA512 0` makes
# vcpkg report the right one). The version comes from vcpkg.json beside this
# file, which the ctest package_versions_agree keeps equal to CMake's.
vcpkg_from_github(
  OUT_SOURCE_PATH SOURCE_PATH
  REPO OWNER/rung
  REF "v${VERSION}"
  SHA512 0
  HEAD_REF main
)

# Header-only: one (release) configuration is all there is to install.
set(VCPKG_BUILD_TYPE release)

# The feature mpi gives -DRUNG_MPI=ON (vcpkg's MPI), its absence -DRUNG_MPI=OFF:
# never an MPI that happens to be installed on the system. gp and RUNG_GP
# (vcpkg's eigen3) likewise.
vcpkg_check_features(OUT_FEATURE_OPTIONS feature_options FEATURES mpi RUNG_MPI gp RUNG_GP)

# rung is the top-level project here, so its tests, examples and benchmarks
# would be built by default: turn them off.
vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    ${feature_options}
    -DRUNG_BUILD_TESTS=OFF
    -DRUNG_BUILD_EXAMPLES=OFF
    -DRUNG_BUILD_BENCHMARKS=OFF
    -DRUNG_INSTALL=ON
)
vcpkg_cmake_install()
# rung installs its package to share/cmake/rung; vcpkg wants share/rung.
vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/rung)

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
