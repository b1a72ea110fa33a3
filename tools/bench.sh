#!/usr/bin/env bash
# Builds the benchmarks in Release and runs each executable with repetitions;
# prints the Markdown table for BENCHMARKS.md (medians, ratios to baselines).
#   bash tools/bench.sh [repetitions, default 9] [extra google-benchmark flags...]
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COHORT_ROOT"
reps=${1:-9}
shift || true

step "dependencies"
ensure_packages "${COHORT_BUILD_PACKAGES[@]}" "${COHORT_BENCH_PACKAGES[@]}"

step "build (Release)"
configure_build build/bench g++ -DCMAKE_BUILD_TYPE=Release \
    -DCOHORT_BUILD_TESTS=OFF -DCOHORT_BUILD_EXAMPLES=OFF -DCOHORT_BUILD_BENCHMARKS=ON
cmake --build build/bench --parallel "$COHORT_JOBS"

step "run ($reps repetitions each)"
results=()
for exe in build/bench/benchmarks/cohort_bench_*; do
    out=build/bench/$(basename "$exe").json
    "$exe" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
        --benchmark_out="$out" --benchmark_out_format=json "$@" >/dev/null
    results+=("$out")
done

step "medians and ratios"
python3 tools/bench_report.py "${results[@]}"
