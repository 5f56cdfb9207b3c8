#!/usr/bin/env bash
# packetcapture with the real daemon and real traffic: two hosts pinging through helloworld
# (FORWARD), a capture on its port p1 (host A's side). The dump file is valid pcapng
# (capinfos), tshark decodes the ICMP echo request and reply with their addresses and
# directions; the fast-path and pcap filters keep only what they should; snaplen cuts; the
# live stream is read by `tshark -r -` while traffic flows; `polycubectl capture` leaves
# nothing behind, also when interrupted. Usage: packetcapture_test.sh TYPE
source "$(dirname "$0")/lib.sh"
TYPE=${1:-TC}
command -v tshark >/dev/null || skip "needs tshark"
command -v capinfos >/dev/null || skip "needs capinfos (wireshark-common)"

pcn_start
va=$(pcn_host a 10.7.0.1/24)
vb=$(pcn_host b 10.7.0.2/24)
expect_status 201 POST helloworld/hw0/ "{\"type\":\"$TYPE\",\"action\":\"FORWARD\",\"ports\":[{\"name\":\"p1\",\"peer\":\"$va\"},{\"name\":\"p2\",\"peer\":\"$vb\"}]}" >/dev/null
ping_ok a 10.7.0.2 || fail "no ping through hw0"

# tshark's fields of a capture, one packet a line.
fields() { tshark -r "$1" -T fields -E separator=' ' "${@:2}" 2>/dev/null; }
pings() { ip netns exec "$(host_ns a)" ping -c "$1" -i 0.2 -W 1 10.7.0.2 >/dev/null 2>&1 || true; }

step "a dump file while hosts ping: valid pcapng, echo request in, reply out"
dump="$PCN_DIR/c1.pcapng"
expect_status 201 POST packetcapture/pc1/ "{\"type\":\"$TYPE\",\"capture\":\"BIDIRECTIONAL\",\"dump\":\"$dump\"}" >/dev/null
expect_status 200 POST attach/ '{"cube":"pc1","port":"hw0:p1"}' >/dev/null
pings 3
sleep 0.5
capinfos "$dump" >"$PCN_DIR/capinfos" 2>&1 || { cat "$PCN_DIR/capinfos"; fail "capinfos refuses the dump"; }
grep -q "File type:.*pcapng" "$PCN_DIR/capinfos" || fail "not pcapng: $(cat "$PCN_DIR/capinfos")"
grep -q "Time precision = nanoseconds" "$PCN_DIR/capinfos" || fail "no nanosecond resolution"
out=$(fields "$dump" -Y icmp -e ip.src -e ip.dst -e icmp.type -e frame.p2p_dir)
echo "$out" | head -4
# On hw0:p1, host A's packets come in (ingress: inbound, p2p_dir 1), B's replies go out.
grep -q "^10.7.0.1 10.7.0.2 8 1$" <<<"$out" || fail "no inbound echo request from A: $out"
grep -q "^10.7.0.2 10.7.0.1 0 0$" <<<"$out" || fail "no outbound echo reply to A: $out"
[[ $(grep -c "^10.7.0.1 10.7.0.2 8 1$" <<<"$out") -ge 3 ]] || fail "fewer than 3 requests: $out"
out=$(expect_status 200 GET packetcapture/pc1/statistics/)
expect_contains '"packets-captured":' "$out"
grep -q '"packets-captured":0' <<<"$out" && fail "statistics count nothing: $out"

step "a filter that matches nothing leaves the file without packets; one that matches keeps only it"
expect_status 200 PATCH packetcapture/pc1/ "{\"dump\":\"$PCN_DIR/c2.pcapng\",\"filters\":{\"l4proto\":\"TCP\"}}" >/dev/null
pings 2
sleep 0.3
[[ ! -s "$PCN_DIR/c2.pcapng" ]] || [[ -z $(fields "$PCN_DIR/c2.pcapng" -e frame.number) ]] || fail "TCP filter let packets through"
expect_status 200 PATCH packetcapture/pc1/ "{\"dump\":\"$PCN_DIR/c3.pcapng\",\"filters\":{\"l4proto\":\"ICMP\",\"src\":\"10.7.0.2/32\"}}" >/dev/null
pings 2
sleep 0.3
out=$(fields "$PCN_DIR/c3.pcapng" -e ip.src -e icmp.type)
[[ -n "$out" ]] || fail "nothing matched src 10.7.0.2 ICMP"
grep -qv "^10.7.0.2 0$" <<<"$out" && fail "fast-path filter let other packets through: $out"
expect_status 400 PATCH packetcapture/pc1/ '{"filters":{"l4proto":"GRE"}}' >/dev/null

step "a pcap-filter expression, and snaplen"
expect_status 200 PUT packetcapture/pc1/filters/ '{}' >/dev/null
expect_status 200 PATCH packetcapture/pc1/ "{\"dump\":\"$PCN_DIR/c4.pcapng\",\"filter\":\"icmp[icmptype] == icmp-echo\",\"snaplen\":40}" >/dev/null
pings 2
sleep 0.3
out=$(fields "$PCN_DIR/c4.pcapng" -e frame.cap_len -e frame.len -e ip.src)
[[ -n "$out" ]] || fail "the expression kept nothing"
grep -qv "^40 98 10.7.0.1$" <<<"$out" && fail "expected only 40-byte cuts of 98-byte echo requests from A: $out"
out=$(expect_status 400 PATCH packetcapture/pc1/ '{"filter":"icmp and and"}')
expect_contains "filter" "$out"
expect_status 200 PATCH packetcapture/pc1/ '{"filter":"","snaplen":262144}' >/dev/null

step "classic pcap when asked"
expect_status 200 PATCH packetcapture/pc1/ "{\"dump\":\"$PCN_DIR/c5.pcap\",\"dump-format\":\"PCAP\"}" >/dev/null
pings 2
sleep 0.3
capinfos "$PCN_DIR/c5.pcap" 2>&1 | grep -q "File type:.*nanosecond pcap" || fail "not nanosecond pcap: $(capinfos "$PCN_DIR/c5.pcap" 2>&1)"

step "anonymized: no real address in the copy"
expect_status 200 PATCH packetcapture/pc1/ "{\"dump\":\"$PCN_DIR/c6.pcapng\",\"dump-format\":\"PCAPNG\",\"anonymize\":true}" >/dev/null
pings 2
sleep 0.3
out=$(fields "$PCN_DIR/c6.pcapng" -Y icmp -e ip.src -e ip.dst -e ip.checksum.status)
[[ -n "$out" ]] || fail "nothing captured anonymized"
grep -q "10\.7\.0\." <<<"$out" && fail "real addresses in the anonymized copy: $out"
expect_status 200 PATCH packetcapture/pc1/ '{"anonymize":false,"dump":""}' >/dev/null

step "the live stream, read by tshark -r - while hosts ping"
( pings 15 ) &
pinger=$!
started=$SECONDS
# No -c: tshark counts every packet it reads, and ARP or IPv6 neighbour discovery may come first.
timeout 4 curl -sN "http://127.0.0.1:$PCN_PORT/polycube/v1/packetcapture/pc1/stream" | tee "$PCN_DIR/live.pcapng" \
  | timeout 15 tshark -r - -l -Y icmp -T fields -E separator=' ' -e ip.src -e ip.dst >"$PCN_DIR/live" 2>"$PCN_DIR/live.err" || true
wait "$pinger" || true
cat "$PCN_DIR/live"
if [[ $(grep -c "10.7.0" "$PCN_DIR/live") -lt 2 ]]; then
  echo "after $((SECONDS - started)) s: $(stat -c %s "$PCN_DIR/live.pcapng") bytes streamed, of which tshark reads:"
  tshark -r "$PCN_DIR/live.pcapng" 2>&1 | head -20
  expect_status 200 GET packetcapture/pc1/statistics/
  fail "tshark read no ICMP from the live stream: $(cat "$PCN_DIR/live.err")"
fi
# The daemon sees the reader gone at its next write or poll of the stream.
for _ in $(seq 30); do
  out=$(expect_status 200 GET packetcapture/pc1/statistics/)
  [[ "$out" == *'"streams":0'* ]] && break
  sleep 0.1
done
expect_contains '"streams":0' "$out"
expect_status 404 GET packetcapture/pc1/nostream >/dev/null
expect_status 400 GET "packetcapture/pc1/stream?format=erf" >/dev/null

step "a slow reader loses copies, the daemon goes on"
# A reader at 2 KB/s and a flood of 1.4 KB pings: the stream's backlog overflows (stream-
# drops) or, when the flood starves the daemon's shard, the ring does first (ring-drops);
# either way what was lost is counted and the daemon keeps answering.
curl -sN --limit-rate 2k "http://127.0.0.1:$PCN_PORT/polycube/v1/packetcapture/pc1/stream" >/dev/null &
slow=$!
sleep 0.3
ip netns exec "$(host_ns a)" ping -f -c 20000 -s 1400 10.7.0.2 >/dev/null 2>&1 || true
sleep 0.5  # the copies still in the ring reach the stream's backlog
out=$(expect_status 200 GET packetcapture/pc1/statistics/)
kill "$slow" 2>/dev/null || true
wait "$slow" 2>/dev/null || true
echo "$out"
counter() { grep -o "\"$1\":[0-9]*" <<<"$out" | cut -d: -f2; }
lost=$(($(counter stream-drops) + $(counter ring-drops)))
[[ $lost -gt 0 ]] || fail "a 2 KB/s reader of a flood lost nothing: $out"
ping_ok a 10.7.0.2 || fail "no ping after the flood"

step "deleting the cube ends its open streams"
curl -sN "http://127.0.0.1:$PCN_PORT/polycube/v1/packetcapture/pc1/stream" >/dev/null &
reader=$!
sleep 0.3
expect_status 200 POST detach/ '{"cube":"pc1","port":"hw0:p1"}' >/dev/null
expect_status 200 DELETE packetcapture/pc1/ >/dev/null
for _ in $(seq 30); do kill -0 "$reader" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$reader" 2>/dev/null; then kill "$reader"; fail "the stream of a deleted cube is still open"; fi

# No packetcapture cube is left, and hw0:p1 carries no transparent cube.
no_capture_left() {
  local cubes
  cubes=$(expect_status 200 GET packetcapture/)
  [[ "$cubes" == "[]" ]] || fail "$1: capture cubes left behind: $cubes"
  out=$(expect_status 200 GET helloworld/hw0/ports/p1/tcubes/ 2>/dev/null || true)
  [[ "$out" != *capture* ]] || fail "$1: still attached to hw0:p1: $out"
}

step "polycubectl capture -c: a file of exactly COUNT packets, nothing left behind"
( pings 25 ) &
pinger=$!
timeout 20 "$POLYCUBECTL" capture hw0:p1 -w "$PCN_DIR/cli.pcapng" -c 4 icmp 2>"$PCN_DIR/cli.err" || fail "capture -c 4: $(cat "$PCN_DIR/cli.err")"
wait "$pinger" || true
cat "$PCN_DIR/cli.err"
[[ $(fields "$PCN_DIR/cli.pcapng" -e frame.number | wc -l) -eq 4 ]] || fail "expected 4 packets: $(capinfos "$PCN_DIR/cli.pcapng" 2>&1)"
expect_contains "4 packets captured" "$(cat "$PCN_DIR/cli.err")"
no_capture_left "after -c"

step "polycubectl capture -w - | tshark -r -, and lines without -w"
( pings 25 ) &
pinger=$!
# Bounded: without traffic, -c waits for ever. The filter keeps ARP (42 bytes) out.
timeout 20 "$POLYCUBECTL" capture hw0:p1 -w - -c 2 -s 64 icmp 2>/dev/null | tshark -r - -T fields -e frame.cap_len >"$PCN_DIR/cli-pipe" 2>/dev/null
timeout 20 "$POLYCUBECTL" capture "$va" -c 2 icmp >"$PCN_DIR/cli-lines" 2>/dev/null || fail "capture on the netdev $va"
wait "$pinger" || true
[[ $(grep -c "^64$" "$PCN_DIR/cli-pipe") -eq 2 ]] || fail "tshark read no 64-byte cuts from polycubectl -w -: $(cat "$PCN_DIR/cli-pipe")"
cat "$PCN_DIR/cli-lines"
grep -q "IP 10.7.0.1 > 10.7.0.2: ICMP echo request" "$PCN_DIR/cli-lines" || fail "no summary line: $(cat "$PCN_DIR/cli-lines")"
no_capture_left "after -w -"

step "polycubectl capture stops on SIGINT and SIGTERM and leaves nothing behind"
for sig in INT TERM; do
  "$POLYCUBECTL" capture hw0:p1 -w "$PCN_DIR/cli-$sig.pcapng" 2>"$PCN_DIR/cli-$sig.err" &
  cli=$!
  for _ in $(seq 50); do [[ $(api GET packetcapture/) == *capture-* ]] && break; sleep 0.1; done
  pings 2
  kill -"$sig" "$cli"
  rc=0
  wait "$cli" || rc=$?
  [[ $rc -eq 0 ]] || fail "capture ended by SIG$sig exited $rc: $(cat "$PCN_DIR/cli-$sig.err")"
  capinfos "$PCN_DIR/cli-$sig.pcapng" >/dev/null 2>&1 || fail "the file of a capture ended by SIG$sig is not readable"
  no_capture_left "after SIG$sig"
done

step "polycubectl capture refuses what cannot be, and cleans up"
out=$("$POLYCUBECTL" capture hw0:nope 2>&1) && fail "capture on a missing port succeeded"
expect_contains "attach" "$out"
no_capture_left "after a refused attach"
out=$("$POLYCUBECTL" capture hw0:p1 'icmp and and' 2>&1) && fail "a bad expression was accepted"
expect_contains "filter" "$out"
no_capture_left "after a refused filter"
echo "PASS"
