#!/usr/bin/env bash
# Three bridges of type $1 (TC, XDP_SKB, XDP_DRV) in a loop, with the spanning tree on:
# traffic gets through once the tree converged, exactly one port of the loop blocks, the
# packet counters stay bounded (no broadcast storm), and cutting a link of the tree opens
# the blocked port again.
TYPE=${1:-TC}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/l2_lib.sh"

pcn_start
v1=$(l2_host h1 10.30.0.1/24)
v2=$(l2_host h2 10.30.0.2/24)

# The loop: br1:p2 - br2:p1, br2:p2 - br3:p1, br3:p2 - br1:p3.
declare -A LINK_ENDS=([l12]="br1:p2 br2:p1" [l23]="br2:p2 br3:p1" [l31]="br3:p2 br1:p3")
for l in l12 l23 l31; do l2_link "$l"; done

step "three bridges $TYPE, spanning tree on (hello 1 s, forward delay 4 s, max age 6 s)"
for br in br1 br2 br3; do
  pc bridge add "$br" type="$TYPE" stp-enabled=true
  pc "$br" stp add 1 hello-time=1 forward-delay=4 max-message-age=6
done
pc br2 stp 1 set priority=4096  # the root
pc br1 ports add p1 peer="$v1"
pc br3 ports add p3 peer="$v2"
for l in l12 l23 l31; do
  read -r one two <<<"${LINK_ENDS[$l]}"
  pc "${one%%:*}" ports add "${one#*:}" peer="$(link_end "$l" a)"
  pc "${two%%:*}" ports add "${two#*:}" peer="$(link_end "$l" b)"
done

# state CUBE PORT: the port's spanning tree state
state() {
  pc "$1" ports "$2" show -json | python3 -c 'import json, sys; print(json.load(sys.stdin)["stp"][0]["state"])'
}
loop_states() { for l in l12 l23 l31; do for end in ${LINK_ENDS[$l]}; do echo "$end=$(state "${end%%:*}" "${end#*:}")"; done; done; }

step "the tree converges: h1 reaches h2"
converged=""
for _ in $(seq 1 40); do
  if ip netns exec "$(host_ns h1)" ping -c 1 -W 1 10.30.0.2 >/dev/null 2>&1; then converged=yes; break; fi
done
[[ -n "$converged" ]] || fail "no ping h1 -> h2 within 40 s: $(loop_states | tr '\n' ' ')"
all_pairs_ping h1:10.30.0.1 h2:10.30.0.2
states=$(loop_states)
echo "$states"
[[ $(grep -c "=blocking" <<<"$states") == 1 ]] || fail "not exactly one blocking port in the loop: $(tr '\n' ' ' <<<"$states")"
[[ $(grep -c "=forwarding" <<<"$states") == 5 ]] || fail "not five forwarding ports in the loop: $(tr '\n' ' ' <<<"$states")"
out=$(pc br1 stp show -json)
expect_contains "1000." "$out"  # br2, priority 4096, is the root

step "no storm: broadcasts do not circle (packet counters stay bounded)"
sum_rx() {
  local total=0 n
  for l in l12 l23 l31; do for end in ${LINK_ENDS[$l]}; do
    n=$(port_rx "${end%%:*}" "${end#*:}"); total=$((total + ${n:-0}))
  done; done
  echo "$total"
}
before=$(sum_rx)
for _ in 1 2 3; do
  ip netns exec "$(host_ns h1)" ip neigh flush all
  ping_ok h1 10.30.0.2 || fail "no ping h1 -> h2 after an ARP flush"
done
sleep 2
after=$(sum_rx)
echo "loop ports received $((after - before)) packets in the window"
# Hellos (one per second and designated port) and three rounds of ARP + pings: a few
# hundred at most. A storm makes it millions.
(( after - before < 1000 )) || fail "the loop ports received $((after - before)) packets: a storm"

step "a link of the tree goes: the blocked port takes over"
blocked=$(grep "=blocking" <<<"$states" | cut -d= -f1)
for l in l12 l23 l31; do [[ " ${LINK_ENDS[$l]} " == *" $blocked "* ]] || cut_link=$l; done
ip link del "$(link_end "$cut_link" a)"
healed=""
for _ in $(seq 1 40); do
  if ip netns exec "$(host_ns h1)" ping -c 1 -W 1 10.30.0.2 >/dev/null 2>&1; then healed=yes; break; fi
done
[[ -n "$healed" ]] || fail "no ping h1 -> h2 within 40 s after $cut_link went: $(loop_states | tr '\n' ' ')"
[[ $(state "${blocked%%:*}" "${blocked#*:}") == forwarding ]] || fail "$blocked did not take over"

for br in br1 br2 br3; do pc del "$br"; done
echo "PASS"
