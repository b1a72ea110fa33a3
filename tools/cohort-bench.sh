#!/usr/bin/env bash
# cohort-node on loopback, measured exactly as ../shared/peers/serf-bench.sh
# measures HashiCorp Serf: same phases, same polling of `members`, same lower
# and upper bounds, same idle CPU and RSS method, same output lines with
# "cohort" in place of "serf". tools/peer_bench.sh runs both side by side.
#
# Usage: cohort-bench.sh [N]     (default N=10)
# Env:   COHORT_NODE=build/peer-bench/examples/cohort-node   the agent binary
#        BIND_BASE=18946  gossip port of agent i = BIND_BASE + 2*i
#        RPC_BASE=28373   RPC port of agent i    = RPC_BASE + i
#        PROFILE=lan      cohort timing profile (lan|wan|local)
#        POLL_S=0.05      pause between polling sweeps
#        TIMEOUT_S=60     bound for each measured phase
#        SETTLE_S=5       pause after join convergence before the idle window
#        IDLE_S=20        idle window for CPU measurement
#        KEEP_LOGS=1      keep the temp dir with agent logs
#        AGENT_ARGS=""    extra `cohort-node agent` options (e.g. "--acceptable-pause 0")
#
# Phases (agent 0 is the seed; all agents bind 127.0.0.1 only):
#   a. join:    `cohort-node join` of agents 1..N-1 to agent 0, run one after
#               another; join_convergence_ms = from the start of the LAST join until
#               every agent's `cohort-node members --status active` lists N members.
#   d. idle:    after SETTLE_S, utime+stime (/proc/PID/stat) over IDLE_S per agent,
#               VmRSS per agent at the end of the window (no polling meanwhile).
#   b. failure: SIGKILL agent N-1 (by recorded PID); time until every remaining
#               agent reports it as "failed".
#   c. leave:   `cohort-node leave` on agent N-2; time until every other remaining
#               agent reports it as "leaving" (cohort's final state of a graceful
#               leave, Serf's "left").
# Polling: each sweep runs `cohort-node members` once against every agent that has
# not yet satisfied the condition (agents that have are not polled again), then
# sleeps POLL_S. *_ms is the observed upper bound (end of the poll that first saw
# the last agent satisfied); *_lb_ms is a lower bound (start of that agent-set's
# last unsatisfied poll). The true figure lies in (lb, ub].
#
# Only processes this script started are signalled, by PID (checked against their
# command line). Every loop is bounded in time.
set -u

N=${1:-10}
BIND_BASE=${BIND_BASE:-18946}
RPC_BASE=${RPC_BASE:-28373}
PROFILE=${PROFILE:-lan}
POLL_S=${POLL_S:-0.05}
TIMEOUT_S=${TIMEOUT_S:-60}
SETTLE_S=${SETTLE_S:-5}
IDLE_S=${IDLE_S:-20}
KEEP_LOGS=${KEEP_LOGS:-0}
read -r -a AGENT_EXTRA <<<"${AGENT_ARGS:-}"
COHORT_NODE=${COHORT_NODE:-build/peer-bench/examples/cohort-node}

if ! [[ "$N" =~ ^[0-9]+$ ]] || (( N < 4 )); then
  echo "N must be an integer >= 4 (need seed, victim, leaver and an observer)" >&2
  exit 2
fi
[[ -x "$COHORT_NODE" ]] || { echo "cohort-node not found at $COHORT_NODE (set COHORT_NODE)" >&2; exit 2; }

TMP=$(mktemp -d /tmp/cohort-bench.XXXXXX)
declare -a PIDS=()

now_us() { local t=${EPOCHREALTIME//[.,]/}; REPLY=$t; }
bind_port() { echo $((BIND_BASE + 2 * $1)); }
rpc_addr() { echo "127.0.0.1:$((RPC_BASE + $1))"; }
name_of() { echo "bench-$1"; }
out() { echo "cohort N=$N $*"; }

cleanup() {
  local i pid deadline
  trap - EXIT INT TERM
  for i in "${!PIDS[@]}"; do
    pid=${PIDS[$i]}
    # signal only if the PID is still ours (same RPC address on its command line)
    if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' </proc/"$pid"/cmdline | grep -q -- "--rpc $(rpc_addr "$i")"; then
      kill -TERM "$pid" 2>/dev/null
    fi
  done
  deadline=$(( $(date +%s) + 5 ))
  for i in "${!PIDS[@]}"; do
    pid=${PIDS[$i]}
    while kill -0 "$pid" 2>/dev/null && [[ -n "$(tr -d '\0' </proc/"$pid"/cmdline 2>/dev/null)" ]] && (( $(date +%s) < deadline )); do
      sleep 0.1
    done
    if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' </proc/"$pid"/cmdline | grep -q -- "--rpc $(rpc_addr "$i")"; then
      kill -KILL "$pid" 2>/dev/null
    fi
    { wait "$pid"; } 2>/dev/null
  done
  if [[ "$KEEP_LOGS" == 1 ]]; then echo "logs kept in $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# refuse to run if a port we need is already listened on (we would talk to a stranger)
if command -v ss >/dev/null; then
  busy=$(ss -Hltnu 2>/dev/null | awk '{print $5}')
  for ((i = 0; i < N; i++)); do
    for p in "$(bind_port "$i")" "$((RPC_BASE + i))"; do
      if grep -qE "[:.]$p\$" <<<"$busy"; then echo "port $p busy; aborting" >&2; exit 3; fi
    done
  done
fi

# ---------------------------------------------------------------- start agents
for ((i = 0; i < N; i++)); do
  "$COHORT_NODE" agent --name "$(name_of "$i")" --bind "127.0.0.1:$(bind_port "$i")" \
    --rpc "$(rpc_addr "$i")" --profile "$PROFILE" ${AGENT_EXTRA[@]+"${AGENT_EXTRA[@]}"} \
    >"$TMP/agent-$i.log" 2>&1 </dev/null &
  PIDS[$i]=$!
  echo "${PIDS[$i]}" >"$TMP/agent-$i.pid"
done

# wait for every RPC endpoint (bounded)
deadline=$(( $(date +%s) + 30 ))
for ((i = 0; i < N; i++)); do
  until "$COHORT_NODE" members --rpc "$(rpc_addr "$i")" >/dev/null 2>&1; do
    if (( $(date +%s) >= deadline )) || ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      echo "agent $i did not come up; log:" >&2; tail -5 "$TMP/agent-$i.log" >&2; exit 4
    fi
    sleep 0.05
  done
done

# ---------------------------------------------------------------- generic poller
# poll_until PREDICATE AGENT... ; PREDICATE i -> 0 when agent i satisfies it.
# Sets POLL_UB_US, POLL_LB_US (absolute, us), POLL_SWEEPS, POLL_SWEEP_US_SUM, POLL_PENDING.
poll_until() {
  local pred=$1; shift
  local -a pending=("$@") still
  local i t_start t_end deadline_us sw_start
  local -A lastfail
  now_us; deadline_us=$(( REPLY + TIMEOUT_S * 1000000 ))
  POLL_UB_US=0; POLL_LB_US=0; POLL_SWEEPS=0; POLL_SWEEP_US_SUM=0
  for i in "${pending[@]}"; do lastfail[$i]=0; done
  while (( ${#pending[@]} > 0 )); do
    now_us; sw_start=$REPLY
    (( sw_start > deadline_us )) && break
    still=()
    for i in "${pending[@]}"; do
      now_us; t_start=$REPLY
      if "$pred" "$i"; then
        now_us; t_end=$REPLY
        (( t_end > POLL_UB_US )) && POLL_UB_US=$t_end
        (( lastfail[$i] > POLL_LB_US )) && POLL_LB_US=${lastfail[$i]}
      else
        lastfail[$i]=$t_start
        still+=("$i")
      fi
    done
    now_us
    POLL_SWEEPS=$((POLL_SWEEPS + 1)); POLL_SWEEP_US_SUM=$((POLL_SWEEP_US_SUM + REPLY - sw_start))
    pending=("${still[@]+"${still[@]}"}")
    (( ${#pending[@]} > 0 )) && sleep "$POLL_S"
  done
  POLL_PENDING="${pending[*]+"${pending[*]}"}"
  [[ -z "$POLL_PENDING" ]]
}

ms_since() { echo $(( ($1 - $2) / 1000 )); }
report_poll() { # label t0_us ok
  local label=$1 t0=$2 ok=$3
  if (( ok == 0 )); then
    out "${label}_ms=$(ms_since "$POLL_UB_US" "$t0")"
    out "${label}_lb_ms=$(( POLL_LB_US > t0 ? (POLL_LB_US - t0) / 1000 : 0 ))"
  else
    out "${label}_ms=timeout(${TIMEOUT_S}s) pending_agents=[${POLL_PENDING}]"
  fi
  out "${label}_poll_sweeps=$POLL_SWEEPS mean_sweep_ms=$(( POLL_SWEEPS ? POLL_SWEEP_US_SUM / POLL_SWEEPS / 1000 : 0 ))"
}

pred_all_alive() {
  local c
  c=$("$COHORT_NODE" members --rpc "$(rpc_addr "$1")" --status active 2>/dev/null | wc -l)
  (( c == N ))
}
WANT_NAME=""; WANT_STATUS=""
pred_status() {
  local st
  st=$("$COHORT_NODE" members --rpc "$(rpc_addr "$1")" --name "$WANT_NAME" 2>/dev/null | awk '{print $3}')
  [[ "$st" == "$WANT_STATUS" ]]
}

# ---------------------------------------------------------------- a. join
seed="127.0.0.1:$(bind_port 0)"
now_us; t_first_join=$REPLY
for ((i = 1; i < N; i++)); do
  now_us; t_last_join=$REPLY
  "$COHORT_NODE" join --rpc "$(rpc_addr "$i")" "$seed" >/dev/null 2>&1 || echo "join of agent $i failed" >&2
done
now_us; t_joins_done=$REPLY
all=(); for ((i = 0; i < N; i++)); do all+=("$i"); done
poll_until pred_all_alive "${all[@]}"; ok=$?
report_poll join_convergence "$t_last_join" "$ok"
(( ok == 0 )) && out "join_total_ms=$(ms_since "$POLL_UB_US" "$t_first_join") (from first join start; $((N - 1)) sequential joins took $(ms_since "$t_joins_done" "$t_first_join") ms)"

# ---------------------------------------------------------------- d. idle CPU + RSS
clk=$(getconf CLK_TCK)
sleep "$SETTLE_S"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -a c0=() c1=() rss=()
now_us; w0=$REPLY
for ((i = 0; i < N; i++)); do c0[$i]=$(cpu_ticks "${PIDS[$i]}"); done
sleep "$IDLE_S"
for ((i = 0; i < N; i++)); do c1[$i]=$(cpu_ticks "${PIDS[$i]}"); done
now_us; w1=$REPLY
for ((i = 0; i < N; i++)); do rss[$i]=$(awk '/^VmRSS:/{print $2}' "/proc/${PIDS[$i]}/status"); done
wall_ms=$(( (w1 - w0) / 1000 ))
cpu_list=(); sum=0; min=-1; max=0
for ((i = 0; i < N; i++)); do
  ms=$(( (c1[i] - c0[i]) * 1000 / clk )); cpu_list+=("$ms"); sum=$((sum + ms))
  (( min < 0 || ms < min )) && min=$ms; (( ms > max )) && max=$ms
done
out "idle_window_ms=$wall_ms clk_tck=$clk settle_s=$SETTLE_S"
out "idle_cpu_ms_per_agent mean=$((sum / N)) min=$min max=$max seed=${cpu_list[0]}"
out "idle_cpu_pct_of_core_per_agent_mean=$(awk -v s="$sum" -v n="$N" -v w="$wall_ms" 'BEGIN{printf "%.3f", 100*s/n/w}')"
out "idle_cpu_pct_of_core_all_agents=$(awk -v s="$sum" -v w="$wall_ms" 'BEGIN{printf "%.2f", 100*s/w}')"
out "idle_cpu_ms_list=[${cpu_list[*]}]"
rsum=0; rmin=-1; rmax=0
for r in "${rss[@]}"; do rsum=$((rsum + r)); (( rmin < 0 || r < rmin )) && rmin=$r; (( r > rmax )) && rmax=$r; done
out "rss_kb_per_agent mean=$((rsum / N)) min=$rmin max=$rmax total=$rsum"
out "rss_kb_list=[${rss[*]}]"

# ---------------------------------------------------------------- b. failure detection
victim=$((N - 1))
observers=(); for ((i = 0; i < N - 1; i++)); do observers+=("$i"); done
WANT_NAME=$(name_of "$victim"); WANT_STATUS=failed
now_us; t_kill=$REPLY
# SIGKILL the victim by its recorded PID and reap it at once (stderr hidden only to
# suppress the shell's "Killed" job notice)
{ kill -KILL "${PIDS[$victim]}"; wait "${PIDS[$victim]}"; } 2>/dev/null
poll_until pred_status "${observers[@]}"; ok=$?
report_poll failure_detection "$t_kill" "$ok"
# serf prints the peer confirmations behind each suspicion timeout; cohort's agent
# prints no counters: report how many observers suspected the victim (unknown)
# before it was failed in their view.
suspected=$(grep -l "state_changed id=$(name_of "$victim")@[^ ]* from=active to=unknown" "$TMP"/agent-*.log 2>/dev/null | wc -l)
out "failure_detection_observers_suspected_first=$suspected of $((N - 1))"

# ---------------------------------------------------------------- c. graceful leave
leaver=$((N - 2))
observers=(); for ((i = 0; i < N - 2; i++)); do observers+=("$i"); done
WANT_NAME=$(name_of "$leaver"); WANT_STATUS=leaving
now_us; t_leave=$REPLY
# `cohort-node leave` blocks until the agent has left; run it in the background so that
# polling starts at once, bounded by TIMEOUT_S.
( timeout "$TIMEOUT_S" "$COHORT_NODE" leave --rpc "$(rpc_addr "$leaver")" >/dev/null 2>&1
  echo "$? ${EPOCHREALTIME//[.,]/}" >"$TMP/leave.done" ) &
leave_cmd=$!
poll_until pred_status "${observers[@]}"; ok=$?
report_poll leave_propagation "$t_leave" "$ok"
wait "$leave_cmd"
read -r lrc t_leave_done <"$TMP/leave.done"
out "leave_cmd_ms=$(ms_since "$t_leave_done" "$t_leave") rc=$lrc"
# the leaving agent shuts itself down; give it a bounded moment to exit
for ((k = 0; k < 50; k++)); do
  st=$(awk '{print $3}' "/proc/${PIDS[$leaver]}/stat" 2>/dev/null)
  [[ -z "$st" || "$st" == Z ]] && break
  sleep 0.1
done
out "leaver_exited=$([[ -z "$st" || "$st" == Z ]] && echo yes || echo no)"
