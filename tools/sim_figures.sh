#!/usr/bin/env bash
# Builds the membership simulator's figures program in Release and runs it;
# prints the markdown for BENCHMARKS.md ("Membership simulator").
#   bash tools/sim_figures.sh [--quick]
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COHORT_ROOT"

step "dependencies"
ensure_packages "${COHORT_BUILD_PACKAGES[@]}" "${COHORT_BENCH_PACKAGES[@]}"

step "build (Release)"
configure_build build/bench g++ -DCMAKE_BUILD_TYPE=Release \
    -DCOHORT_BUILD_TESTS=OFF -DCOHORT_BUILD_EXAMPLES=OFF -DCOHORT_BUILD_BENCHMARKS=ON
cmake --build build/bench --parallel "$COHORT_JOBS" --target cohort_sim_figures

step "run"
build/bench/benchmarks/cohort_sim_figures "$@"
