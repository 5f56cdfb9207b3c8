#!/usr/bin/env bash
# The REST API of the real daemon with real traffic: two hosts joined through a helloworld
# cube of type $1 (TC, XDP_SKB, XDP_DRV); configuration, validation that changes nothing,
# 308 redirects, help, chains of transparent cubes on a port and on a netdev, netdev removal.
TYPE=${1:-TC}
source "$(dirname "$0")/lib.sh"

pcn_start
v1=$(pcn_host a 10.9.0.1/24)
v2=$(pcn_host b 10.9.0.2/24)

step "services and an empty daemon"
out=$(expect_status 200 GET services)
expect_contains '"name":"helloworld"' "$out"
expect_contains '"service-kind":"transparent"' "$out"
[[ $(expect_status 200 GET cubes) == "{}" ]] || fail "cubes not empty at start"

step "helloworld $TYPE forwarding between two hosts"
expect_status 201 POST helloworld/hw0/ "{\"type\":\"$TYPE\",\"action\":\"FORWARD\",\"ports\":[{\"name\":\"p1\",\"peer\":\"$v1\"},{\"name\":\"p2\",\"peer\":\"$v2\"}]}" >/dev/null
ping_ok a 10.9.0.2 || fail "no ping through hw0 (FORWARD)"
out=$(expect_status 200 GET helloworld/hw0/)
expect_contains "\"type\":\"$TYPE\"" "$out"
expect_contains "\"peer\":\"$v1\"" "$out"
expect_contains '"status":"UP"' "$out"
expect_status 200 PATCH helloworld/hw0/ '{"action":"DROP"}' >/dev/null
ping_ok a 10.9.0.2 && fail "ping went through with action DROP"
expect_status 200 PATCH helloworld/hw0/action/ '"FORWARD"' >/dev/null
ping_ok a 10.9.0.2 || fail "no ping after action back to FORWARD"

step "helloworld SLOWPATH: packets go through userspace and still arrive"
expect_status 200 PATCH helloworld/hw0/ '{"action":"SLOWPATH"}' >/dev/null
ping_ok a 10.9.0.2 || fail "no ping through the slow path"
expect_status 200 PATCH helloworld/hw0/ '{"action":"FORWARD"}' >/dev/null

step "metrics count what crossed the ports"
api GET metrics >"$PCN_DIR/metrics"
[[ $(api_status) == 200 ]] || fail "GET metrics: $(api_status)"
check_prometheus "$PCN_DIR/metrics"
grep -Eq '^polycube_port_packets_total\{cube="hw0",port="p1",direction="ingress"\} [1-9]' "$PCN_DIR/metrics" ||
  fail "no ingress packets counted on hw0:p1: $(grep port_packets "$PCN_DIR/metrics")"
grep -q '^polycube_cube_info{cube="hw0",service="helloworld",type="'"$TYPE"'"} 1' "$PCN_DIR/metrics" || fail "no cube_info for hw0"
grep -Eq '^polycube_slowpath_packets_in_total\{cube="hw0"\} [1-9]' "$PCN_DIR/metrics" || fail "no slow-path packets counted for hw0"

step "bad requests change nothing"
out=$(expect_status 400 PATCH helloworld/hw0/ '{"action":"BOGUS"}')
expect_contains 'action' "$out"
out=$(expect_status 400 PATCH helloworld/hw0/ '{"action":"DROP","colour":"red"}')
expect_contains 'colour: unknown member' "$out"
out=$(expect_status 400 PATCH helloworld/hw0/ '{"action":')
expect_contains 'malformed JSON' "$out"
other_type=$([[ "$TYPE" == TC ]] && echo XDP_SKB || echo TC)
out=$(expect_status 400 PATCH helloworld/hw0/ "{\"type\":\"$other_type\"}")
expect_contains 'set at creation only' "$out"
expect_status 400 PATCH helloworld/hw0/ports/p1/ '{"uuid":"x"}' >/dev/null
expect_status 400 POST helloworld/hw1/ '{"ports":[{"name":"bad name!"}]}' >/dev/null
expect_status 409 POST helloworld/hw0/ '{}' >/dev/null
# A cube the service refuses half-way (a third port) leaves nothing behind.
expect_status 409 POST helloworld/hw1/ '{"ports":[{"name":"a"},{"name":"b"},{"name":"c"}]}' >/dev/null
expect_status 404 GET helloworld/hw1/ >/dev/null
# A peer that does not exist: nothing changes, the other port keeps its peer.
out=$(expect_status 400 PATCH helloworld/hw0/ '{"action":"DROP","ports":[{"name":"p2","peer":"nosuchdev0"}]}')
expect_contains 'nosuchdev0' "$out"
out=$(expect_status 200 GET helloworld/hw0/)
expect_contains '"action":"FORWARD"' "$out"
expect_contains "\"peer\":\"$v2\"" "$out"
ping_ok a 10.9.0.2 || fail "a refused change broke forwarding"
expect_status 404 GET helloworld/nosuch/ >/dev/null
out=$(expect_status 404 GET helloworld/hw0/nosuchleaf/)
expect_contains 'nosuchleaf' "$out"
expect_status 404 GET simpleforwarder/hw0/ >/dev/null
expect_status 405 DELETE helloworld/hw0/action/ >/dev/null

step "service-less paths redirect, OPTIONS helps"
curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$PCN_PORT/polycube/v1/hw0/ports/p1/" >"$PCN_DIR/redirect"
[[ $(cat "$PCN_DIR/redirect") == "308 http://127.0.0.1:$PCN_PORT/polycube/v1/helloworld/hw0/ports/p1/" ]] ||
  fail "redirect: $(cat "$PCN_DIR/redirect")"
out=$(expect_status 200 OPTIONS helloworld/hw0/)
expect_contains '"name":"action"' "$out"
out=$(expect_status 200 OPTIONS helloworld/)
expect_contains '"kind":"service"' "$out"

step "transparent cubes on a cube port and on a netdev"
expect_status 201 POST transparenthelloworld/t1/ "{\"type\":\"$TYPE\"}" >/dev/null
expect_status 201 POST transparenthelloworld/t2/ "{\"type\":\"$TYPE\"}" >/dev/null
expect_status 201 POST transparenthelloworld/t3/ "{\"type\":\"$TYPE\"}" >/dev/null
expect_status 200 POST attach '{"cube":"t1","port":"hw0:p1"}' >/dev/null
expect_status 200 POST attach "{\"cube\":\"t2\",\"port\":\"$v1\"}" >/dev/null
expect_status 200 POST attach "{\"cube\":\"t3\",\"port\":\"$v1\",\"position\":\"first\"}" >/dev/null
out=$(expect_status 200 GET "topology/$v1")
expect_contains '"ingress service chain":"t3 ---> t2 ---> stack"' "$out"
expect_contains '"egress service chain":"t2 ---> t3 ---> stack"' "$out"
out=$(expect_status 200 GET helloworld/hw0/ports/p1/)
expect_contains '"tcubes":["t1"]' "$out"
ping_ok a 10.9.0.2 || fail "no ping through the chains"
expect_status 200 PATCH transparenthelloworld/t1/ '{"ingress-action":"DROP"}' >/dev/null
ping_ok a 10.9.0.2 && fail "ping went through t1 dropping"
expect_status 200 PATCH transparenthelloworld/t1/ '{"ingress-action":"PASS"}' >/dev/null
ping_ok a 10.9.0.2 || fail "no ping after t1 passes again"
out=$(expect_status 400 POST attach '{"cube":"hw0","port":"t1:x"}')
expect_contains 'not a transparent cube' "$out"
expect_status 400 POST attach '{"cube":"t1","port":"hw0:p1","before":"t2","position":"last"}' >/dev/null
expect_status 200 POST detach "{\"cube\":\"t3\",\"port\":\"$v1\"}" >/dev/null
out=$(expect_status 200 GET "topology/$v1")
expect_contains '"ingress service chain":"t2 ---> stack"' "$out"

step "connect and disconnect"
expect_status 200 POST disconnect "{\"peer1\":\"hw0:p2\",\"peer2\":\"$v2\"}" >/dev/null
ping_ok a 10.9.0.2 && fail "ping went through a disconnected port"
expect_status 200 POST connect "{\"peer1\":\"hw0:p2\",\"peer2\":\"$v2\"}" >/dev/null
ping_ok a 10.9.0.2 || fail "no ping after connect"
expect_status 400 POST connect '{"peer1":"hw0:p2"}' >/dev/null

step "a netdev that disappears takes its port down"
ip link del "$v2"
for _ in $(seq 1 50); do
  out=$(expect_status 200 GET helloworld/hw0/ports/p2/)
  [[ "$out" == *'"status":"DOWN"'* && "$out" != *'"peer"'* ]] && break
  sleep 0.1
done
expect_contains '"status":"DOWN"' "$out"

step "deleting cubes"
expect_status 200 DELETE transparenthelloworld/t1/ >/dev/null
expect_status 200 DELETE helloworld/hw0/ >/dev/null
expect_status 404 GET helloworld/hw0/ >/dev/null
out=$(expect_status 200 GET cubes)
expect_contains '"transparenthelloworld"' "$out"
echo PASS
