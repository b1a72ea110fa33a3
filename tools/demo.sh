#!/usr/bin/env bash
# Runs cohort's demo on a fresh Debian 12 machine: installs what is missing,
# builds the examples, and runs the walk through the primitives.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COHORT_ROOT"

step "dependencies"
ensure_packages "${COHORT_BUILD_PACKAGES[@]}"
export CCACHE_DIR=${CCACHE_DIR:-$COHORT_ROOT/build/ccache}

step "build the demo"
configure_build build/demo g++ -DCMAKE_BUILD_TYPE=Release \
    -DCOHORT_BUILD_TESTS=OFF -DCOHORT_BUILD_BENCHMARKS=OFF -DCOHORT_BUILD_EXAMPLES=ON
cmake --build build/demo --parallel "$COHORT_JOBS" --target cohort_primitives_tour

step "run the demo"
build/demo/examples/cohort_primitives_tour
