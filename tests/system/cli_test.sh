#!/usr/bin/env bash
# polycubectl end to end, with the example command lines of shared/COMPAT.md (those of the
# services this build has), two hosts pinging through what the commands built.
source "$(dirname "$0")/lib.sh"
[[ -x "$POLYCUBECTL" ]] || skip "POLYCUBECTL must name the polycubectl binary"
pc() { "$POLYCUBECTL" "$@"; }
# must_fail CMD...: the command fails with a message on stderr and nothing on stdout.
must_fail() {
  local out err
  if out=$("$POLYCUBECTL" "$@" 2>"$PCN_DIR/stderr"); then fail "polycubectl $* succeeded: $out"; fi
  err=$(cat "$PCN_DIR/stderr")
  [[ -n "$err" ]] || fail "polycubectl $* failed without a message"
  echo "$err"
}

pcn_start
veth1=$(pcn_host a 10.9.4.1/24)
veth2=$(pcn_host b 10.9.4.2/24)

step "add, ports, peers, connect"
pc helloworld add hw0 type=XDP_SKB loglevel=DEBUG action=FORWARD
pc hw0 ports add port1 peer="$veth1"
pc hw0 ports add port2
pc connect hw0:port2 "$veth2"
ping_ok a 10.9.4.2 || fail "no ping through hw0 built with polycubectl"
out=$(pc hw0 show)
expect_contains "$veth1" "$out"
expect_contains "FORWARD" "$out"
out=$(pc hw0 show -json)
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["loglevel"]=="DEBUG", d' <<<"$out" || fail "show -json: $out"
out=$(pc hw0 show -yaml)
expect_contains "loglevel: DEBUG" "$out"
out=$(pc hw0 show -hide=ports.uuid)
[[ "$out" != *"$(pc hw0 ports port1 show -json | python3 -c 'import json,sys; print(json.load(sys.stdin)["uuid"])')"* ]] ||
  fail "-hide=ports.uuid still shows the port uuid"

step "set, and bad input refused with a non-zero exit"
pc hw0 ports port2 set peer="$veth2"
pc hw0 set action=DROP
ping_ok a 10.9.4.2 && fail "ping through hw0 set to DROP"
err=$(must_fail hw0 set action=FLY)
expect_contains "FLY" "$err"
err=$(must_fail hw0 set colour=red)
expect_contains "colour" "$err"
err=$(must_fail nosuchcube show)
expect_contains "nosuchcube" "$err"
pc hw0 set action=FORWARD
ping_ok a 10.9.4.2 || fail "no ping after set action=FORWARD"

step "transparent cubes: attach positions and the topology"
for t in th1 th2 th3; do pc transparenthelloworld add $t type=XDP_SKB; done
pc attach th2 "$veth1"
pc attach th1 "$veth1" position=first
pc attach th3 "$veth1" after=th2
out=$(pc topology show "$veth1")
expect_contains "ingress service chain: th1 ---> th2 ---> th3 ---> stack" "$out"
expect_contains "egress service chain: th3 ---> th2 ---> th1 ---> stack" "$out"
pc detach th3 "$veth1"
pc attach th3 hw0:port2 position=first
out=$(pc hw0 ports port2 show)
expect_contains "th3" "$out"
ping_ok a 10.9.4.2 || fail "no ping through the chains"
pc detach th3 hw0:port2

step "listing"
expect_contains "hw0" "$(pc cubes show)"
expect_contains "transparenthelloworld" "$(pc services show)"
expect_contains "$veth1" "$(pc netdevs show)"
expect_contains "action" "$(pc hw0 '?')"

step "bodies from stdin, JSON and YAML"
pc simpleforwarder add sf0 <<'YAML'
type: TC
ports:
  - name: p1
  - name: p2
actions:
  - {inport: p1, action: FORWARD, outport: p2}
YAML
expect_contains "FORWARD" "$(pc sf0 actions show)"
cat >"$PCN_DIR/mycubes.yaml" <<'YAML'
helloworld:
  - name: hw7
    action: DROP
transparenthelloworld:
  - name: th7
YAML
pc cubes add <"$PCN_DIR/mycubes.yaml"
expect_contains "hw7" "$(pc cubes show)"

step "disconnect, and the three ways to delete"
pc disconnect hw0:port2 "$veth2"
ping_ok a 10.9.4.2 && fail "ping through a disconnected port"
pc del helloworld hw7
pc helloworld del hw0
pc del th7
out=$(pc cubes show -json)
for c in hw0 hw7 th7; do [[ "$out" != *"\"$c\""* ]] || fail "$c still there: $out"; done
echo PASS
