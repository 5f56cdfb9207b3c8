#!/usr/bin/env bash
# The router through polycubectl, with real traffic, cube type $1 (TC, XDP_SKB, XDP_DRV):
# three subnets joined (all-pairs ping), pings to the router's own addresses, TTL-limited
# probes that show the router (a traceroute made of ping -t), the ARP table learning the
# hosts and aging them out, net and host unreachable, a static route through a second
# router linked cube to cube, and a restart of polycubed.
TYPE=${1:-TC}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/router_lib.sh"

pcn_start
v1=$(pcn_host a 10.0.1.1/24)
v2=$(pcn_host b 10.0.2.1/24)
v3=$(pcn_host c 10.0.3.1/24)
v4=$(pcn_host d 10.0.4.1/24)
for h in a:1 b:2 c:3 d:4; do
  ip -n "$(host_ns "${h%%:*}")" route add default via "10.0.${h##*:}.254"
done

step "router r1 ($TYPE) joins three subnets"
pc router add r1 type="$TYPE" loglevel=DEBUG
pc r1 ports add port1 ip=10.0.1.254/24 peer="$v1"
pc r1 ports add port2 ip=10.0.2.254/24 peer="$v2"
pc r1 ports add port3 ip=10.0.3.254/24
pc connect r1:port3 "$v3"
out=$(pc r1 show -json)
python3 - "$out" "$(cat "/sys/class/net/$v1/address" 2>/dev/null || ip -br link show "$v1" | awk '{print $3}')" <<'EOF' || fail "r1 show: $out"
import json, sys
d, peer_mac = json.loads(sys.argv[1]), sys.argv[2]
ports = {p["name"]: p for p in d["ports"]}
assert ports["port1"]["ip"] == "10.0.1.254/24", ports
assert ports["port1"]["mac"] == peer_mac, (ports["port1"], peer_mac)  # the peer netdev's MAC by default
routes = {(r["network"], r["nexthop"]): r for r in d["route"]}
for n, p in (("10.0.1.0/24", "port1"), ("10.0.2.0/24", "port2"), ("10.0.3.0/24", "port3")):
    assert routes[(n, "0.0.0.0")]["interface"] == p, routes
EOF

step "all pairs ping through r1"
for src in a b c; do
  for dst in 10.0.1.1 10.0.2.1 10.0.3.1; do
    ping_ok "$src" "$dst" || fail "no ping from $src to $dst through r1"
  done
done

step "r1 answers pings to its own addresses"
for dst in 10.0.1.254 10.0.2.254 10.0.3.254; do
  ping_ok a "$dst" || fail "r1 does not answer a ping to $dst"
done

step "TTL 1: r1's time exceeded; the path to c is r1, then c"
out=$(in_host a ping -n -c 1 -t 1 -W 2 10.0.3.1 2>&1 || true)
expect_contains "From 10.0.1.254 icmp_seq=1 Time to live exceeded" "$out"
hops=$(trace a 10.0.3.1 | paste -sd' ')
[[ "$hops" == "10.0.1.254 10.0.3.1" ]] || fail "traceroute a -> c: $hops"

step "the ARP table shows what r1 learned"
out=$(pc r1 show -json)
python3 - "$out" "$(host_mac a)" "$(host_mac c)" <<'EOF' || fail "learned ARP entries: $out"
import json, sys
d = json.loads(sys.argv[1])
arp = {e["address"]: e for e in d.get("arp-table", [])}
assert arp["10.0.1.1"]["mac"] == sys.argv[2] and arp["10.0.1.1"]["interface"] == "port1", arp
assert arp["10.0.3.1"]["mac"] == sys.argv[3] and arp["10.0.3.1"]["interface"] == "port3", arp
EOF
out=$(pc r1 arp-table show)
expect_contains "10.0.2.1" "$out"

step "no route: net unreachable; a silent next hop: host unreachable"
out=$(in_host a ping -n -c 1 -W 2 172.16.0.1 2>&1 || true)
expect_contains "From 10.0.1.254 icmp_seq=1 Destination Net Unreachable" "$out"
out=$(in_host a ping -n -c 1 -W 4 10.0.2.77 2>&1 || true)
expect_contains "From 10.0.1.254 icmp_seq=1 Destination Host Unreachable" "$out"

step "a second router r2, linked to r1 cube to cube, and static routes"
pc r1 ports add port4 ip=10.1.0.1/30
pc router add r2 type="$TYPE"
pc r2 ports add port1 ip=10.1.0.2/30 peer=r1:port4
pc r2 ports add port2 ip=10.0.4.254/24 peer="$v4"
pc r1 route add 10.0.4.0/24 10.1.0.2
pc r2 route add 0.0.0.0/0 10.1.0.1 pathcost=5
out=$(pc r1 route show)
expect_contains "10.0.4.0/24" "$out"
for src in a b c; do ping_ok "$src" 10.0.4.1 || fail "no ping from $src to d through r1 and r2"; done
ping_ok d 10.0.1.1 || fail "no ping from d to a through r2 and r1"
ping_ok a 10.1.0.2 || fail "r2 does not answer a ping from a"
hops=$(trace a 10.0.4.1 | paste -sd' ')
[[ "$hops" == "10.0.1.254 10.1.0.2 10.0.4.1" ]] || fail "traceroute a -> d: $hops"
out=$(pc r2 show -json)
python3 - "$out" <<'EOF' || fail "r2 did not learn r1: $out"
import json, sys
arp = {e["address"]: e for e in json.loads(sys.argv[1]).get("arp-table", [])}
assert arp["10.1.0.1"]["interface"] == "port1", arp
EOF

step "a route removed: d is unreachable again"
pc r1 route del 10.0.4.0/24 10.1.0.2
out=$(in_host a ping -n -c 1 -W 2 10.0.4.1 2>&1 || true)
expect_contains "Destination Net Unreachable" "$out"
pc r1 route add 10.0.4.0/24 10.1.0.2
ping_ok a 10.0.4.1 || fail "no ping to d once the route is back"

step "bad routes and addresses are refused, with a message"
pc r1 route add 10.9.0.0/16 10.99.0.1 2>"$PCN_DIR/err" && fail "a next hop on no network was accepted"
expect_contains "10.99.0.1" "$(cat "$PCN_DIR/err")"
pc r1 ports port2 set ip=10.0.1.200/24 2>"$PCN_DIR/err" && fail "a network on two ports was accepted"
expect_contains "port1" "$(cat "$PCN_DIR/err")"
ping_ok a 10.0.2.1 || fail "a refused change broke forwarding"

step "static ARP entries; learned ones age out and come back"
pc r1 arp-table add 10.0.2.50 mac=02:00:00:00:02:50 interface=port2
pc r1 set arp-aging-time=2
sleep 5
out=$(pc r1 show -json)
python3 - "$out" <<'EOF' || fail "aging: $out"
import json, sys
arp = {e["address"]: e for e in json.loads(sys.argv[1]).get("arp-table", [])}
assert "10.0.2.50" in arp and arp["10.0.2.50"]["mac"] == "02:00:00:00:02:50", arp
assert "10.0.2.1" not in arp, arp
EOF
ping_ok a 10.0.2.1 || fail "no ping once r1 forgot b"
expect_contains "10.0.2.1" "$(pc r1 arp-table show)"

step "restart: the routers come back as they were, MACs included, and forward"
port_mac() { pc "$1" ports "$2" show -json | python3 -c 'import json,sys; print(json.load(sys.stdin)["mac"])'; }
# Ports that took their netdev's MAC (port1, port2 of r1, port2 of r2) and ports that
# took one derived from the names (the others).
all_macs() { for p in r1:port1 r1:port2 r1:port3 r1:port4 r2:port1 r2:port2; do port_mac "${p%%:*}" "${p#*:}"; done | paste -sd' '; }
# port3 took a MAC derived from the names (no peer when it was added): a restored
# configuration names its peer, yet the MAC the hosts know must stay.
before="$(all_macs)"
pcn_stop
[[ "$PCN_EXIT" == 0 ]] || fail "polycubed exited with $PCN_EXIT"
pcn_start --clean-dataplane-on-exit  # for the next step
after="$(all_macs)"
[[ "$before" == "$after" ]] || fail "MACs changed across the restart: $before -> $after"
for dst in 10.0.4.1 10.0.3.1 10.0.2.1; do ping_ok a "$dst" || fail "no ping from a to $dst after the restart"; done
ping_ok c 10.0.4.1 || fail "no ping from c to d after the restart"

step "restart without the data plane (a reboot): rebuilt from the saved file, MACs included"
# The hosts keep the routers' MACs in their ARP caches: a port that took its netdev's
# MAC must take it again, not one derived from the names.
pcn_stop
[[ "$PCN_EXIT" == 0 ]] || fail "polycubed exited with $PCN_EXIT"
pcn_start
after="$(all_macs)"
[[ "$before" == "$after" ]] || fail "MACs changed across a restart without the data plane: $before -> $after"
for dst in 10.0.4.1 10.0.3.1 10.0.2.1; do ping_ok a "$dst" || fail "no ping from a to $dst after a restart without the data plane"; done
ping_ok c 10.0.4.1 || fail "no ping from c to d after a restart without the data plane"

step "delete"
pc del r2
pc router del r1
[[ $(expect_status 200 GET cubes) == "{}" ]] || fail "cubes left after deleting r1 and r2"
