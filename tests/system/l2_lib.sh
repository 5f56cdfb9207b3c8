# Shared by the L2 system tests (simplebridge, bridge): source after lib.sh.
#
#   pc ARGS...                polycubectl
#   l2_link NAME              a veth pair NAMEa/NAMEb in this namespace, up, GRO on (XDP
#                             redirects into a veth need it on the peer); removed on exit
#   host_mac HOST             the MAC address of a host's eth0
#   all_pairs_ping H:ADDR...  every host pings every other one
#   fdb_json CUBE             the cube's fdb as JSON (polycubectl CUBE fdb show -json)
#   fdb_port CUBE MAC [VLAN]  the port an address is behind ("" when not in the fdb)
#   fdb_size CUBE             entries in the fdb
#   l2_host NAME ADDR/LEN     pcn_host without IPv6 (no router solicitations, MLD... to
#                             keep the fdb moving)
#   expect_flush CUBE         flush, then nothing learned before it is left (hosts may still
#                             talk: what is there must be younger than the flush)
#   port_rx CUBE PORT         packets received on a port so far (metrics)
[[ -x "$POLYCUBECTL" ]] || skip "POLYCUBECTL must name the polycubectl binary"
command -v python3 >/dev/null || skip "needs python3"
command -v ethtool >/dev/null || skip "needs ethtool"

pc() { "$POLYCUBECTL" "$@"; }

L2_LINKS=()
l2_cleanup() {
  set +e
  for l in "${L2_LINKS[@]}"; do ip link del "$l" 2>/dev/null; done
  pcn_cleanup
}
trap l2_cleanup EXIT

l2_link() {
  local name="pcn$PCN_RUN$1"
  ip link add "${name}a" type veth peer name "${name}b"
  L2_LINKS+=("${name}a")
  for end in a b; do
    ip link set "$name$end" up
    ethtool -K "$name$end" gro on >/dev/null 2>&1 || true
  done
}
link_end() { echo "pcn$PCN_RUN$1$2"; }

host_mac() { ip netns exec "$(host_ns "$1")" cat /sys/class/net/eth0/address; }

all_pairs_ping() {
  local from to
  for from in "$@"; do
    for to in "$@"; do
      [[ "$from" == "$to" ]] && continue
      ping_ok "${from%%:*}" "${to#*:}" || fail "no ping from ${from%%:*} to ${to#*:}"
    done
  done
}

fdb_json() { pc "$1" fdb show -json; }
fdb_port() {
  fdb_json "$1" | python3 -c '
import json, sys
mac, vlan = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
for e in json.load(sys.stdin).get("entry", []):
    if e.get("address", e.get("mac")) == mac and (vlan is None or str(e.get("vlan")) == vlan):
        print(e["port"])' "$2" ${3:+"$3"}
}
l2_host() {
  local v
  v=$(pcn_host "$1" "$2")
  ip netns exec "$(host_ns "$1")" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
  echo "$v"
}

expect_flush() {
  sleep 2  # every entry at least 2 s old
  [[ $(fdb_size "$1") != 0 ]] || fail "$1: nothing in the fdb to flush"
  pc "$1" fdb flush >/dev/null
  fdb_json "$1" | python3 -c '
import json, sys
old = [e for e in json.load(sys.stdin).get("entry", []) if e["age"] >= 2 and e.get("type") != "static"]
sys.exit(1 if old else 0)' || fail "$1: entries older than the flush are still there: $(fdb_json "$1")"
}

fdb_size() { fdb_json "$1" | python3 -c 'import json, sys; print(len(json.load(sys.stdin).get("entry", [])))'; }

port_rx() {
  api GET metrics | awk -v want="polycube_port_packets_total{cube=\"$1\",port=\"$2\",direction=\"ingress\"}" '$1 == want { print $2 }'
}
