#!/usr/bin/env bash
# Runs cohort's demo on a fresh Debian 12 machine: installs what is missing,
# builds the cohort-node agent, and runs a live cluster on loopback:
#   five agents converge, one is killed (SIGKILL) and detected as failed,
#   one leaves gracefully and is seen as leaving, the rest stop with a
#   graceful leave. Everything is watched through `cohort-node members`.
# The cluster part finishes by itself in well under a minute. Only the agents
# this script started are signalled, by PID; all of them are stopped on exit.
# Env: DEMO_PORT_BASE=47100 (gossip ports BASE..BASE+4, RPC ports BASE+50..BASE+54;
#      the next blocks are tried when one is in use), DEMO_PROFILE=local.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COHORT_ROOT"

step "dependencies"
ensure_packages "${COHORT_BUILD_PACKAGES[@]}"
export CCACHE_DIR=${CCACHE_DIR:-$COHORT_ROOT/build/ccache}

step "build the cohort-node agent"
# Twice: a directory configured with another compiler has its cache wiped by
# the first run, which then drops the -D options.
for pass in 1 2; do
    configure_build build/demo g++ -DCMAKE_BUILD_TYPE=Release \
        -DCOHORT_BUILD_TESTS=OFF -DCOHORT_BUILD_BENCHMARKS=OFF -DCOHORT_BUILD_EXAMPLES=ON
done
cmake --build build/demo --parallel "$COHORT_JOBS" --target cohort-node
BIN=$COHORT_ROOT/build/demo/examples/cohort-node
LOGS=$COHORT_ROOT/build/demo/cluster
rm -rf "$LOGS"
mkdir -p "$LOGS"

N=5
PROFILE=${DEMO_PROFILE:-local}
declare -a PIDS=()

# ---- ports: a block of free ones (checked with ss when it is there)
base=${DEMO_PORT_BASE:-47100}
port_free() { ! command -v ss >/dev/null || ! ss -Hltnu | awk '{print $5}' | grep -qE "[:.]$1\$"; }
for ((try = 0; try < 10; try++)); do
    ok=1
    for ((i = 0; i < N; i++)); do
        port_free $((base + i)) && port_free $((base + 50 + i)) || { ok=0; break; }
    done
    ((ok)) && break
    base=$((base + 100))
done
((ok)) || die "no free block of ports found from ${DEMO_PORT_BASE:-47100}"
gossip() { echo "127.0.0.1:$((base + $1))"; }
rpc() { echo "127.0.0.1:$((base + 50 + $1))"; }

ours() { [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' </proc/"$1"/cmdline | grep -q -- "--rpc $(rpc "$2") "; }
cleanup() {
    local i pid k
    trap - EXIT
    for i in "${!PIDS[@]}"; do
        pid=${PIDS[$i]}
        ours "$pid" "$i" && kill -TERM "$pid" 2>/dev/null
    done
    for i in "${!PIDS[@]}"; do
        pid=${PIDS[$i]}
        for ((k = 0; k < 50; k++)); do ours "$pid" "$i" || break; sleep 0.1; done
        ours "$pid" "$i" && kill -KILL "$pid" 2>/dev/null
        { wait "$pid"; } 2>/dev/null || true
    done
}
trap cleanup EXIT

now_ms() { echo $(( ${EPOCHREALTIME//[.,]/} / 1000 )); }
members() { "$BIN" members --rpc "$(rpc "$1")" "${@:2}" 2>/dev/null; }
state_of() { members "$1" --name "demo-$2" | awk '{print $3}'; }
all_active() { local i; for i in "$@"; do [[ $(members "$i" --status active | wc -l) -eq $N ]] || return 1; done; }
all_report() { local who=$1 st=$2 i; shift 2; for i in "$@"; do [[ $(state_of "$i" "$who") == "$st" ]] || return 1; done; }
# wait_for SECONDS command...: polls every 50 ms, bounded
wait_for() {
    local limit=$(( $(now_ms) + $1 * 1000 )); shift
    until "$@"; do (( $(now_ms) > limit )) && return 1; sleep 0.05; done
}
show() { sed 's/^/      /'; }

# ---- 1. five agents, one seed
step "start $N agents on 127.0.0.1 (profile $PROFILE; logs in build/demo/cluster/)"
t_start=$(now_ms)
for ((i = 0; i < N; i++)); do
    args=(agent --name "demo-$i" --bind "$(gossip "$i")" --rpc "$(rpc "$i")" --profile "$PROFILE"
        --tag "zone=z$((i % 2))")
    ((i > 0)) && args+=(--seeds "$(gossip 0)")
    info "cohort-node ${args[*]}"
    "$BIN" "${args[@]}" >"$LOGS/demo-$i.log" 2>&1 </dev/null &
    PIDS[$i]=$!
done
wait_for 20 all_active 0 1 2 3 4 || die "the cluster did not converge within 20 s (logs: $LOGS)"
t_converged=$(( $(now_ms) - t_start ))
info "converged: every agent lists $N active members, ${t_converged} ms after the first start"
info "\$ cohort-node members --rpc $(rpc 0)"
members 0 | show

# ---- 2. SIGKILL one agent
step "kill demo-4 (SIGKILL, pid ${PIDS[4]}): no goodbye, the others must notice"
t0=$(now_ms)
{ kill -KILL "${PIDS[4]}"; wait "${PIDS[4]}"; } 2>/dev/null || true
wait_for 40 all_report 4 failed 0 1 2 3 || die "demo-4 was not detected as failed within 40 s"
t_detect=$(( $(now_ms) - t0 ))
info "detected: demo-0..3 all report demo-4 failed, ${t_detect} ms after the kill"
info "demo-0's events about demo-4:"
{ grep ' id=demo-4@' "$LOGS/demo-0.log" | grep -E 'to=unknown|to=failed|node_down' || true; } | show
info "\$ cohort-node members --rpc $(rpc 1)"
members 1 | show

# ---- 3. a graceful leave
step "demo-3 leaves gracefully (cohort-node leave)"
t0=$(now_ms)
info "\$ cohort-node leave --rpc $(rpc 3)"
"$BIN" leave --rpc "$(rpc 3)" | show
wait_for 15 all_report 3 leaving 0 1 2 || die "demo-3's leave was not seen within 15 s"
t_leave=$(( $(now_ms) - t0 ))
info "seen: demo-0..2 all report demo-3 leaving (not failed), ${t_leave} ms after the request"
for ((k = 0; k < 50; k++)); do kill -0 "${PIDS[3]}" 2>/dev/null || break; sleep 0.1; done
rc=0; wait "${PIDS[3]}" 2>/dev/null || rc=$?
info "demo-3 exited with status $rc"
info "\$ cohort-node members --rpc $(rpc 2)"
members 2 | show

# ---- 4. stop the rest: SIGTERM = graceful leave, then exit
step "stop demo-0..2 (SIGTERM: each leaves gracefully, then exits)"
for i in 0 1 2; do ours "${PIDS[$i]}" "$i" && kill -TERM "${PIDS[$i]}"; done
for i in 0 1 2; do
    for ((k = 0; k < 100; k++)); do kill -0 "${PIDS[$i]}" 2>/dev/null || break; sleep 0.1; done
    rc=0; wait "${PIDS[$i]}" 2>/dev/null || rc=$?
    info "demo-$i exited with status $rc"
done
info "last lines of demo-0's log (wall time, HLC time, event):"
tail -n 4 "$LOGS/demo-0.log" | show

step "summary"
info "convergence of $N agents:      ${t_converged} ms (from the first start)"
info "failure detection (SIGKILL):  ${t_detect} ms (until all 4 others report it failed)"
info "graceful leave:               ${t_leave} ms (until all 3 others report it leaving)"
info "whole cluster run:            $(( $(now_ms) - t_start )) ms"
info "agents' event logs:           build/demo/cluster/"
