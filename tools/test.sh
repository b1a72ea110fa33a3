#!/usr/bin/env bash
# Runs cohort's whole test suite on a fresh Debian 12 machine: installs what is
# missing, then builds and tests with g++, clang++ with
# AddressSanitizer+UndefinedBehaviorSanitizer, ThreadSanitizer, then fuzzes
# the decoders.
# CI runs exactly this (.ci/run). Build trees live in build/test-*.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COHORT_ROOT"
started=$SECONDS

step "dependencies"
ensure_packages "${COHORT_TEST_PACKAGES[@]}"
export CCACHE_DIR=${CCACHE_DIR:-$COHORT_ROOT/build/ccache}

step "single_include/cohort/cohort.hpp is up to date"
python3 tools/amalgamate.py --check

# run_config <name> <compiler> <ctest args> -- [cmake args...]
run_config() {
    local name=$1 cxx=$2 ctest_args=$3
    shift 4
    local dir=build/test-$name
    step "$name: configure"
    configure_build "$dir" "$cxx" "$@"
    step "$name: build"
    cmake --build "$dir" --parallel "$COHORT_JOBS"
    step "$name: test"
    # shellcheck disable=SC2086
    ctest --test-dir "$dir" --output-on-failure --parallel "$COHORT_JOBS" $ctest_args
}

# clang 14's -fsanitize=function (part of "undefined") cannot compile C++20
# coroutines, Asio's included (llvm/llvm-project#49689): leave that one check out.
sanitize="-fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=all"
sanitize+=" -fno-omit-frame-pointer"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1

# The clang configurations fail on any warning; a user's build never does
# (COHORT_WARNINGS_AS_ERRORS defaults to OFF). g++ builds Release exactly as
# a user's package build would, warnings shown but not fatal: g++ 12 at -O3
# reports -Wrestrict false positives inside libstdc++ (GCC PR 105329).
# clang++ builds everything once, benchmarks included, under ASan+UBSan with
# -Werror: a separate plain clang++ Debug run checked nothing this one does not
# and cost a quarter of CI's time on two cores.
run_config gcc g++ "" -- -DCMAKE_BUILD_TYPE=Release -DCOHORT_WARNINGS_AS_ERRORS=OFF
run_config asan-ubsan clang++ "" -- -DCMAKE_BUILD_TYPE=Debug -DCOHORT_WARNINGS_AS_ERRORS=ON \
    -DCMAKE_CXX_FLAGS="$sanitize -O1"
# ThreadSanitizer: the unit and loopback tests (HLC concurrency, transports on strands).
run_config tsan clang++ "-L unit|loopback" -- -DCMAKE_BUILD_TYPE=Debug -DCOHORT_WARNINGS_AS_ERRORS=ON \
    -DCOHORT_BUILD_BENCHMARKS=OFF -DCOHORT_BUILD_EXAMPLES=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=thread -O1 -g"

# libFuzzer on both decoders, 60 s each (COHORT_FUZZ_SECONDS); fails on any finding.
bash tools/fuzz.sh

step "all tests passed in $((SECONDS - started)) s"
