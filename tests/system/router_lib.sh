# Shared by the router's system tests (source it after lib.sh).
[[ -x "$POLYCUBECTL" ]] || skip "POLYCUBECTL must name the polycubectl binary"
pc() { "$POLYCUBECTL" "$@"; }
in_host() { local h=$1; shift; ip netns exec "$(host_ns "$h")" "$@"; }
host_mac() { ip -n "$(host_ns "$1")" -br link show eth0 | awk '{print $3}'; }

# trace HOST DST [MAX]: the hops towards DST (IPv4 or IPv6) as traceroute prints them, one
# address a line, from echo requests with a TTL (hop limit) of 1, 2, ... (the answer to
# each is a time exceeded from that hop, or the echo reply of DST, which ends it).
trace() {
  local host=$1 dst=$2 max=${3:-5} out family=-4
  [[ "$dst" == *:* ]] && family=-6
  for ttl in $(seq 1 "$max"); do
    out=$(in_host "$host" ping "$family" -n -c 1 -t "$ttl" -W 2 "$dst" 2>&1 || true)
    if [[ "$out" =~ From\ ([0-9a-f.:]+).*[Tt]ime\ (to\ live\ )?exceeded ]]; then
      echo "${BASH_REMATCH[1]}"
    elif [[ "$out" == *" 0% packet loss"* ]]; then
      echo "$dst"
      return 0
    else
      echo "*"
    fi
  done
}
