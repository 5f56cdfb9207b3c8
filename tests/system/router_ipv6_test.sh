#!/usr/bin/env bash
# The router's IPv6 through polycubectl, with real traffic, cube type $1 (TC, XDP_SKB,
# XDP_DRV): three subnets joined (all-pairs ping), pings to the router's addresses, hop
# limits that show the router, the NDP table learning the hosts, no route and address
# unreachable, and a static route through a second router linked cube to cube.
TYPE=${1:-TC}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/router_lib.sh"
ping6_ok() { in_host "$1" ping -6 -n -c 3 -i 0.2 -W 1 "$2" >/dev/null 2>&1; }
[[ -e /proc/net/if_inet6 ]] || skip "the kernel has no IPv6"

pcn_start
v1=$(pcn_host a 10.0.1.1/24)
v2=$(pcn_host b 10.0.2.1/24)
v3=$(pcn_host c 10.0.3.1/24)
v4=$(pcn_host d 10.0.4.1/24)
for h in a:1 b:2 c:3 d:4; do
  ns=$(host_ns "${h%%:*}")
  ip -n "$ns" addr add "2001:db8:${h##*:}::1/64" dev eth0 nodad
  ip -n "$ns" -6 route add default via "2001:db8:${h##*:}::fe"
done

step "router r1 ($TYPE) joins three IPv6 subnets"
pc router add r1 type="$TYPE" loglevel=DEBUG
pc r1 ports add port1 ipv6=2001:db8:1::fe/64 peer="$v1"
pc r1 ports add port2 ipv6=2001:db8:2::fe/64 peer="$v2"
pc r1 ports add port3 ipv6=2001:db8:3::fe/64 peer="$v3"
out=$(pc r1 route show)
expect_contains "2001:db8:3::/64" "$out"

step "all pairs ping6 through r1, and r1's own addresses"
for src in a b c; do
  for dst in 2001:db8:1::1 2001:db8:2::1 2001:db8:3::1 2001:db8:1::fe 2001:db8:3::fe; do
    ping6_ok "$src" "$dst" || fail "no ping6 from $src to $dst through r1"
  done
done

step "hop limit 1: r1's time exceeded; the path to c is r1, then c"
out=$(in_host a ping -6 -n -c 1 -t 1 -W 2 2001:db8:3::1 2>&1 || true)
[[ "$out" =~ From\ 2001:db8:1::fe.*[Tt]ime\ exceeded ]] || fail "no time exceeded from r1: $out"
hops=$(trace a 2001:db8:3::1 | paste -sd' ')
[[ "$hops" == "2001:db8:1::fe 2001:db8:3::1" ]] || fail "trace a -> c: $hops"

step "the NDP table shows what r1 learned"
out=$(pc r1 show -json)
python3 - "$out" "$(host_mac a)" "$(host_mac c)" <<'EOF' || fail "learned NDP entries: $out"
import json, sys
d = json.loads(sys.argv[1])
nd = {e["address"]: e for e in d.get("ndp-table", [])}
assert nd["2001:db8:1::1"]["mac"] == sys.argv[2] and nd["2001:db8:1::1"]["interface"] == "port1", nd
assert nd["2001:db8:3::1"]["mac"] == sys.argv[3] and nd["2001:db8:3::1"]["interface"] == "port3", nd
routes = {(r["network"], r["nexthop"]): r for r in d["route"]}
assert routes[("2001:db8:2::/64", "::")]["interface"] == "port2", routes
EOF

step "no route, and a silent neighbour: unreachable"
out=$(in_host a ping -6 -n -c 1 -W 2 2001:db9::1 2>&1 || true)
[[ "$out" =~ From\ 2001:db8:1::fe.*[Nn]o\ route ]] || fail "no 'no route' from r1: $out"
out=$(in_host a ping -6 -n -c 1 -W 4 2001:db8:2::77 2>&1 || true)
[[ "$out" =~ From\ 2001:db8:1::fe.*[Aa]ddress\ unreachable ]] || fail "no 'address unreachable' from r1: $out"

step "a second router r2 linked cube to cube, IPv6 static routes both ways"
pc r1 ports add port4 ipv6=2001:db8:ff::1/64
pc router add r2 type="$TYPE"
pc r2 ports add port1 ipv6=2001:db8:ff::2/64 peer=r1:port4
pc r2 ports add port2 ipv6=2001:db8:4::fe/64 peer="$v4"
pc r1 route add 2001:db8:4::/64 2001:db8:ff::2
pc r2 route add ::/0 2001:db8:ff::1
for src in a b c; do ping6_ok "$src" 2001:db8:4::1 || fail "no ping6 from $src to d through r1 and r2"; done
ping6_ok d 2001:db8:1::1 || fail "no ping6 from d to a"
hops=$(trace a 2001:db8:4::1 | paste -sd' ')
[[ "$hops" == "2001:db8:1::fe 2001:db8:ff::2 2001:db8:4::1" ]] || fail "trace a -> d: $hops"

step "a route of mixed families is refused"
pc r1 route add 2001:db8:9::/64 10.0.0.1 2>"$PCN_DIR/err" && fail "an IPv6 network via an IPv4 next hop was accepted"
expect_contains "IPv6" "$(cat "$PCN_DIR/err")"

step "delete"
pc del r2
pc del r1
