# cmake -DPKG_CONFIG=<pkg-config> -DPREFIX=<prefix> -DCXX=<compiler> -DCXX_FLAGS=<flags>
#       -DLINKER_FLAGS=<flags> -DSOURCE=<main.cpp> -DOUTPUT=<exe> -P pkg_config.cmake
# Builds SOURCE the way a Makefile user would: `c++ $(pkg-config --cflags --libs cohort)`,
# with the .pc file found only through PKG_CONFIG_PATH=<prefix>/share/pkgconfig, then runs it.
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/share/pkgconfig")
unset(ENV{PKG_CONFIG_LIBDIR})
execute_process(
    COMMAND "${PKG_CONFIG}" --print-errors --cflags --libs cohort
    RESULT_VARIABLE result OUTPUT_VARIABLE flags ERROR_VARIABLE errors
    OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags --libs cohort failed (${result}): ${errors}")
endif()
message(STATUS "pkg-config --cflags --libs cohort: ${flags}")
if(NOT flags MATCHES "-I[^ ]*/include")
    message(FATAL_ERROR "cohort.pc gives no -I for the installed headers: '${flags}'")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
separate_arguments(linker_flags UNIX_COMMAND "${LINKER_FLAGS}")
execute_process(
    COMMAND "${CXX}" ${cxx_flags} "${SOURCE}" -o "${OUTPUT}" ${flags} ${linker_flags}
    RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "compiling with the pkg-config flags failed")
endif()
execute_process(COMMAND "${OUTPUT}" RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "${OUTPUT} exited with ${result}")
endif()
