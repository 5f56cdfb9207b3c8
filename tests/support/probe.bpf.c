/* A test-only transparent cube: records at which position of the chain it saw the packet
 * (md->data[0] counts hops since the netdev entry reset it) and lets the packet pass. All
 * probes share public_probe_seen, which also exercises the public map scope. */
#include "bpf/pcn_cube.h"
#include "tests/support/probe_abi.h"

const volatile __u32 probe_id = 0;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PROBE_SLOTS * 2);
  __type(key, __u32);
  __type(value, struct probe_seen);
} public_probe_seen SEC(".maps");

static __always_inline int handle(pcn_ctx* ctx, struct pcn_metadata* md) {
  __u32 key = probe_id + (md->direction == PCN_EGRESS ? PROBE_SLOTS : 0);
  struct probe_seen* seen = bpf_map_lookup_elem(&public_probe_seen, &key);
  if (seen) {
    seen->position = md->data[0];
    seen->packets++;
    seen->data1 = md->data[1];
    seen->in_port = md->in_port;
    seen->reason = md->reason;
    seen->flags = md->flags;
  }
  md->data[0]++;
  return pcn_pkt_pass(ctx, md);
}

PCN_TRANSPARENT_MAIN(handle)
PCN_LICENSE
