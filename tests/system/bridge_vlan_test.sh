#!/usr/bin/env bash
# bridge of type $1 (TC, XDP_SKB, XDP_DRV) through polycubectl, with real traffic: two
# VLANs on access ports (hosts in the same VLAN ping, across VLANs they do not), a trunk
# between two bridges carrying both, one through a cube link (floods tagged by the slow
# path), a host sending and receiving tagged frames on a trunk port, the filtering database
# per VLAN.
TYPE=${1:-TC}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/l2_lib.sh"

pcn_start
va=$(l2_host a 10.20.0.1/24)
vb=$(l2_host b 10.20.0.2/24)
vc=$(l2_host c 10.20.0.3/24)
vd=$(l2_host d 10.20.0.4/24)
ve=$(l2_host e 10.20.0.5/24)
vf=$(l2_host f 10.20.0.6/24)

step "bridge $TYPE: VLAN 10 (a, b) and VLAN 20 (c, d) on access ports"
pc bridge add br1 type="$TYPE"
pc br1 ports add a peer="$va" access.vlanid=10
pc br1 ports add b peer="$vb" access.vlanid=10
pc br1 ports add c peer="$vc" access.vlanid=20
pc br1 ports add d peer="$vd" access.vlanid=20
all_pairs_ping a:10.20.0.1 b:10.20.0.2
all_pairs_ping c:10.20.0.3 d:10.20.0.4
ping_ok a 10.20.0.3 && fail "a (VLAN 10) pinged c (VLAN 20)"
ping_ok d 10.20.0.2 && fail "d (VLAN 20) pinged b (VLAN 10)"
[[ $(fdb_port br1 "$(host_mac a)" 10) == a ]] || fail "a not learned in VLAN 10: $(fdb_json br1)"
[[ -z $(fdb_port br1 "$(host_mac a)" 20) ]] || fail "a learned in VLAN 20: $(fdb_json br1)"
out=$(pc br1 fdb show)
expect_contains "dynamic" "$out"

step "a trunk to a second bridge carries both VLANs"
l2_link t
pc br1 ports add t peer="$(link_end t a)" mode=trunk
pc br1 ports t trunk allowed add 10
pc br1 ports t trunk allowed add 20
pc bridge add br2 type="$TYPE"
pc br2 ports add t peer="$(link_end t b)" mode=trunk
pc br2 ports t trunk allowed add 10
pc br2 ports t trunk allowed add 20
pc br2 ports add e peer="$ve" access.vlanid=10
pc br2 ports add f peer="$vf" access.vlanid=20
all_pairs_ping a:10.20.0.1 e:10.20.0.5
all_pairs_ping c:10.20.0.3 f:10.20.0.6
ping_ok a 10.20.0.6 && fail "a (VLAN 10) pinged f (VLAN 20) across the trunk"
ping_ok e 10.20.0.4 && fail "e (VLAN 10) pinged d (VLAN 20) across the trunk"
[[ $(fdb_port br2 "$(host_mac a)" 10) == t ]] || fail "br2 did not learn a behind the trunk in VLAN 10: $(fdb_json br2)"
[[ $(fdb_port br1 "$(host_mac f)" 20) == t ]] || fail "br1 did not learn f behind the trunk in VLAN 20: $(fdb_json br1)"

step "a VLAN the trunk does not allow stays home"
pc br2 ports t trunk allowed del 20
ping_ok c 10.20.0.6 && fail "VLAN 20 crossed a trunk that no longer allows it"
all_pairs_ping a:10.20.0.1 e:10.20.0.5
pc br2 ports t trunk allowed add 20
ping_ok c 10.20.0.6 || fail "VLAN 20 did not come back on the trunk"

step "a trunk through a cube link: floods cross the slow path, tagged there"
vh=$(l2_host h 10.20.0.9/24)
pc bridge add br3 type="$TYPE"
pc br3 ports add h peer="$vh" access.vlanid=10
pc br3 ports add u mode=trunk trunk.native-vlan-enabled=false
pc br3 ports u trunk allowed add 10
pc br1 ports add u mode=trunk trunk.native-vlan-enabled=false
pc br1 ports u trunk allowed add 10
pc connect br1:u br3:u
all_pairs_ping h:10.20.0.9 a:10.20.0.1 e:10.20.0.5
ping_ok h 10.20.0.3 && fail "h (VLAN 10) pinged c (VLAN 20) through the cube link"
[[ $(fdb_port br3 "$(host_mac a)" 10) == u ]] || fail "br3 did not learn a behind its cube link in VLAN 10: $(fdb_json br3)"

step "a host tagging its frames on a trunk port"
# Raw 802.1Q frames (vlan_arp.py): no 802.1Q devices needed on the host.
vg=$(l2_host g 10.99.0.7/32)
pc br2 ports add g peer="$vg" mode=trunk trunk.native-vlan-enabled=false
pc br2 ports g trunk allowed add 10
vlan_arp() { ip netns exec "$(host_ns g)" python3 "$(dirname "$0")/vlan_arp.py" eth0 "$@"; }
out=$(vlan_arp 10 10.20.0.7 10.20.0.1) || fail "no ARP reply from a to g's VLAN 10 request"
[[ "$out" == "reply vlan 10" ]] || fail "a's reply reached g as: $out"
vlan_arp 20 10.20.0.7 10.20.0.3 1 && fail "a VLAN 20 request crossed g's port, which carries VLAN 10 only"
pc br2 ports g trunk allowed add 20
out=$(vlan_arp 20 10.20.0.8 10.20.0.3) || fail "no ARP reply from c to g's VLAN 20 request"
[[ "$out" == "reply vlan 20" ]] || fail "c's reply reached g as: $out"
[[ $(fdb_port br1 "$(host_mac g)" 10) == t ]] || fail "br1 did not learn g in VLAN 10: $(fdb_json br1)"
[[ $(fdb_port br2 "$(host_mac g)" 20) == g ]] || fail "br2 did not learn g in VLAN 20: $(fdb_json br2)"

step "flush"
expect_flush br1

for br in br1 br2 br3; do pc del "$br"; done
echo "PASS"
