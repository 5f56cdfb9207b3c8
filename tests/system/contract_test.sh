#!/usr/bin/env bash
# The REST contract of shared/COMPAT.md, method by method on framework and service paths:
# status codes, the {"message"} error shape, and that refused requests change nothing.
source "$(dirname "$0")/lib.sh"

pcn_start --max-body-size 4096
v1=$(pcn_host a 10.9.3.1/24)

json_ok() { python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$1" || fail "not JSON: $1"; }
message_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["message"])' <<<"$1"; }

step "framework resources"
out=$(expect_status 200 GET "")
expect_contains '"href":"/polycube/v1/services"' "$out"
expect_status 200 GET version >/dev/null
out=$(expect_status 200 GET openapi.json)
json_ok "$out"
expect_contains '"/helloworld/{name}/"' "$out"
out=$(expect_status 200 GET netdevs)
expect_contains "\"name\":\"$v1\"" "$out"
out=$(expect_status 200 GET "netdevs/$v1")
expect_contains '"mac":' "$out"
expect_status 404 GET netdevs/nosuchdev0 >/dev/null
expect_status 404 GET nosuchresource >/dev/null
expect_status 405 DELETE version >/dev/null
expect_status 405 PUT topology >/dev/null
expect_status 404 GET services/nosuch >/dev/null

step "POST /cubes: several cubes at once, all or nothing"
expect_status 201 POST cubes "{\"helloworld\":[{\"name\":\"h1\",\"action\":\"FORWARD\",\"ports\":[{\"name\":\"p1\",\"peer\":\"$v1\"}]}],\"transparenthelloworld\":[{\"name\":\"t1\"}]}" >/dev/null
out=$(expect_status 200 GET cubes/h1)
expect_contains '"service-name":"helloworld"' "$out"
out=$(expect_status 400 POST cubes '{"helloworld":[{"name":"h2"},{"name":"h3","action":"NOPE"}]}')
expect_contains 'cubes[1] (h3)/action' "$out"
expect_status 404 GET cubes/h2 >/dev/null
expect_status 409 POST cubes '{"helloworld":[{"name":"h1"}]}' >/dev/null
out=$(expect_status 400 POST cubes '[{"name":"x","service-name":"nosuch"}]')
expect_contains 'unknown service nosuch' "$out"

step "GET of a container links to what is below it"
links=$(curl -s -D - -o /dev/null "http://127.0.0.1:$PCN_PORT/polycube/v1/helloworld/h1/" | grep -i '^link:')
expect_contains '</polycube/v1/helloworld/h1/ports/>; rel="child"' "$links"

step "service paths: every method"
out=$(expect_status 200 GET helloworld/)
expect_contains '"name":"h1"' "$out"
expect_status 405 PATCH helloworld/ '{}' >/dev/null
expect_status 200 PUT helloworld/h1/ "{\"action\":\"DROP\",\"ports\":[{\"name\":\"p1\",\"peer\":\"$v1\"},{\"name\":\"p2\"}]}" >/dev/null
out=$(expect_status 200 GET helloworld/h1/ports/)
expect_contains '"name":"p2"' "$out"
expect_status 200 PATCH helloworld/h1/ports/p2/ '{}' >/dev/null
expect_status 200 DELETE helloworld/h1/ports/p2/ >/dev/null
expect_status 404 DELETE helloworld/h1/ports/p2/ >/dev/null
expect_status 201 POST helloworld/h1/ports/p2/ '{}' >/dev/null
out=$(expect_status 200 GET helloworld/h1/ports/p1/peer/)
[[ "$out" == "\"$v1\"" ]] || fail "GET of a leaf: $out"
expect_status 200 PUT helloworld/h1/ports/p1/peer/ '""' >/dev/null || true
out=$(expect_status 200 GET helloworld/h1/ports/p1/)
[[ "$out" != *'"peer"'* ]] || fail "PUT of an empty peer did not disconnect: $out"
out=$(expect_status 200 GET helloworld/h1/ports/p1/status/)
[[ "$out" == '"DOWN"' ]] || fail "status of a disconnected port: $out"
out=$(expect_status 405 PATCH helloworld/h1/ports/p1/status/ '"UP"')
expect_contains 'status' "$out"
out=$(expect_status 405 POST helloworld/h1/uuid/ '"x"')
expect_status 200 OPTIONS helloworld/h1/ports/ >/dev/null
out=$(expect_status 200 OPTIONS helloworld/h1/ports/p1/peer/)
expect_contains '"kind":"leaf"' "$out"

step "errors: the message names the path and the reason"
out=$(expect_status 400 PATCH helloworld/h1/ '{"ports":[{"name":"p1","peer":5}]}')
msg=$(message_of "$out")
expect_contains 'ports' "$msg"
out=$(expect_status 400 PATCH helloworld/h1/ '[1,2]')
expect_contains 'expected an object' "$out"
out=$(expect_status 400 POST helloworld/h9/ '{"name":"other"}')
expect_contains 'does not match the key in the path' "$out"
big=$(head -c 6000 /dev/zero | tr '\0' ' ')
out=$(expect_status 413 PATCH helloworld/h1/ "{\"action\":\"DROP\"$big}")
out=$(expect_status 400 PATCH helloworld/h1/ '{"action":"DROP","action":"FORWARD"}')
expect_contains 'repeats' "$out"
out=$(expect_status 200 GET helloworld/h1/action/)
[[ "$out" == '"DROP"' ]] || fail "a refused request changed the action: $out"
out=$(expect_status 400 POST connect '{"peer1":"h1:p1","peer2":"h1:p2","x":1}')
expect_contains 'x: unknown member' "$out"
out=$(expect_status 404 POST connect '{"peer1":"h1:nosuch","peer2":"t1:p"}')
expect_contains 'does not exist' "$out"
out=$(expect_status 404 GET topology/nosuchdev0)
out=$(expect_status 400 POST detach '{"cube":"h1"}')
expect_contains 'not a transparent cube' "$out"
echo PASS
