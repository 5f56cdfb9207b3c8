/* helloworld: drops, or forwards between its two ports, or (with the slow path) hands
 * packets to userspace — as its one `action` says. */
#include "bpf/pcn_cube.h"
#include "cubes/helloworld/helloworld_abi.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct helloworld_config);
} config SEC(".maps");

static __always_inline int handle_rx(pcn_ctx* ctx, struct pcn_metadata* md) {
  __u32 zero = 0;
  struct helloworld_config* cfg = bpf_map_lookup_elem(&config, &zero);
  if (!cfg) return pcn_pkt_drop(ctx, md);
  pcn_log(ctx, md, PCN_LOG_TRACE, "helloworld: packet on port %u, action %u", md->in_port, cfg->action);
  if (cfg->action == HELLOWORLD_SLOWPATH) return pcn_pkt_controller(ctx, md, 0);
  if (cfg->action != HELLOWORLD_FORWARD) return pcn_pkt_drop(ctx, md);
  __u16 a = cfg->ports[0], b = cfg->ports[1];
  if (md->in_port == a && b != HELLOWORLD_NO_PORT) return pcn_pkt_redirect(ctx, md, b);
  if (md->in_port == b && a != HELLOWORLD_NO_PORT) return pcn_pkt_redirect(ctx, md, a);
  return pcn_pkt_drop(ctx, md);
}

PCN_CUBE_MAIN(handle_rx)
PCN_LICENSE
