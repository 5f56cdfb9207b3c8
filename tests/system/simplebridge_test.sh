#!/usr/bin/env bash
# simplebridge of type $1 (TC, XDP_SKB, XDP_DRV) through polycubectl, with real traffic:
# two then three hosts pinging each other, the filtering database in `show` (port, age),
# flush, static entries, aging, and a second bridge reached through a cube link (its
# floods cross the slow path).
TYPE=${1:-TC}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/l2_lib.sh"

pcn_start
va=$(l2_host a 10.10.0.1/24)
vb=$(l2_host b 10.10.0.2/24)
vc=$(l2_host c 10.10.0.3/24)
vd=$(l2_host d 10.10.0.4/24)

step "simplebridge $TYPE: two hosts"
pc simplebridge add sb1 type="$TYPE"
pc sb1 ports add p1 peer="$va"
pc sb1 ports add p2 peer="$vb"
all_pairs_ping a:10.10.0.1 b:10.10.0.2

step "three hosts"
pc sb1 ports add p3
pc connect sb1:p3 "$vc"
all_pairs_ping a:10.10.0.1 b:10.10.0.2 c:10.10.0.3

step "fdb show: learned entries with their port and age"
fdb=$(fdb_json sb1)
for h in a:p1 b:p2 c:p3; do
  mac=$(host_mac "${h%%:*}")
  python3 - "$mac" "${h#*:}" "$fdb" <<'PY' || fail "fdb: ${h%%:*} ($mac) not behind ${h#*:}: $fdb"
import json, sys
mac, port, fdb = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
entries = {e["address"]: e for e in fdb.get("entry", [])}
e = entries[mac]
assert e["port"] == port, e
assert 0 <= e["age"] <= 30, e
PY
done
out=$(pc sb1 fdb show)
expect_contains "$(host_mac a)" "$out"
expect_contains "age" "$out"

step "flush empties it"
out=$(pc sb1 fdb flush)
expect_contains "true" "$out"
expect_flush sb1
all_pairs_ping a:10.10.0.1 c:10.10.0.3

step "static entries stay through a flush"
pc sb1 fdb entry add 02:00:00:00:10:99 port=p2
pc sb1 fdb flush >/dev/null
[[ $(fdb_port sb1 02:00:00:00:10:99) == p2 ]] || fail "static entry gone after a flush: $(fdb_json sb1)"
out=$(pc sb1 fdb entry show 02:00:00:00:10:99 -json)
expect_contains "p2" "$out"
err=$("$POLYCUBECTL" sb1 fdb entry add 02:00:00:00:10:98 port=nosuch 2>&1) && fail "a static entry on a missing port was accepted"
expect_contains "nosuch" "$err"
pc sb1 fdb entry del 02:00:00:00:10:99

step "aging: entries not seen for aging-time go"
pc sb1 fdb set aging-time=2
ping_ok a 10.10.0.2 || fail "no ping a -> b"
[[ $(fdb_port sb1 "$(host_mac b)") == p2 ]] || fail "b not learned: $(fdb_json sb1)"
for _ in $(seq 1 40); do
  [[ -z $(fdb_port sb1 "$(host_mac b)") ]] && break
  sleep 0.25
done
[[ -z $(fdb_port sb1 "$(host_mac b)") ]] || fail "b's entry did not age out: $(fdb_json sb1)"
pc sb1 fdb set aging-time=300

step "a second bridge through a cube link: floods cross the slow path"
pc simplebridge add sb2 type="$TYPE"
pc sb2 ports add q1 peer="$vd"
pc sb1 ports add p4
pc sb2 ports add q2
pc connect sb1:p4 sb2:q2
all_pairs_ping a:10.10.0.1 d:10.10.0.4 c:10.10.0.3
[[ $(fdb_port sb2 "$(host_mac a)") == q2 ]] || fail "sb2 did not learn a behind its cube link: $(fdb_json sb2)"
api GET metrics >"$PCN_DIR/metrics"
grep -Eq '^polycube_slowpath_packets_in_total\{cube="sb1"\} [1-9]' "$PCN_DIR/metrics" || fail "no flood went through sb1's slow path"

step "a restart of polycubed: the bridges come back, what they learned with them"
pcn_stop
ping_ok a 10.10.0.2 || fail "no ping a -> b while polycubed is down (the data plane goes on)"
pcn_start
[[ $(fdb_port sb1 "$(host_mac a)") == p1 ]] || fail "sb1 lost what it learned: $(fdb_json sb1)"
all_pairs_ping a:10.10.0.1 d:10.10.0.4 c:10.10.0.3

step "a removed port takes its addresses"
pc sb1 ports del p3
[[ -z $(fdb_port sb1 "$(host_mac c)") ]] || fail "c still in the fdb after its port went: $(fdb_json sb1)"
ping_ok a 10.10.0.2 || fail "no ping a -> b after removing p3"

pc del sb1
pc del sb2
echo "PASS"
