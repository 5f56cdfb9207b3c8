#!/usr/bin/env bash
# Packet trace, cube type $1: host b1 on a simplebridge br1 (transparenthelloworld th1 on
# b1's netdev), br1's port2 is router r1's port2, host a on r1's port1. `polycubectl
# trace` on b1's netdev lists the hops of a ping from b1 to a in order: the netdev, th1,
# br1, r1, out to a's netdev; with th1 dropping, the trace shows th1 dropped it. A trace of
# r1:port2 (linked to br1's port) starts where its packets arrive, in r1. Bad input is
# refused with what was wrong, and nothing stays traced after the command exits.
TYPE=${1:-TC}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/router_lib.sh"

pcn_start
va=$(pcn_host a 10.0.1.1/24)
vb1=$(pcn_host b1 10.0.2.1/24)
ip -n "$(host_ns a)" route add default via 10.0.1.254
ip -n "$(host_ns b1)" route add default via 10.0.2.254

step "th1 on $vb1, br1 and r1 ($TYPE)"
pc simplebridge add br1 type="$TYPE"
pc br1 ports add port1 peer="$vb1"
pc br1 ports add port2
pc router add r1 type="$TYPE"
pc r1 ports add port1 ip=10.0.1.254/24 peer="$va"
pc r1 ports add port2 ip=10.0.2.254/24
pc r1 ports port2 set peer=br1:port2
pc transparenthelloworld add th1 type="$TYPE"
pc attach th1 "$vb1"
ping_ok b1 10.0.1.1 || fail "no ping from b1 to a through th1, br1, r1"

nothing_traced() {
  local out
  out=$(expect_status 200 GET trace/)
  [[ "$out" == '{"traces":[]}' ]] || fail "$1: still traced: $out"
}

pings() { ip netns exec "$(host_ns b1)" ping -c "$1" -i 0.3 -W 1 10.0.1.1 >/dev/null 2>&1; }

step "a ping's hops, in order"
( sleep 1; pings 4 ) &
pinger=$!
timeout 20 "$POLYCUBECTL" trace "$vb1" -c 1 icmp >"$PCN_DIR/trace" 2>"$PCN_DIR/trace.err" || fail "trace: $(cat "$PCN_DIR/trace.err")"
wait "$pinger" || true
cat "$PCN_DIR/trace"
python3 - "$PCN_DIR/trace" "$vb1" "$va" <<'PY' || fail "hops of the ping: $(cat "$PCN_DIR/trace")"
import re, sys
lines = [l.strip() for l in open(sys.argv[1]) if l.strip()]
assert lines[0].startswith("packet "), lines
hops = lines[1:]
want = [f"netdev {sys.argv[2]} (ingress)  enter -> th1",
        "th1 (ingress)  pass -> br1:port1",
        "br1:port1 (ingress)  forward out of port2 -> r1:port2",
        f"r1:port2 (ingress)  forward out of port1 -> netdev {sys.argv[3]}"]
got = [re.sub(r"^\d+\s+", "", h) for h in hops]
assert got == want, (got, want)
PY
nothing_traced "after trace -c 1"

step "th1 drops: the trace says who"
pc th1 set ingress-action=DROP
( sleep 1; pings 3 ) &
pinger=$!
timeout 20 "$POLYCUBECTL" trace "$vb1" -c 1 icmp >"$PCN_DIR/drop" 2>"$PCN_DIR/drop.err" || fail "trace: $(cat "$PCN_DIR/drop.err")"
wait "$pinger" || true
cat "$PCN_DIR/drop"
expect_contains "th1 (ingress)  drop [dropped by the cube]" "$(cat "$PCN_DIR/drop")"
pc th1 set ingress-action=PASS
nothing_traced "after the drop trace"

step "a port linked to another cube: the trace starts where its packets arrive"
( sleep 1; pings 4 ) &
pinger=$!
timeout 20 "$POLYCUBECTL" trace r1:port2 -c 1 icmp >"$PCN_DIR/port" 2>"$PCN_DIR/port.err" || fail "trace: $(cat "$PCN_DIR/port.err")"
wait "$pinger" || true
cat "$PCN_DIR/port"
python3 - "$PCN_DIR/port" "$vb1" "$va" <<'PY' || fail "hops from r1:port2: $(cat "$PCN_DIR/port")"
import re, sys
lines = [l.strip() for l in open(sys.argv[1]) if l.strip()]
assert lines[0].startswith("packet "), lines
want = [f"r1:port2 (ingress)  enter from netdev {sys.argv[2]} -> r1:port2",
        f"r1:port2 (ingress)  forward out of port1 -> netdev {sys.argv[3]}"]
got = [re.sub(r"^\d+\s+", "", h) for h in lines[1:]]
assert got == want, (got, want)
PY
nothing_traced "after the trace of r1:port2"

step "JSON lines, and Ctrl-C ends the trace"
"$POLYCUBECTL" trace br1:port1 -j >"$PCN_DIR/json" 2>/dev/null &
cli=$!
sleep 1
pings 2 || true
kill -INT "$cli"
wait "$cli" || true
expect_contains '"cube":"br1","ucube":"master","port":"port1","direction":"ingress","out_port":"port2","verdict":"forward","to":"r1:port2"' "$(cat "$PCN_DIR/json")"
sleep 0.5
nothing_traced "after Ctrl-C"

step "bad input is refused, nothing is left traced"
out=$("$POLYCUBECTL" trace br1:nope 2>&1) && fail "trace of a missing port succeeded"
expect_contains "port br1:nope does not exist" "$out"
out=$("$POLYCUBECTL" trace "$vb1" icmp and and 2>&1) && fail "a bad filter was accepted"
expect_contains "filter" "$out"
out=$(expect_status 400 GET "trace/$vb1?filter=frobnicate")
expect_contains "unknown term 'frobnicate'" "$out"
expect_status 404 GET "trace/nosuchnetdev0" >/dev/null
pc br1 ports add port3
out=$("$POLYCUBECTL" trace br1:port3 2>&1) && fail "trace of a port that is not connected succeeded"
expect_contains "port br1:port3 is not connected" "$out"
pc br1 ports del port3
nothing_traced "after refusals"

step "deleting the cube ends the trace"
"$POLYCUBECTL" trace "$vb1" >/dev/null 2>&1 &
cli=$!
sleep 1
pc detach th1 "$vb1"
pc br1 ports port1 set peer=
timeout 5 tail --pid="$cli" -f /dev/null || fail "the trace went on after $vb1 left the topology"
nothing_traced "after $vb1 left the topology"

pc del r1
pc del br1
pc del th1
pcn_stop
echo PASS
