# cohort is header-only: one (release) configuration is all there is to install.
set(VCPKG_BUILD_TYPE release)

vcpkg_from_github(
    OUT_SOURCE_PATH SOURCE_PATH
    REPO cohort-cpp/cohort
    REF "v${VERSION}"
    # Set on release: the SHA512 of the v${VERSION} source archive
    # (`vcpkg install cohort` prints the actual value when this one mismatches).
    SHA512 0
    HEAD_REF main
)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DCOHORT_BUILD_TESTS=OFF
        -DCOHORT_BUILD_EXAMPLES=OFF
        -DCOHORT_BUILD_BENCHMARKS=OFF
        -DCOHORT_INSTALL=ON
)
vcpkg_cmake_install()

# cohort installs its CMake package to share/cmake/cohort; vcpkg wants share/cohort.
vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/cohort)
# cohort.pc is architecture-independent and lives in share/pkgconfig.
vcpkg_fixup_pkgconfig()

# Header-only: no libraries, no debug tree; the license goes to copyright below.
file(REMOVE_RECURSE
    "${CURRENT_PACKAGES_DIR}/debug"
    "${CURRENT_PACKAGES_DIR}/lib"
    "${CURRENT_PACKAGES_DIR}/share/doc")

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
