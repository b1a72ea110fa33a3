# cmake -DBUILD_DIR=<cohort build dir> -DPREFIX=<prefix> [-DCONFIG=<cfg>] -P install_fresh.cmake
# Installs cohort from BUILD_DIR into an empty PREFIX (removed first, so a
# file that cohort stopped installing cannot hide a packaging bug).
foreach(var IN ITEMS BUILD_DIR PREFIX)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "install_fresh.cmake: ${var} is not set")
    endif()
endforeach()
file(REMOVE_RECURSE "${PREFIX}")
set(config_args)
if(DEFINED CONFIG AND NOT CONFIG STREQUAL "")
    set(config_args --config "${CONFIG}")
endif()
execute_process(
    COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" ${config_args}
    RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${PREFIX} failed: ${result}")
endif()
foreach(expected IN ITEMS
        include/cohort/cohort.hpp
        share/cmake/cohort/cohort-config.cmake
        share/cmake/cohort/cohort-config-version.cmake
        share/cmake/cohort/cohort-targets.cmake
        share/pkgconfig/cohort.pc)
    if(NOT EXISTS "${PREFIX}/${expected}")
        message(FATAL_ERROR "cohort's install is missing ${expected}")
    endif()
endforeach()
