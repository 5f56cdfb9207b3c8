#!/usr/bin/env bash
# The demo: polycubed in appliance mode with its embedded default topology
# (daemon/appliance/default.yaml): two hosts in network namespaces joined through a chain
# of cubes in XDP. Shows the topology with polycubectl, traffic through the chain, a change
# of configuration taking effect, the counters; then keeps the daemon running until Ctrl-C.
# Everything it made (namespaces, veths, pinned programs) is removed on exit.
set -euo pipefail
build=${1:-build}
port=${PCN_DEMO_PORT:-9000}
daemon=$build/daemon/polycubed
cli=$build/cli/polycubectl
workdir=$(mktemp -d /tmp/pcn-demo.XXXX)
pin_root=/sys/fs/bpf/pcn-demo-$$
hosts=(h1 h2)
pid=""

cleanup() {
  set +e
  if [[ -n "$pid" ]]; then
    kill -INT "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  for h in "${hosts[@]}"; do ip netns del "pcn-demo-$h" 2>/dev/null; done
  rm -rf "$pin_root" "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() {
  printf '$ %s\n' "$*"
  "$@" || true
}

if [[ $(id -u) -ne 0 ]]; then
  echo "demo: run as root (it creates network namespaces and loads BPF programs)" >&2
  exit 1
fi
if curl -s -o /dev/null "http://localhost:$port/" 2>/dev/null; then
  echo "demo: something already answers on localhost:$port (another polycubed?); stop it or set PCN_DEMO_PORT" >&2
  exit 1
fi
for h in "${hosts[@]}"; do
  if ip link show "demo-$h" >/dev/null 2>&1 || ip netns list | grep -qw "pcn-demo-$h"; then
    echo "demo: demo-$h or namespace pcn-demo-$h exists already (another demo running?)" >&2
    exit 1
  fi
done

say "Two hosts, each in its own network namespace"
n=1
for h in "${hosts[@]}"; do
  ns=pcn-demo-$h
  ip netns add "$ns"
  ip link add "demo-$h" type veth peer name eth0 netns "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "10.10.0.$n/24" dev eth0
  ip -n "$ns" link set eth0 up
  # XDP redirects into a veth need its peer to have GRO (or an XDP program).
  ip netns exec "$ns" ethtool -K eth0 gro on >/dev/null 2>&1 || true
  ip link set "demo-$h" up
  echo "  $h: 10.10.0.$n in namespace $ns, reached through demo-$h"
  n=$((n + 1))
done

say "polycubed --config embedded:default (the appliance topology built into the daemon)"
"$daemon" --port "$port" --unix-socket "$workdir/polycubed.sock" --config embedded:default \
  --cubes-dump-file "$workdir/cubes.yaml" --bpf-pin-root "$pin_root" --clean-dataplane-on-exit \
  --logfile "$workdir/polycubed.log" &
pid=$!
for _ in $(seq 1 100); do
  if ! kill -0 "$pid" 2>/dev/null; then
    status=0
    wait "$pid" || status=$?
    pid=""
    echo "demo: polycubed exited with status $status:" >&2
    tail -n 20 "$workdir/polycubed.log" >&2
    exit 1
  fi
  curl -sf "http://localhost:$port/polycube/v1/version" >/dev/null 2>&1 && break
  sleep 0.1
done
export POLYCUBECTL_URL="http://localhost:$port/polycube/v1/"

say "The cubes and how they are wired"
run "$cli" cubes show
run "$cli" topology show demo-h1
run "$cli" hw1 show

say "Traffic through the chain: h1 -> th1 -> hw1 -> sf1 -> h2"
run ip netns exec pcn-demo-h1 ping -c 3 -i 0.2 10.10.0.2

say "A change of configuration takes effect at once: hw1 drops, then forwards again"
run "$cli" hw1 set action=DROP
run ip netns exec pcn-demo-h1 ping -c 2 -i 0.2 -W 1 10.10.0.2
run "$cli" hw1 set action=FORWARD
run ip netns exec pcn-demo-h1 ping -c 2 -i 0.2 10.10.0.2

say "Bad input is refused with the reason, and changes nothing"
run "$cli" hw1 set action=FLY

say "Per-port counters (GET /polycube/v1/metrics)"
curl -s "http://localhost:$port/polycube/v1/metrics" | grep '^polycube_port_packets_total' || true

say "polycubed is running (pid $pid, REST API on localhost:$port). Try: $cli hw1 ? — press Ctrl-C to stop."
wait "$pid"
