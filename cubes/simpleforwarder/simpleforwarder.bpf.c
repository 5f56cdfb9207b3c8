/* simpleforwarder: for each ingress port, drop or forward to a configured output port. */
#include "bpf/pcn_cube.h"
#include "cubes/simpleforwarder/simpleforwarder_abi.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PCN_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct simpleforwarder_entry);
} actions SEC(".maps");

static __always_inline int handle_rx(pcn_ctx* ctx, struct pcn_metadata* md) {
  __u32 in_port = md->in_port;
  struct simpleforwarder_entry* e = bpf_map_lookup_elem(&actions, &in_port);
  if (!e || e->action != SIMPLEFORWARDER_FORWARD) return pcn_pkt_drop(ctx, md);
  return pcn_pkt_redirect(ctx, md, e->out_port);
}

PCN_CUBE_MAIN(handle_rx)
PCN_LICENSE
