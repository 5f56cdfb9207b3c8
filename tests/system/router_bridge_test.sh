#!/usr/bin/env bash
# A router and a bridge together, through polycubectl, cube type $1: host a on r1's port1;
# hosts b1 and b2 on a simplebridge br1 whose port2 is r1's port2 (cube to cube, the
# COMPAT.md line `r1 ports port2 set peer=br1:port2`). ARP crosses the bridge both ways
# (its floods reach the router through the slow path, the router's requests reach the hosts
# through the bridge's kernel floods); all pairs ping; traceroute from a to b2 is r1, b2.
TYPE=${1:-TC}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/router_lib.sh"

pcn_start
va=$(pcn_host a 10.0.1.1/24)
vb1=$(pcn_host b1 10.0.2.1/24)
vb2=$(pcn_host b2 10.0.2.2/24)
ip -n "$(host_ns a)" route add default via 10.0.1.254
for h in b1 b2; do ip -n "$(host_ns "$h")" route add default via 10.0.2.254; done

step "br1 ($TYPE) joins b1 and b2; r1 ($TYPE) joins a and br1"
pc simplebridge add br1 type="$TYPE"
pc br1 ports add port1 peer="$vb1"
pc br1 ports add port2
pc br1 ports add port3 peer="$vb2"
pc router add r1 type="$TYPE" loglevel=DEBUG
pc r1 ports add port1 ip=10.0.1.254/24 peer="$va"
pc r1 ports add port2 ip=10.0.2.254/24
pc r1 ports port2 set peer=br1:port2

step "all pairs ping"
ping_ok b1 10.0.2.2 || fail "no ping from b1 to b2 through br1"
for src in a b1 b2; do
  for dst in 10.0.1.1 10.0.2.1 10.0.2.2 10.0.1.254 10.0.2.254; do
    ping_ok "$src" "$dst" || fail "no ping from $src to $dst"
  done
done

step "the path from a to b2 is r1, then b2 (the bridge is no hop)"
hops=$(trace a 10.0.2.2 3 | paste -sd' ')
[[ "$hops" == "10.0.1.254 10.0.2.2" ]] || fail "traceroute a -> b2: $hops"

step "r1 learned b1 and b2 on port2, br1 learned r1's port2 MAC"
out=$(pc r1 show -json)
python3 - "$out" <<'EOF' || fail "r1's ARP table: $out"
import json, sys
arp = {e["address"]: e for e in json.loads(sys.argv[1]).get("arp-table", [])}
for a in ("10.0.2.1", "10.0.2.2"):
    assert arp[a]["interface"] == "port2", arp
EOF
r1_mac=$(pc r1 ports port2 show -json | python3 -c 'import json,sys; print(json.load(sys.stdin)["mac"])')
expect_contains "$r1_mac" "$(pc br1 show -json)"

step "delete"
pc del r1
pc del br1
