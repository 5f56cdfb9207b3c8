/* A test-only transparent cube: records at which position of the chain it saw the packet
 * (md->data[0] counts hops since the netdev entry reset it) and lets the packet pass, or
 * tells userspace (probe_report). All probes share public_probe_seen, which also
 * exercises the public map scope. */
#include "bpf/pcn_cube.h"
#include "tests/support/probe_abi.h"

const volatile __u32 probe_id = 0;
const volatile __u32 probe_report = PROBE_QUIET;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PROBE_SLOTS * 2);
  __type(key, __u32);
  __type(value, struct probe_seen);
} public_probe_seen SEC(".maps");

static __always_inline int handle(pcn_ctx* ctx, struct pcn_metadata* md) {
  __u32 key = probe_id + (pcn_direction == PCN_EGRESS ? PROBE_SLOTS : 0);
  struct probe_seen* seen = bpf_map_lookup_elem(&public_probe_seen, &key);
  if (seen) {
    seen->position = md->data[0];
    seen->packets++;
    seen->data1 = md->data[1];
    seen->in_port = md->in_port;
    seen->reason = md->reason;
    seen->flags = md->flags;
  }
  __u32 position = md->data[0];
  if (probe_report == PROBE_TO_SLOWPATH) return pcn_pkt_controller_md(ctx, md, PROBE_REASON, probe_id, position, 0);
  if (probe_report == PROBE_LOG_AND_NOTIFY) {
    pcn_log(ctx, md, PCN_LOG_INFO, "probe %u at %u", probe_id, position);
    pcn_notify(ctx, md, PROBE_REASON, probe_id, position, 0);
  }
  md->data[0] = position + 1;
  return pcn_pkt_pass(ctx, md);
}

PCN_TRANSPARENT_MAIN(handle)
PCN_LICENSE
