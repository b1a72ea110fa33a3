#!/usr/bin/env bash
# False positives under packet loss, cohort-node against HashiCorp Serf, side by
# side: N agents of each (LAN profiles) in a network namespace of our own whose
# loopback drops LOSS_PCT% of all incoming packets (nft `numgen random`; both
# directions of every exchange cross it), for LOSS_S seconds, then QUIET_S
# seconds without loss for suspicions under way to end. Every agent is alive
# throughout, so every failure any agent reports is a false positive.
#
# Counted from the agents' own logs:
#   failures  serf: `EventMemberFailed` lines; cohort: `node_down ... heartbeat_timeout`
#             (one per observing agent and member: what an application would act on)
#   suspicions started  serf: memberlist's "Suspect <name> has failed" (this agent's
#             own probe failed); cohort: counters are not logged, so its
#             `state_changed ... to=unknown` lines (suspicions seen, own or heard)
#             are reported instead, an upper bound of the comparable figure.
#
# Usage: bash tools/loss_bench.sh          (root or sudo: it creates the namespace)
# Env:   N=10 LOSS_PCT=10 LOSS_S=300 QUIET_S=30 REPEAT=1
#        COHORT_NODE (default: build/peer-bench/examples/cohort-node, built by
#        tools/peer_bench.sh; built here if missing)
# Needs: nftables, serf (installed when missing).
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COHORT_ROOT"

N=${N:-10}
LOSS_PCT=${LOSS_PCT:-10}
LOSS_S=${LOSS_S:-300}
QUIET_S=${QUIET_S:-30}
REPEAT=${REPEAT:-1}
COHORT_NODE=${COHORT_NODE:-$COHORT_ROOT/build/peer-bench/examples/cohort-node}

if [ "${1:-}" != --inside ]; then
    step "dependencies"
    ensure_packages "${COHORT_PEER_PACKAGES[@]}" nftables iproute2
    if [ ! -x "$COHORT_NODE" ]; then
        step "build cohort-node (Release, static)"
        for pass in 1 2; do
            configure_build build/peer-bench g++ -DCMAKE_BUILD_TYPE=Release \
                -DCOHORT_BUILD_TESTS=OFF -DCOHORT_BUILD_BENCHMARKS=OFF \
                -DCOHORT_BUILD_EXAMPLES=ON -DCOHORT_NODE_STATIC=ON
        done
        cmake --build build/peer-bench --parallel "$COHORT_JOBS" --target cohort-node
    fi
    export N LOSS_PCT LOSS_S QUIET_S REPEAT COHORT_NODE
    # A namespace of our own: its loopback is the only network the agents see.
    if [ "$(id -u)" = 0 ]; then exec unshare --net bash "$0" --inside; fi
    exec sudo -E unshare --net bash "$0" --inside
fi

ip link set lo up
TMP=$(mktemp -d /tmp/loss-bench.XXXXXX)
declare -a PIDS=()
stop_agents() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}
trap 'stop_agents; rm -rf "$TMP"' EXIT

loss_on() {
    nft add table inet loss_bench
    nft add chain inet loss_bench input '{ type filter hook input priority 0; }'
    nft add rule inet loss_bench input iif lo numgen random mod 100 lt "$LOSS_PCT" drop
}
loss_off() { nft delete table inet loss_bench 2>/dev/null || true; }

# wait_members TOOL: every agent lists N live members (bounded by 60 s).
wait_members() {
    local i c deadline=$(( $(date +%s) + 60 ))
    for ((i = 0; i < N; i++)); do
        while :; do
            if [ "$1" = serf ]; then
                c=$(serf members -rpc-addr="127.0.0.1:$((27373 + i))" -status=alive 2>/dev/null | wc -l)
            else
                c=$("$COHORT_NODE" members --rpc "127.0.0.1:$((28373 + i))" --status active 2>/dev/null | wc -l)
            fi
            [ "$c" -ge "$N" ] && break
            (( $(date +%s) < deadline )) || { echo "$1: agent $i sees $c of $N" >&2; return 1; }
            sleep 0.2
        done
    done
}

run_one() {  # TOOL RUN
    local tool=$1 run=$2 i
    for ((i = 0; i < N; i++)); do
        if [ "$tool" = serf ]; then
            serf agent -node="s$i" -bind="127.0.0.1:$((17946 + 2 * i))" \
                -rpc-addr="127.0.0.1:$((27373 + i))" -profile=lan -log-level=info \
                >"$TMP/$tool-$run-$i.log" 2>&1 </dev/null &
        else
            "$COHORT_NODE" agent --name "c$i" --bind "127.0.0.1:$((18946 + 2 * i))" \
                --rpc "127.0.0.1:$((28373 + i))" --profile lan \
                >"$TMP/$tool-$run-$i.log" 2>&1 </dev/null &
        fi
        PIDS+=($!)
    done
    sleep 1
    for ((i = 1; i < N; i++)); do
        if [ "$tool" = serf ]; then
            serf join -rpc-addr="127.0.0.1:$((27373 + i))" "127.0.0.1:17946" >/dev/null
        else
            "$COHORT_NODE" join --rpc "127.0.0.1:$((28373 + i))" "127.0.0.1:18946" >/dev/null
        fi
    done
    wait_members "$tool" || return 1
    sleep 10  # detectors learn the heartbeat rate without loss
    local mark=$TMP/$tool-$run.mark
    for ((i = 0; i < N; i++)); do wc -l <"$TMP/$tool-$run-$i.log" >>"$mark"; done
    loss_on
    sleep "$LOSS_S"
    loss_off
    sleep "$QUIET_S"
    local failures=0 suspicions=0 f s
    for ((i = 0; i < N; i++)); do
        local from; from=$(sed -n "$((i + 1))p" "$mark")
        if [ "$tool" = serf ]; then
            f=$(tail -n +"$((from + 1))" "$TMP/$tool-$run-$i.log" | grep -c 'EventMemberFailed' || true)
            s=$(tail -n +"$((from + 1))" "$TMP/$tool-$run-$i.log" | grep -c 'memberlist: Suspect' || true)
        else
            f=$(tail -n +"$((from + 1))" "$TMP/$tool-$run-$i.log" | grep -c 'node_down .*reason=heartbeat_timeout' || true)
            s=$(tail -n +"$((from + 1))" "$TMP/$tool-$run-$i.log" | grep -c 'state_changed .* to=unknown' || true)
        fi
        failures=$((failures + f)); suspicions=$((suspicions + s))
    done
    echo "$tool N=$N loss=${LOSS_PCT}% ${LOSS_S}s run=$run false_failures=$failures suspicions=$suspicions"
    stop_agents
}

for ((run = 1; run <= REPEAT; run++)); do
    run_one serf "$run"
    run_one cohort "$run"
done
