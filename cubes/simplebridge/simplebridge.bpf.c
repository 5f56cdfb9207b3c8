/* simplebridge: learns where each source address is, forwards to the learned port, floods
 * group and unknown destinations (cubes/l2/l2.bpf.h). No VLANs: every address is in VLAN 0. */
#include "bpf/pcn_cube.h"

static __always_inline int l2_egress_prepare(pcn_ctx* ctx, __u32 port, __u32 vlan) { return 0; }
#ifdef PCN_HOOK_XDP
static __always_inline int l2_flood_prepare(pcn_ctx* ctx, __u32 vlan) { return 0; }
static __always_inline int l2_flood_egress(struct xdp_md* ctx, __u32 port) { return 0; }
#endif

#include "cubes/l2/l2.bpf.h"

static __always_inline int handle_rx(pcn_ctx* ctx, struct pcn_metadata* md) {
  struct ethhdr* eth = pcn_data(ctx);
  if ((void*)(eth + 1) > pcn_data_end(ctx)) return pcn_pkt_drop(ctx, md);
  struct l2_config* cfg = l2_config_get();
  if (!cfg) return pcn_pkt_drop(ctx, md);
  /* Link-local control frames (spanning tree, pause...) are for the bridge, which has no use for them. */
  if (l2_is_link_local(eth->h_dest)) return pcn_pkt_drop(ctx, md);
  __u32 now = l2_now();
  l2_learn(eth->h_source, 0, md->in_port, now);
  if (!l2_is_group(eth->h_dest)) {
    int out = l2_lookup(cfg, eth->h_dest, 0, now);
    pcn_log(ctx, md, PCN_LOG_TRACE, "simplebridge: %M from port %u: port %d", pcn_mac(eth->h_dest), md->in_port, out);
    if (out >= 0) return l2_forward(ctx, md, (__u32)out, 0);
  }
  return l2_flood(ctx, md, cfg, 0);
}

PCN_CUBE_MAIN(handle_rx)
PCN_LICENSE
