# Shared by the system tests: the real polycubed and polycubectl, driven like a user would,
# with hosts in network namespaces. Every name is unique to the run; everything is removed
# on exit, whatever happened. Source it, then call pcn_start.
#
#   POLYCUBED / POLYCUBECTL   the binaries (ctest passes them)
#   pcn_start [flags...]      starts the daemon on a free 127.0.0.1 port with a private pin
#                             root, dump file and unix socket; exports POLYCUBECTL_URL
#   pcn_host NAME ADDR/LEN    a namespace with a veth; its peer (in this namespace) is
#                             printed: connect cubes to it
#   api METHOD PATH [BODY]    curl to the REST API; prints the body; api_status prints the status
#   expect_status CODE ...    api, then fails unless the status is CODE
#   fail MESSAGE              stops the test with the message (exit 1)
set -euo pipefail

: "${POLYCUBED:?POLYCUBED must name the polycubed binary}"
: "${POLYCUBECTL:=}"

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; [[ -n "${PCN_DIR:-}" && -f "$PCN_DIR/log" ]] && { echo "--- daemon log (tail) ---" >&2; tail -n 40 "$PCN_DIR/log" >&2; }; exit 1; }
step() { echo "== $*"; }

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, BPF)"
command -v curl >/dev/null || skip "needs curl"

PCN_RUN="$$$RANDOM"
PCN_RUN="${PCN_RUN: -6}"
PCN_DIR=$(mktemp -d "/tmp/pcn-system-$PCN_RUN.XXXX")
PCN_PIN_ROOT="/sys/fs/bpf/pcn-system-$PCN_RUN"
# Namespaces to remove, one a line: pcn_host usually runs in a $(...) subshell, where a
# variable it set would be lost.
PCN_NETNS_LIST="$PCN_DIR/netns"
PCN_DAEMON_PID=""
PCN_PORT=""

pcn_cleanup() {
  set +e
  pcn_stop >/dev/null 2>&1
  if [[ -f "$PCN_NETNS_LIST" ]]; then
    while read -r ns; do ip netns del "$ns" 2>/dev/null; done <"$PCN_NETNS_LIST"
  fi
  # Whatever a daemon left pinned (it keeps the data plane on exit by default), and the
  # injection veth of one that was killed (kill -9 leaves it; the next start would reuse it).
  rm -rf "$PCN_PIN_ROOT" 2>/dev/null
  ip link del "pi${PCN_RUN}t" 2>/dev/null
  rm -rf "$PCN_DIR"
}
trap pcn_cleanup EXIT

# Runs the daemon in the background with the flags of this run plus "$@".
# polycubed as the tests run it, in the background, its REST API on TCP port $1.
pcn_spawn() {
  local port=$1
  shift
  "$POLYCUBED" --addr 127.0.0.1 --port "$port" --unix-socket "$PCN_DIR/sock" --bpf-pin-root "$PCN_PIN_ROOT" \
    --cubes-dump-file "$PCN_DIR/cubes.yaml" --injection-device "pi$PCN_RUN" --loglevel DEBUG --logfile "$PCN_DIR/log" "$@" &
  PCN_DAEMON_PID=$!
  PCN_PORT=$port
  export POLYCUBECTL_URL="http://127.0.0.1:$port/polycube/v1/"
}

pcn_launch() {
  local port
  for _ in 1 2 3 4 5; do
    # Below the kernel's ephemeral range (32768-60999): a client connection of an earlier
    # test can hold a port there, and the daemon then fails to start.
    port=$((20000 + RANDOM % 12000))
    pcn_spawn "$port" "$@"
    # Its start probes the hooks of every netdev: seconds on a loaded machine with many.
    for _ in $(seq 1 300); do
      if curl -sf "http://127.0.0.1:$port/polycube/v1/version" >/dev/null 2>&1; then return 0; fi
      kill -0 "$PCN_DAEMON_PID" 2>/dev/null || break
      sleep 0.1
    done
    # Exited: a taken port is worth another try; anything else is the caller's business.
    if ! kill -0 "$PCN_DAEMON_PID" 2>/dev/null; then
      PCN_EXIT=0
      wait "$PCN_DAEMON_PID" 2>/dev/null || PCN_EXIT=$?
      PCN_DAEMON_PID=""
      grep -q "in use" "$PCN_DIR/log" 2>/dev/null && continue
      return 1
    fi
    fail "polycubed did not answer on port $port within 30 s"
  done
  return 1
}

pcn_start() { pcn_launch "$@" || fail "polycubed did not start (exit ${PCN_EXIT:-?})"; }

# Stops the daemon (SIGTERM) and waits for it; its exit status in $PCN_EXIT.
pcn_stop() {
  [[ -n "$PCN_DAEMON_PID" ]] || return 0
  kill -TERM "$PCN_DAEMON_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$PCN_DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$PCN_DAEMON_PID" 2>/dev/null || true
  PCN_EXIT=0
  wait "$PCN_DAEMON_PID" 2>/dev/null || PCN_EXIT=$?
  PCN_DAEMON_PID=""
}

# pcn_host NAME ADDR/LEN: prints the veth left in this namespace.
pcn_host() {
  local ns="pcn$PCN_RUN$1" outer="pcn$PCN_RUN$1o"
  ip netns add "$ns"
  echo "$ns" >>"$PCN_NETNS_LIST"
  ip link add "$outer" type veth peer name eth0 netns "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$2" dev eth0
  ip -n "$ns" link set eth0 up
  # Frames an XDP program redirects into a veth are dropped unless its peer has GRO on.
  ip netns exec "$ns" ethtool -K eth0 gro on >/dev/null 2>&1 || true
  ip link set "$outer" up
  echo "$outer"
}
host_ns() { echo "pcn$PCN_RUN$1"; }

# ping from host A to an address: succeeds when at least one reply came back.
ping_ok() { ip netns exec "$(host_ns "$1")" ping -c 3 -i 0.2 -W 1 "$2" >/dev/null 2>&1; }

api() {
  local method=$1 path=$2 body=${3:-}
  local args=(-s -o "$PCN_DIR/body" -w '%{http_code}' -X "$method" "http://127.0.0.1:$PCN_PORT/polycube/v1/$path")
  [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  # Callers read the status from a file: api usually runs in a $(...) subshell.
  curl "${args[@]}" >"$PCN_DIR/status" || echo 000 >"$PCN_DIR/status"
  cat "$PCN_DIR/body"
}
api_status() { cat "$PCN_DIR/status"; }

# expect_status CODE METHOD PATH [BODY]: the body goes to stdout.
expect_status() {
  local want=$1
  shift
  local out
  out=$(api "$@")
  [[ $(api_status) == "$want" ]] || fail "$1 $2: status $(api_status), expected $want: $out"
  echo "$out"
}

# expect_contains TEXT HAYSTACK
expect_contains() { [[ "$2" == *"$1"* ]] || fail "expected '$1' in: $2"; }

# check_prometheus FILE: the text exposition format, as promtool would check it (promtool
# itself is used too when it is installed): sample lines well formed, every family with
# HELP and TYPE before its samples, counters named *_total.
check_prometheus() {
  if command -v promtool >/dev/null; then promtool check metrics <"$1" || fail "promtool refuses the metrics"; fi
  awk '
    /^# HELP / { help[$3] = 1; next }
    /^# TYPE / { if (!help[$3]) { print "TYPE before HELP: " $3; bad = 1 }; type[$3] = $4;
                 if ($4 == "counter" && $3 !~ /_total$/) { print "counter without _total: " $3; bad = 1 }; next }
    /^#/ { next }
    {
      if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.eE+]+$/) {
        print "malformed sample: " $0; bad = 1; next }
      name = $0; sub(/[{ ].*/, "", name)
      if (!(name in type)) { print "sample without TYPE: " name; bad = 1 }
    }
    END { exit bad }' "$1" || fail "malformed metrics (above)"
}
