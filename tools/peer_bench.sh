#!/usr/bin/env bash
# cohort-node against HashiCorp Serf, real processes on loopback, side by side:
# for each N, ../shared/peers/serf-bench.sh N and tools/cohort-bench.sh N (the
# same phases measured the same way) alternate PEER_BENCH_REPEAT times; the
# table gives the medians and the ratio cohort/serf. Installs Debian's `serf`
# when missing and builds cohort-node Release, statically linked
# (COHORT_NODE_STATIC, as serf is one static Go binary).
#
# PEER_BENCH_GRACE=MS adds a column for cohort-node with `--acceptable-pause MS`
# (e.g. 3000, Akka's grace for stalling processes; the lan profile has none).
#
# PEER_BENCH_ENCRYPT=1 runs both encrypted with one fresh key: `serf agent
# -encrypt KEY` (through a wrapper that execs serf, so the PID serf-bench.sh
# records is serf's) and `cohort-node agent --encrypt KEY`.
#
# Env: PEER_BENCH_NS="5 10 25"  cluster sizes
#      PEER_BENCH_REPEAT=3      runs of each tool per size (medians)
#      PEER_BENCH_GRACE=        also run cohort-node --acceptable-pause MS
#      PEER_BENCH_ENCRYPT=      1: both tools encrypt the cluster's traffic
#      SERF_BENCH=../shared/peers/serf-bench.sh
#      PROFILE, POLL_S, TIMEOUT_S, SETTLE_S, IDLE_S: passed to both scripts
# Raw outputs: build/peer-bench/results/<tool>-N<n>-<run>.txt
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COHORT_ROOT"

NS=${PEER_BENCH_NS:-5 10 25}
REPEAT=${PEER_BENCH_REPEAT:-3}
GRACE=${PEER_BENCH_GRACE:-}
SERF_BENCH=${SERF_BENCH:-$COHORT_ROOT/../shared/peers/serf-bench.sh}
[ -r "$SERF_BENCH" ] || die "serf-bench.sh not found at $SERF_BENCH (set SERF_BENCH)"

step "dependencies"
ensure_packages "${COHORT_BUILD_PACKAGES[@]}" "${COHORT_PEER_PACKAGES[@]}"
export CCACHE_DIR=${CCACHE_DIR:-$COHORT_ROOT/build/ccache}

step "build cohort-node (Release, static)"
# Twice: when the directory was configured with another compiler, CMake wipes
# its cache on the first run and drops the -D options given with it.
for pass in 1 2; do
    configure_build build/peer-bench g++ -DCMAKE_BUILD_TYPE=Release -DCOHORT_BUILD_TESTS=OFF \
        -DCOHORT_BUILD_BENCHMARKS=OFF -DCOHORT_BUILD_EXAMPLES=ON -DCOHORT_NODE_STATIC=ON
done
grep -q '^COHORT_NODE_STATIC:BOOL=ON' build/peer-bench/CMakeCache.txt &&
    grep -q '^CMAKE_BUILD_TYPE:STRING=Release' build/peer-bench/CMakeCache.txt ||
    die "build/peer-bench is not a static Release configuration"
cmake --build build/peer-bench --parallel "$COHORT_JOBS" --target cohort-node
export COHORT_NODE=$COHORT_ROOT/build/peer-bench/examples/cohort-node

COHORT_AGENT_ARGS=${AGENT_ARGS:-}
if [ "${PEER_BENCH_ENCRYPT:-}" = 1 ]; then
    step "encryption: one fresh key for serf and cohort-node"
    key=$("$COHORT_NODE" keygen)
    wrapper=build/peer-bench/serf-encrypted
    printf '#!/bin/sh\nif [ "$1" = agent ]; then shift; exec %s agent -encrypt=%s "$@"; fi\nexec %s "$@"\n' \
        "$(command -v serf)" "$key" "$(command -v serf)" >"$wrapper"
    chmod 700 "$wrapper"
    export SERF=$COHORT_ROOT/$wrapper
    COHORT_AGENT_ARGS="$COHORT_AGENT_ARGS --encrypt $key"
fi

results=build/peer-bench/results
rm -rf "$results"
mkdir -p "$results"
for n in $NS; do
    for ((run = 1; run <= REPEAT; run++)); do
        step "N=$n run $run/$REPEAT: serf"
        bash "$SERF_BENCH" "$n" | tee "$results/serf-N$n-$run.txt" || true
        step "N=$n run $run/$REPEAT: cohort"
        AGENT_ARGS="$COHORT_AGENT_ARGS" bash tools/cohort-bench.sh "$n" |
            tee "$results/cohort-N$n-$run.txt" || true
        if [ -n "$GRACE" ]; then
            step "N=$n run $run/$REPEAT: cohort --acceptable-pause $GRACE"
            AGENT_ARGS="$COHORT_AGENT_ARGS --acceptable-pause $GRACE" bash tools/cohort-bench.sh "$n" |
                tee "$results/cohortgrace-N$n-$run.txt" || true
        fi
    done
done

step "medians (cohort/serf)"
python3 - "$results" "$NS" <<'PY'
import glob, os, re, statistics, sys
results, ns = sys.argv[1], [int(x) for x in sys.argv[2].split()]
# key, label, regex on the bench output, target ratio (cohort/serf), unit
metrics = [
    ("join", "join convergence", r"join_convergence_ms=(\d+)", 1.0, "ms"),
    ("fail", "failure detection", r"failure_detection_ms=(\d+)", 1.0, "ms"),
    ("leave", "leave propagation", r"leave_propagation_ms=(\d+)", 1.0, "ms"),
    ("cpu", "idle CPU per agent", r"idle_cpu_ms_per_agent mean=(\d+)", 0.5, "ms per 20 s"),
    ("rss", "RSS per agent", r"rss_kb_per_agent mean=(\d+)", 0.25, "kB"),
]
def values(tool, n, rx):
    out = []
    for f in sorted(glob.glob(os.path.join(results, f"{tool}-N{n}-*.txt"))):
        m = re.search(rx, open(f).read())
        if m: out.append(int(m.group(1)))
    return out
variants = [t for t in ("cohort", "cohortgrace") if glob.glob(os.path.join(results, f"{t}-N*.txt"))]
names = {"cohort": "cohort", "cohortgrace": "cohort with grace"}
head = "| N | figure | serf |"
rule = "|---:|---|---:|"
for v in variants:
    head += f" {names[v]} | ratio |"
    rule += "---:|---:|"
print(head + " target |")
print(rule + "---:|")
for n in ns:
    for key, label, rx, target, unit in metrics:
        s = values("serf", n, rx)
        ms = statistics.median(s) if s else None
        row = f"| {n} | {label}, {unit} | {ms:g} |" if s else f"| {n} | {label}, {unit} | n/a |"
        for v in variants:
            c = values(v, n, rx)
            if not c or not s:
                row += " n/a | n/a |"
                continue
            mc = statistics.median(c)
            ratio = mc / ms if ms else float("inf")
            mark = "" if ratio <= target else " **missed**"
            row += f" {mc:g} | {ratio:.2f}{mark} |"
        print(row + f" <= {target} |")
print()
print("runs (serf / " + " / ".join(names[v] for v in variants) + "):")
for n in ns:
    for key, label, rx, target, unit in metrics:
        parts = [",".join(map(str, values(t, n, rx))) for t in ["serf"] + variants]
        print(f"  N={n} {label}: " + " / ".join(parts))
PY
