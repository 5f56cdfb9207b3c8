#!/usr/bin/env bash
# A service loaded at run time: POST /services with a plugin .so, cubes of it forwarding
# real traffic, refusal to unload it while cubes exist, unloading.
PLUGIN=${1:?the plugin .so}
source "$(dirname "$0")/lib.sh"

pcn_start
v1=$(pcn_host a 10.9.2.1/24)
v2=$(pcn_host b 10.9.2.2/24)

step "bad plugins are refused with the reason"
out=$(expect_status 400 POST services '{"type":"lib","uri":"/nonexistent/x.so"}')
expect_contains 'cannot load /nonexistent/x.so' "$out"
out=$(expect_status 400 POST services "{\"type\":\"lib\",\"uri\":\"$PLUGIN\",\"name\":\"other\"}")
expect_contains 'not other' "$out"
expect_status 400 POST services "{\"uri\":\"$PLUGIN\",\"colour\":1}" >/dev/null
expect_status 404 GET services/crossconnect >/dev/null

step "loading the plugin adds its service"
expect_status 201 POST services "{\"type\":\"lib\",\"uri\":\"$PLUGIN\",\"name\":\"crossconnect\"}" >/dev/null
out=$(expect_status 200 GET services/crossconnect)
expect_contains "\"origin\":\"$PLUGIN\"" "$out"
expect_status 409 POST services "{\"type\":\"lib\",\"uri\":\"$PLUGIN\"}" >/dev/null

step "its cubes forward"
expect_status 201 POST crossconnect/x1/ "{\"ports\":[{\"name\":\"a\",\"peer\":\"$v1\"},{\"name\":\"b\",\"peer\":\"$v2\"}]}" >/dev/null
ping_ok a 10.9.2.2 || fail "no ping through the plugin's cube"
out=$(expect_status 200 OPTIONS crossconnect/)
expect_contains 'Cross-connect' "$out"

step "unloading waits for its cubes to go"
expect_status 409 DELETE services/crossconnect >/dev/null
expect_status 200 DELETE crossconnect/x1/ >/dev/null
expect_status 200 DELETE services/crossconnect >/dev/null
expect_status 404 GET crossconnect/ >/dev/null
echo PASS
