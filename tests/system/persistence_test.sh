#!/usr/bin/env bash
# Persistence and appliance mode: every acknowledged change survives a restart (cubes,
# ports, peers, attachments), forwarding goes on while the daemon is down, a corrupt file
# is kept aside, an appliance file boots all or nothing.
source "$(dirname "$0")/lib.sh"

v1=$(pcn_host a 10.9.1.1/24)
v2=$(pcn_host b 10.9.1.2/24)

step "a configuration made through the API"
pcn_start
expect_status 201 POST simpleforwarder/sf/ "{\"ports\":[{\"name\":\"p1\",\"peer\":\"$v1\"},{\"name\":\"p2\",\"peer\":\"$v2\"}],\"actions\":[{\"inport\":\"p1\",\"action\":\"FORWARD\",\"outport\":\"p2\"},{\"inport\":\"p2\",\"action\":\"FORWARD\",\"outport\":\"p1\"}]}" >/dev/null
expect_status 201 POST transparenthelloworld/tw/ '{"loglevel":"DEBUG"}' >/dev/null
expect_status 200 POST attach '{"cube":"tw","port":"sf:p1"}' >/dev/null
ping_ok a 10.9.1.2 || fail "no ping through sf"
# Changes go to the journal beside the file; a stop (or the next start) folds it into the file.
grep -q '"sf"' "$PCN_DIR/cubes.yaml.journal" || fail "the journal lacks sf"

step "restart: the data plane forwards while the daemon is down, then everything is restored"
pcn_stop
[[ $PCN_EXIT == 0 ]] || fail "polycubed exited with $PCN_EXIT"
ping_ok a 10.9.1.2 || fail "forwarding stopped with the daemon"
grep -q '"sf"' "$PCN_DIR/cubes.yaml" || fail "the stop did not fold the journal into the file"
[[ ! -s "$PCN_DIR/cubes.yaml.journal" ]] || fail "the journal is still there after the stop folded it"
pcn_start
out=$(expect_status 200 GET simpleforwarder/sf/)
expect_contains "\"peer\":\"$v1\"" "$out"
expect_contains '"tcubes":["tw"]' "$out"
expect_contains '"outport":"p2"' "$out"
out=$(expect_status 200 GET transparenthelloworld/tw/)
expect_contains '"loglevel":"DEBUG"' "$out"
expect_contains '"parent":"sf:p1"' "$out"
ping_ok a 10.9.1.2 || fail "no ping after restart"
grep -q "re-adopts" "$PCN_DIR/log" || fail "the cubes were not re-adopted"

step "a start that cannot serve (its port is taken) leaves the data plane forwarding"
pcn_stop
taken=$((20000 + RANDOM % 12000))
python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("listening", flush=True)
time.sleep(60)' "$taken" > "$PCN_DIR/holder" &
holder=$!
for _ in $(seq 1 50); do grep -q listening "$PCN_DIR/holder" && break; sleep 0.1; done
pcn_spawn "$taken"
for _ in $(seq 1 300); do kill -0 "$PCN_DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PCN_DAEMON_PID" 2>/dev/null && fail "polycubed kept running with its port taken"
code=0
wait "$PCN_DAEMON_PID" || code=$?
PCN_DAEMON_PID=""
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null || true
[[ "$code" != 0 ]] || fail "polycubed exited with 0 although it could not listen"
grep -q "in use" "$PCN_DIR/log" || fail "the log does not say the port was in use"
ping_ok a 10.9.1.2 || fail "a start that failed took the data plane down"
pcn_start
ping_ok a 10.9.1.2 || fail "no ping after a failed start and a good one"

step "a change after restart is saved too"
expect_status 200 DELETE simpleforwarder/sf/actions/p2/ >/dev/null
pcn_stop
pcn_start
out=$(expect_status 200 GET simpleforwarder/sf/actions/)
[[ "$out" != *'"inport":"p2"'* ]] || fail "the deleted action came back: $out"
expect_status 201 POST simpleforwarder/sf/actions/p2/ '{"action":"FORWARD","outport":"p1"}' >/dev/null

step "kill -9 in the middle of a burst: exactly the acknowledged changes come back"
: >"$PCN_DIR/acked"
(
  for i in $(seq 1 400); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PCN_PORT/polycube/v1/helloworld/burst$i/" -d '{}') || break
    [[ "$code" == 201 ]] && echo "burst$i" >>"$PCN_DIR/acked"
  done
) &
burst=$!
for _ in $(seq 1 100); do [[ $(wc -l <"$PCN_DIR/acked") -ge 20 ]] && break; sleep 0.05; done
kill -KILL "$PCN_DAEMON_PID"
wait "$PCN_DAEMON_PID" 2>/dev/null || true
PCN_DAEMON_PID=""
wait "$burst" 2>/dev/null || true
acked=$(wc -l <"$PCN_DIR/acked")
[[ $acked -ge 20 ]] || fail "only $acked creations acknowledged before the kill"
[[ -s "$PCN_DIR/cubes.yaml.journal" ]] || fail "no journal after the kill: the burst was not in it"
# On two shards: the restore creates several cubes at once, their programs loaded on shard 1.
if (($(nproc) > 1)); then pcn_start --cores 2; else echo "  (one CPU: restoring on one shard)"; pcn_start; fi
grep -q '"burst1"' "$PCN_DIR/cubes.yaml" || fail "the start did not fold the journal into the file"
[[ ! -s "$PCN_DIR/cubes.yaml.journal" ]] || fail "the journal is still there after the start folded it"
api GET helloworld/ >"$PCN_DIR/restored.json"
for c in $(cat "$PCN_DIR/acked"); do grep -q "\"name\":\"$c\"" "$PCN_DIR/restored.json" || fail "acknowledged $c is missing after kill -9"; done
restored=$(grep -o '"name":"burst[0-9]*"' "$PCN_DIR/restored.json" | sort -u | wc -l)
# At most the one creation in flight when the daemon died may be there unacknowledged.
((restored <= acked + 1)) || fail "$restored cubes restored for $acked acknowledged"
echo "  $acked acknowledged, $restored restored"
out=$(expect_status 200 GET simpleforwarder/sf/)
expect_contains "\"peer\":\"$v1\"" "$out"
ping_ok a 10.9.1.2 || fail "no ping after kill -9 and restart"

step "a corrupt file is kept aside and the daemon starts empty"
pcn_stop
echo '{"cubes": [' >"$PCN_DIR/cubes.yaml"
pcn_start
[[ $(expect_status 200 GET cubes) == "{}" ]] || fail "cubes from a corrupt file"
ls "$PCN_DIR"/cubes.yaml.corrupt-* >/dev/null 2>&1 || fail "the corrupt file was not kept aside"
grep -q '"cubes": \[$' "$PCN_DIR"/cubes.yaml.corrupt-* || fail "the kept file is not the corrupt one"

step "--cubes-dump-clean-init starts empty"
expect_status 201 POST helloworld/h0/ '{}' >/dev/null
pcn_stop
pcn_start --cubes-dump-clean-init
[[ $(expect_status 200 GET cubes) == "{}" ]] || fail "cubes despite --cubes-dump-clean-init"

step "appliance: a bad topology file stops the daemon and leaves nothing"
pcn_stop
cat >"$PCN_DIR/bad.yaml" <<YAML
cubes:
  - service-name: helloworld
    name: hw9
    action: FORWARD
    ports:
      - name: p1
        peer: $v1
  - service-name: nosuchservice
    name: x
YAML
if pcn_launch --config "$PCN_DIR/bad.yaml"; then fail "polycubed started with a bad topology"; fi
grep -q "nosuchservice" "$PCN_DIR/log" || fail "the error does not name the bad service"
ip link show "$v1" | grep -q xdp && fail "a program was left on $v1"
tc filter show dev "$v1" ingress 2>/dev/null | grep -q bpf && fail "a TC program was left on $v1"

step "appliance: a good topology file boots everything"
cat >"$PCN_DIR/good.yaml" <<YAML
# two hosts through a helloworld, a transparent cube on the way in
cubes:
  - service-name: helloworld
    name: hw
    type: XDP_DRV
    action: FORWARD
    ports:
      - {name: p1, peer: $v1}
      - {name: p2, peer: $v2}
  - service-name: transparenthelloworld
    name: th
    type: XDP_DRV
attachments:
  - {cube: th, port: "hw:p1"}
YAML
pcn_start --config "$PCN_DIR/good.yaml"
ping_ok a 10.9.1.2 || fail "no ping through the appliance topology"
out=$(expect_status 200 GET helloworld/hw/ports/p1/)
expect_contains '"tcubes":["th"]' "$out"
echo PASS
