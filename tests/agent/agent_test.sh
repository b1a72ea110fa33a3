#!/usr/bin/env bash
# Process test of examples/cohort-node: real agents on 127.0.0.1, observed only
# through `cohort-node members`.
#   1. four agents (local profile) converge: each lists 4 active members;
#   2. the RPC refuses hostile requests with specific errors and keeps serving;
#   3. a SIGKILLed agent is reported failed by the three others;
#   4. `cohort-node leave` makes an agent leave: the others report it leaving
#      (never failed) and it exits with status 0;
#   5. SIGTERM does the same (graceful leave, exit 0);
#   6. bad command lines exit with status 2;
#   7. retry-join: an agent whose seed is not up yet logs each failed attempt
#      and joins once the seed starts;
#   8. encryption: three agents with --encrypt converge, a fourth with another
#      key never appears in their members; `keys --list` shows the key on 3/3;
#      a rotation (install, use, remove) through `keys` keeps all three and
#      rewrites the 0600 keyring file; keys on a plaintext agent, a keyring
#      file readable by others and bad keys are refused;
#   9. admin HTTP: three agents with --http; /metrics on each shows 3 active
#      members and passes `promtool check metrics` (Debian's prometheus
#      package: a missing promtool fails the test); /readyz and /livez 200,
#      /cluster/members lists 3 active members; bad paths 404, POST 405; an
#      agent whose seed does not answer is live but not ready.
# Ports are chosen by the agents (port 0) and read from their first line, so
# the test never talks to a stranger. Every wait is bounded; only the PIDs this
# script started are signalled.
# Usage: agent_test.sh /path/to/cohort-node
set -u
BIN=${1:?usage: agent_test.sh /path/to/cohort-node}
[[ -x "$BIN" ]] || { echo "not executable: $BIN" >&2; exit 2; }

TMP=$(mktemp -d /tmp/cohort-agent-test.XXXXXX)
declare -a PIDS=() GOSSIP=() RPC=() HTTP=()
FAILS=0

ours() { # pid index: is the PID still the agent this script started?
  [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' </proc/"$1"/cmdline | grep -q -- "--name t$2 "
}
cleanup() {
  local i pid
  trap - EXIT
  for i in "${!PIDS[@]}"; do
    pid=${PIDS[$i]}
    ours "$pid" "$i" && kill -KILL "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
  done
  if (( FAILS > 0 )); then
    for f in "$TMP"/agent-*.log; do echo "--- $f"; tail -n 30 "$f"; done
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

check() { # description, then a command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; FAILS=$((FAILS + 1)); fi
}

start_agent() { # index [seed [more agent options...]]
  local i=$1 seed=${2:-}
  local args=(agent --name "t$i" --bind 127.0.0.1:0 --rpc 127.0.0.1:0 --profile local --tag "role=test$i")
  [[ -n "$seed" ]] && args+=(--seeds "$seed")
  args+=("${@:3}")
  "$BIN" "${args[@]}" >"$TMP/agent-$i.log" 2>&1 </dev/null &
  PIDS[$i]=$!
  local k line
  for ((k = 0; k < 100; k++)); do
    line=$(grep -m1 ' agent_started ' "$TMP/agent-$i.log" 2>/dev/null)
    [[ -n "$line" ]] && break
    sleep 0.05
  done
  [[ -n "$line" ]] || { echo "agent $i did not start"; FAILS=$((FAILS + 1)); return 1; }
  GOSSIP[$i]=$(sed -E 's/.* id=t[0-9]+@([^ ]+) .*/\1/' <<<"$line")
  RPC[$i]=$(sed -E 's/.* rpc=([^ ]+) .*/\1/' <<<"$line")
  HTTP[$i]=$(sed -nE 's/.* http=([^ ]+) .*/\1/p' <<<"$line")
}

members() { "$BIN" members --rpc "${RPC[$1]}" "${@:2}" 2>/dev/null; }
state_of() { members "$1" --name "$2" | awk '{print $3}'; }

# wait_until SECONDS command...: polls every 0.1 s, bounded
wait_until() {
  local limit=$1; shift
  local end=$((SECONDS + limit))
  until "$@"; do
    (( SECONDS >= end )) && return 1
    sleep 0.1
  done
}

all_active() { # n agents...: each lists n active members
  local n=$1 i; shift
  for i in "$@"; do [[ $(members "$i" --status active | wc -l) -eq $n ]] || return 1; done
}
all_report() { # name state agents...
  local name=$1 st=$2 i; shift 2
  for i in "$@"; do [[ $(state_of "$i" "$name") == "$st" ]] || return 1; done
}
none_report_failed() { # name agents...
  local name=$1 i; shift
  for i in "$@"; do [[ $(state_of "$i" "$name") != failed ]] || return 1; done
}
exited_with() { # pid status seconds
  local k
  for ((k = 0; k < $3 * 10; k++)); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$1" 2>/dev/null && return 1
  wait "$1"
  [[ $? -eq $2 ]]
}
rpc_raw() { # index payload [half-close]: the agent's raw answer (one line)
  timeout 15 python3 - "${RPC[$1]%:*}" "${RPC[$1]##*:}" "$2" "${3:-}" <<'PY'
import socket, sys
host, port, payload, half = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.create_connection((host, port), timeout=10)
s.sendall(payload.encode())
if half:
    s.shutdown(socket.SHUT_WR)
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
sys.stdout.write(buf.decode(errors="replace"))
PY
}
refuses_with() { # index payload code
  rpc_raw "$1" "$2" | grep -q "\"ok\":false,\"error\":\"$3\""
}

# ---- 1. convergence
start_agent 0 || exit 1
for i in 1 2 3; do start_agent "$i" "${GOSSIP[0]}" || exit 1; done
check "four agents converge (each lists 4 active members)" wait_until 20 all_active 4 0 1 2 3
check "members shows tags" bash -c "'$BIN' members --rpc ${RPC[0]} --name t2 | grep -q 'role=test2'"
check "members --json is an object with self, leader and members" \
  bash -c "'$BIN' members --rpc ${RPC[1]} --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"self\"]==\"t1\" and len(d[\"members\"])==4 and d[\"leader\"].startswith(\"t0@\")'"

# ---- 2. hostile requests
check "RPC: not JSON -> bad_json" refuses_with 0 $'not json\n' bad_json
check "RPC: not an object -> bad_request" refuses_with 0 $'[1,2]\n' bad_request
check "RPC: unknown command -> unknown_command" refuses_with 0 $'{"cmd":"format-disk"}\n' unknown_command
check "RPC: unknown field -> bad_request" refuses_with 0 $'{"cmd":"members","x":1}\n' bad_request
check "RPC: hostname seed -> bad_seed" refuses_with 0 $'{"cmd":"join","seeds":["localhost:1"]}\n' bad_seed
check "RPC: deep nesting -> bad_json" refuses_with 0 "$(printf '%.0s[' {1..100})"$'\n' bad_json
long=$(head -c 70000 /dev/zero | tr '\0' 'a')
check "RPC: 70000-byte line -> line_too_long" refuses_with 0 "$long" line_too_long
answers_unterminated() { rpc_raw 0 '{"cmd":"members"}' half | grep -q '"ok":true'; }
check "RPC: a last request line without newline is answered" answers_unterminated
check "agent 0 still serves after hostile requests" wait_until 5 all_active 4 0

# ---- 3. failure detection
{ kill -KILL "${PIDS[3]}"; wait "${PIDS[3]}"; } 2>/dev/null
check "a SIGKILLed agent is reported failed by the others" wait_until 40 all_report t3 failed 0 1 2

# ---- 4. graceful leave through the RPC
leave_quietly() { "$BIN" leave --rpc "${RPC[2]}" >/dev/null; }
check "cohort-node leave succeeds" leave_quietly
check "the left agent is reported leaving by the others" wait_until 15 all_report t2 leaving 0 1
check "and never failed" none_report_failed t2 0 1
check "the left agent exits with status 0" exited_with "${PIDS[2]}" 0 10

# ---- 5. graceful leave on SIGTERM
ours "${PIDS[1]}" 1 && kill -TERM "${PIDS[1]}"
check "SIGTERM: the agent exits with status 0" exited_with "${PIDS[1]}" 0 15
check "SIGTERM: agent 0 reports it leaving" wait_until 10 all_report t1 leaving 0
check "SIGTERM: the agent printed its leave" grep -q ' leave_completed' "$TMP/agent-1.log"

# ---- 6. bad command lines
"$BIN" agent --bind 127.0.0.1:0 >/dev/null 2>&1; rc=$?
check "agent without --name exits 2" test "$rc" -eq 2
"$BIN" members --status alive >/dev/null 2>&1; rc=$?
check "members with an unknown state exits 2" test "$rc" -eq 2
"$BIN" agent --name x --rpc 192.0.2.1:7373 >/dev/null 2>&1; rc=$?
check "a non-loopback RPC address exits 2" test "$rc" -eq 2

# ---- 7. retry-join
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_agent 4 "127.0.0.1:$port" --retry-interval 300 || exit 1
check "retry-join: a failed attempt is logged" \
  wait_until 25 grep -q ' join_retrying attempt=1 ' "$TMP/agent-4.log"
start_agent 5 "" --bind "127.0.0.1:$port" || exit 1
check "retry-join: the agent joins once its seed is up" wait_until 25 all_active 2 4 5
check "retry-join: no join_failed line (it kept trying)" bash -c "! grep -q ' join_failed ' '$TMP/agent-4.log'"

# ---- 8. encryption and keys
K1=$("$BIN" keygen); K2=$("$BIN" keygen); K3=$("$BIN" keygen)
check "keygen prints distinct 32-byte base64 keys" \
  bash -c "[[ '$K1' != '$K2' ]] && [[ \$(printf %s '$K1' | base64 -d | wc -c) -eq 32 ]]"
RING="$TMP/ring6.json"
start_agent 6 "" --encrypt "$K1" --keyring-file "$RING" || exit 1
start_agent 7 "${GOSSIP[6]}" --encrypt "$K1" || exit 1
start_agent 8 "${GOSSIP[6]}" --encrypt "$K1" || exit 1
start_agent 9 "${GOSSIP[6]}" --encrypt "$K2" --retry-interval 500 || exit 1
check "encrypt: three agents with the key converge" wait_until 20 all_active 3 6 7 8
sleep 3  # the stranger has had six join attempts by now
never_listed() { # name agents...
  local name=$1 i; shift
  for i in "$@"; do [[ -z $(members "$i" --name "$name") ]] || return 1; done
}
check "encrypt: the agent with another key is in none of their members" never_listed t9 6 7 8
check "encrypt: and sees only itself" test "$(members 9 | wc -l)" -eq 1
keys() { "$BIN" keys --rpc "${RPC[$1]}" "${@:2}" 2>"$TMP/keys.err"; }
check "keys --list: the key on 3/3 members, primary on 3" \
  bash -c "'$BIN' keys --rpc ${RPC[7]} --list | grep -qF '  $K1  3/3  primary on 3'"
check "the keyring file has mode 600 and holds the key" \
  bash -c "[[ \$(stat -c %a '$RING') == 600 ]] && grep -qF '$K1' '$RING'"
check "keys --install a new key: 3/3 answered" keys 6 --install "$K3"
check "keys --use it: 3/3 answered" keys 7 --use "$K3"
check "keys --remove the old key: 3/3 answered" keys 8 --remove "$K1"
only_new_key() {
  local out
  out=$(keys 6 --list) || return 1
  grep -qF "  $K3  3/3  primary on 3" <<<"$out" && ! grep -qF "$K1" <<<"$out"
}
check "after the rotation only the new key is listed, primary on 3/3" only_new_key
check "the rotation failed no one (3 active on each)" all_active 3 6 7 8
check "the keyring file was rewritten with the new key only" \
  bash -c "grep -qF '$K3' '$RING' && ! grep -qF '$K1' '$RING' && [[ \$(stat -c %a '$RING') == 600 ]]"
removing_primary_fails() { ! keys 6 --remove "$K3" >/dev/null && grep -q 'primary key' "$TMP/keys.err"; }
check "keys --remove of the primary fails on every member (exit 1)" removing_primary_fails
plaintext_refuses() { ! keys 0 --list >/dev/null && grep -q 'encryption_disabled' "$TMP/keys.err"; }
check "keys on an agent without encryption exits 1 (encryption_disabled)" plaintext_refuses
silent_member_fails() {
  ! keys 6 --list >/dev/null && grep -q '^cohort-node keys: t8: ' "$TMP/keys.err"
}
ours "${PIDS[8]}" 8 && kill -STOP "${PIDS[8]}"
check "keys exits 1 and names the member that did not answer (t8 stopped)" silent_member_fails
ours "${PIDS[8]}" 8 && kill -CONT "${PIDS[8]}"
printf '["%s"]\n' "$K1" >"$TMP/open-ring.json"; chmod 644 "$TMP/open-ring.json"
"$BIN" agent --name t10 --bind 127.0.0.1:0 --rpc 127.0.0.1:0 --keyring-file "$TMP/open-ring.json" \
  >"$TMP/agent-10.log" 2>&1 </dev/null; rc=$?
check "a keyring file readable by others is refused (exit 1, chmod 600)" \
  bash -c "[[ $rc -eq 1 ]] && grep -q 'chmod 600' '$TMP/agent-10.log'"
"$BIN" agent --name t11 --bind 127.0.0.1:0 --rpc 127.0.0.1:0 --encrypt 'not-a-key' >/dev/null 2>&1; rc=$?
check "--encrypt with a bad key exits 2" test "$rc" -eq 2
"$BIN" keys --install 'c2hvcnQ=' >/dev/null 2>&1; rc=$?
check "keys --install of a 5-byte key exits 2" test "$rc" -eq 2
"$BIN" agent --name t12 --bind 127.0.0.1:0 --rpc 127.0.0.1:0 --keyring-file "$TMP/none.json" \
  >/dev/null 2>&1; rc=$?
check "a missing keyring file without --encrypt exits 1" test "$rc" -eq 1

# ---- 9. admin HTTP
http_get() { # index path [method]: prints the status code, then the body
  timeout 15 python3 - "http://${HTTP[$1]}$2" "${3:-GET}" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], method=sys.argv[2])
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        code, body = r.status, r.read()
except urllib.error.HTTPError as e:
    code, body = e.code, e.read()
sys.stdout.write(f"{code}\n{body.decode(errors='replace')}")
PY
}
http_status() { http_get "$@" | head -n 1; }
metrics_show_active() { # n agents...
  local n=$1 i; shift
  for i in "$@"; do
    http_get "$i" /metrics | grep -qxF "cohort_members{state=\"active\"} $n" || return 1
  done
}
start_agent 13 "" --http 127.0.0.1:0 || exit 1
start_agent 14 "${GOSSIP[13]}" --http 127.0.0.1:0 || exit 1
start_agent 15 "${GOSSIP[13]}" --http 127.0.0.1:0 || exit 1
check "http: agent_started shows http=127.0.0.1:PORT" \
  bash -c "[[ '${HTTP[13]}' =~ ^127\.0\.0\.1:[0-9]+$ && '${HTTP[15]}' =~ ^127\.0\.0\.1:[0-9]+$ ]]"
check "http: three agents converge" wait_until 20 all_active 3 13 14 15
check "http: /metrics on each shows cohort_members{state=\"active\"} 3" \
  wait_until 10 metrics_show_active 3 13 14 15
promtool_passes() { # index
  command -v promtool >/dev/null || { echo "promtool missing (Debian package prometheus)"; return 1; }
  http_get "$1" /metrics | tail -n +2 >"$TMP/metrics-$1.txt"
  promtool check metrics <"$TMP/metrics-$1.txt"
}
for i in 13 14 15; do check "http: promtool check metrics passes on agent $i" promtool_passes "$i"; done
check "http: /metrics content type is text/plain version 0.0.4" bash -c \
  "timeout 15 python3 -c 'import urllib.request as u; r=u.urlopen(\"http://${HTTP[14]}/metrics\", timeout=10); assert r.headers[\"Content-Type\"]==\"text/plain; version=0.0.4; charset=utf-8\", r.headers[\"Content-Type\"]'"
check "http: /readyz 200 on a joined agent" test "$(http_status 14 /readyz)" = 200
check "http: /livez 200" test "$(http_status 15 /livez)" = 200
members_json_ok() { # index
  http_get "$1" /cluster/members | tail -n +2 | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["selfNode"].startswith("t14@"), d["selfNode"]
assert d["leader"].startswith("t13@"), d["leader"]
assert len(d["members"]) == 3, d["members"]
assert all(m["status"] == "active" for m in d["members"]), d["members"]
assert sorted(m["name"] for m in d["members"]) == ["t13", "t14", "t15"]
assert d["unreachable"] == [] and isinstance(d["hlc"], str)
assert any(m["tags"] == {"role": "test15"} for m in d["members"])'
}
check "http: /cluster/members has 3 members, all active" members_json_ok 14
one_member_ok() {
  [[ $(http_status 13 /cluster/members/t15) == 200 && $(http_status 13 /cluster/members/nobody) == 404 ]]
}
check "http: /cluster/members/t15 200, /cluster/members/nobody 404" one_member_ok
check "http: an unknown path 404" test "$(http_status 13 /nope)" = 404
check "http: POST /metrics 405" test "$(http_status 13 /metrics POST)" = 405
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_agent 17 "127.0.0.1:$port" --http 127.0.0.1:0 --retry-interval 300 || exit 1
not_ready_joining() { http_get 17 /readyz | { read -r code; [[ $code == 503 ]] && grep -q 'joining through --seeds'; }; }
check "http: /readyz 503 while the seeds do not answer (joining)" wait_until 5 not_ready_joining
check "http: /livez 200 meanwhile" test "$(http_status 17 /livez)" = 200
ours "${PIDS[17]}" 17 && kill -TERM "${PIDS[17]}"
check "http: the joining agent exits 0 on SIGTERM (its admin server closed)" exited_with "${PIDS[17]}" 0 15
"$BIN" agent --name t16 --rpc 127.0.0.1:0 --http 'nowhere:80' >/dev/null 2>&1; rc=$?
check "http: a non-numeric --http address exits 2" test "$rc" -eq 2

# ---- 10. DNS seeds: three agents bootstrap through srv: against a dnsmasq on
# 127.0.0.1 (Debian dnsmasq-base: missing, the section fails) whose SRV
# records list them before they start; they converge to 3 active members, and
# none but the lowest forms; a fourth joins through a hostname seed; a name the
# server does not know is logged as a failed lookup.
DNSMASQ_PID=
dns_cleanup() { [[ -n "$DNSMASQ_PID" ]] && kill -TERM "$DNSMASQ_PID" 2>/dev/null; wait "$DNSMASQ_PID" 2>/dev/null; DNSMASQ_PID=; }
trap 'dns_cleanup; cleanup' EXIT
free_ports() { # n: ports free for both UDP and TCP on 127.0.0.1
  python3 - "$1" <<'PY'
import socket, sys
ports, held = [], []
while len(ports) < int(sys.argv[1]):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", p))
    except OSError:
        u.close(); t.close(); continue
    held += [u, t]; ports.append(p)
print(" ".join(map(str, ports)))
PY
}
dnsmasq_bin=$(command -v dnsmasq || ls /usr/sbin/dnsmasq 2>/dev/null)
if [[ -z "$dnsmasq_bin" ]]; then
  check "dns: dnsmasq is installed (Debian dnsmasq-base)" false
else
  read -r DNS_PORT P20 P21 P22 < <(free_ports 4)
  "$dnsmasq_bin" --keep-in-foreground --port="$DNS_PORT" --listen-address=127.0.0.1 --bind-interfaces \
    --no-resolv --no-hosts --user=root --pid-file= --log-facility=- --local=/test/ \
    --srv-host=_cohort._udp.test,a20.test,"$P20" --srv-host=_cohort._udp.test,a21.test,"$P21" \
    --srv-host=_cohort._udp.test,a22.test,"$P22" --host-record=a20.test,127.0.0.1 \
    --host-record=a21.test,127.0.0.1 --host-record=a22.test,127.0.0.1 \
    >"$TMP/dnsmasq.log" 2>&1 </dev/null &
  DNSMASQ_PID=$!
  dnsmasq_up() { kill -0 "$DNSMASQ_PID" 2>/dev/null && grep -q 'started, version' "$TMP/dnsmasq.log"; }
  check "dns: dnsmasq started on 127.0.0.1:$DNS_PORT" wait_until 5 dnsmasq_up
  for i in 20 21 22; do
    port_var=P$i
    start_agent "$i" "" --bind "127.0.0.1:${!port_var}" --seeds srv:_cohort._udp.test \
      --dns-server "127.0.0.1:$DNS_PORT" --bootstrap-expect 3 || exit 1
  done
  check "dns: three agents bootstrapped through srv: converge" wait_until 30 all_active 3 20 21 22
  only_lowest_formed() { # none or one formed, and only the one with the lowest address (an
    # agent joined by a faster one before its stable margin ends never forms at all)
    local lowest i n=0
    lowest=$(printf '%s\n' "$P20" "$P21" "$P22" | sort -n | head -n 1)
    for i in 20 21 22; do
      if grep -q ' bootstrap_formed' "$TMP/agent-$i.log"; then
        n=$((n + 1))
        [[ ${GOSSIP[$i]} == "127.0.0.1:$lowest" ]] || return 1
      fi
    done
    (( n <= 1 ))
  }
  check "dns: no agent but the one with the lowest address formed a cluster" only_lowest_formed
  some_bootstrapped() { grep -q ' bootstrap_join' "$TMP/agent-20.log" "$TMP/agent-21.log" "$TMP/agent-22.log"; }
  check "dns: the agents got there by bootstrap joins" some_bootstrapped
  start_agent 23 "" --seeds "a21.test:$P21" --dns-server "127.0.0.1:$DNS_PORT" || exit 1
  check "dns: a fourth agent with a hostname seed joins (4 active everywhere)" \
    wait_until 30 all_active 4 20 21 22 23
  start_agent 24 "" --seeds "nope.test:1" --dns-server "127.0.0.1:$DNS_PORT" || exit 1
  lookup_failed_logged() { grep -q 'bootstrap_lookup_failed seed=nope.test:1 error="DNS name not found"' "$TMP/agent-24.log"; }
  check "dns: an unknown name is logged as a failed lookup (NXDOMAIN)" wait_until 10 lookup_failed_logged
  for i in 20 21 22 23 24; do ours "${PIDS[$i]}" "$i" && kill -TERM "${PIDS[$i]}"; done
  for i in 20 21 22 23 24; do check "dns: agent $i exits 0 on SIGTERM" exited_with "${PIDS[$i]}" 0 15; done
  dns_cleanup
fi

echo "$FAILS failure(s)"
(( FAILS == 0 ))
