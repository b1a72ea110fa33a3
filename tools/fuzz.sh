#!/usr/bin/env bash
# Builds cohort's libFuzzer targets (clang++, AddressSanitizer +
# UndefinedBehaviorSanitizer) and runs each for a bounded time on a scratch
# copy of its seed corpus; tests/fuzz/corpus is never modified. Any crash,
# sanitizer report, leak, timeout or out-of-memory fails the run, and the
# input that caused it is kept under build/fuzz/run/<codec>/artifacts/.
#   bash tools/fuzz.sh                       60 s per target (what CI runs)
#   COHORT_FUZZ_SECONDS=600 bash tools/fuzz.sh
# Build tree: build/fuzz.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COHORT_ROOT"
seconds=${COHORT_FUZZ_SECONDS:-60}
dir=build/fuzz
# The fuzzers decode under max_message_size 4096 (tests/fuzz/fuzz_support.hpp);
# inputs a little longer reach the size check too.
max_len=4160

step "dependencies"
ensure_packages "${COHORT_BUILD_PACKAGES[@]}" clang libclang-rt-14-dev
export CCACHE_DIR=${CCACHE_DIR:-$COHORT_ROOT/build/ccache}

step "build (clang++, libFuzzer + ASan + UBSan)"
configure_build "$dir" clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOHORT_BUILD_FUZZERS=ON \
    -DCOHORT_BUILD_TESTS=OFF -DCOHORT_BUILD_EXAMPLES=OFF -DCOHORT_BUILD_BENCHMARKS=OFF
cmake --build "$dir" --parallel "$COHORT_JOBS" --target \
    cohort_fuzz_binary_codec cohort_fuzz_json_codec cohort_fuzz_secured cohort_fuzz_dns_answer \
    cohort_fuzz_make_corpus

step "seed corpus is up to date"
rm -rf "$dir/corpus-check"
"$dir/tests/fuzz/cohort_fuzz_make_corpus" "$dir/corpus-check"
diff -r tests/fuzz/corpus "$dir/corpus-check" >/dev/null ||
    die "tests/fuzz/corpus is stale: run $dir/tests/fuzz/cohort_fuzz_make_corpus tests/fuzz/corpus"
info "$(find tests/fuzz/corpus -type f | wc -l) seeds"

export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

failed=()
# target:seed corpus. The secured receive path starts from the binary seeds
# (as plaintext, and behind a sealed header); the DNS answer decoder from
# DNS answers.
for target in binary_codec:binary json_codec:json secured:binary dns_answer:dns; do
    codec=${target%%:*}
    exe=$dir/tests/fuzz/cohort_fuzz_${codec}
    work=$dir/run/$codec
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp tests/fuzz/corpus/"${target##*:}"/* "$work/corpus/"

    step "$codec decoder: fuzz for $seconds s"
    status=0
    "$exe" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="$max_len" -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" \
        >"$work/log" 2>&1 || status=$?
    grep -E '^#[0-9]+[[:space:]]+DONE' "$work/log" | sed 's/^/    /' || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$work/log" |
        sed 's/^/    /' || true
    if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
        tail -n 40 "$work/log" >&2
        info "FINDING: exit status $status; artifacts in $work/artifacts; log in $work/log"
        failed+=("$codec")
    fi
done

[ ${#failed[@]} -eq 0 ] || die "fuzzing found problems in: ${failed[*]}"
step "no findings ($seconds s per target)"
