/* Netdev entry and exit of the framework. The ingress program runs on every netdev that a
 * cube port or a transparent cube is attached to: it resets the metadata and follows the
 * netdev's first hop (pcn_netdev_in). The TC egress program does the same for packets
 * leaving the netdev (pcn_netdev_out), locally generated or redirected by a cube. */
#include "bpf/pcn_maps.h"

static __always_inline int enter(pcn_ctx* ctx, void* table, __u8 direction) {
  __u32 ifindex = pcn_ingress_ifindex(ctx);
  struct pcn_hop* first = bpf_map_lookup_elem(table, &ifindex);
  if (!first) return PCN_PASS; /* not ours (any more): leave the packet to the kernel */
#ifdef PCN_HOOK_XDP
  /* Exactly one pcn_metadata right in front of the frame, whatever the area held before (a
   * previous hop's metadata survives a redirect through a veth): AF_XDP hands userspace
   * the bytes just before the frame, and the area must not grow at every entry. */
  int metalen = (int)(ctx->data - ctx->data_meta);
  if (bpf_xdp_adjust_meta(ctx, metalen - (int)sizeof(struct pcn_metadata))) return XDP_ABORTED;
#endif
  PCN_MD_DECLARE(ctx, md)
  __builtin_memset(md, 0, sizeof(*md));
  md->direction = direction;
  return pcn_go(ctx, md, first);
}

SEC(PCN_SECTION)
int pcn_netdev_ingress(pcn_ctx* ctx) { return enter(ctx, &pcn_netdev_in, PCN_INGRESS); }

#ifdef PCN_HOOK_TC
SEC(PCN_SECTION)
int pcn_netdev_egress(pcn_ctx* ctx) {
  /* skb->ifindex is the device the packet is leaving by. */
  return enter(ctx, &pcn_netdev_out, PCN_EGRESS);
}
#endif

char LICENSE[] SEC("license") = "GPL";
