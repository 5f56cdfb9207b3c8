/* The slow path's way back into the datapath. Userspace transmits a packet with a
 * struct pcn_inject_header in front of it on one end of its injection veth pair (AF_XDP
 * TX, batched); this program, on the other end, strips the header, gives the packet fresh
 * metadata flagged PCN_MD_FROM_SLOWPATH and follows the hop: into a cube (through one of
 * its ports, or a transparent cube in a direction) or out of a netdev.
 *
 * The XDP build runs first, natively on the veth. Hops of TC cubes need an skb: it moves
 * the header into the metadata area and passes the packet up, where the TC build (on the
 * same device's TC ingress hook) reads it from there. */
#include "bpf/pcn_maps.h"

#ifdef PCN_HOOK_XDP
SEC("xdp")
int pcn_inject(struct xdp_md* ctx) {
  struct pcn_inject_header* h = pcn_data(ctx);
  if ((void*)(h + 1) > pcn_data_end(ctx) || h->magic != PCN_INJECT_MAGIC) return XDP_DROP;
  struct pcn_inject_header header = *h;
  if (bpf_xdp_adjust_head(ctx, (int)sizeof header)) return XDP_DROP;
  if (header.family == PCN_FAMILY_TC) {
    /* Whatever the area held, exactly the room needed in front of the frame. */
    int metalen = (int)(ctx->data - ctx->data_meta);
    if (bpf_xdp_adjust_meta(ctx, metalen - (int)sizeof header)) return XDP_DROP;
    struct pcn_inject_header* meta = (void*)(long)ctx->data_meta;
    if ((void*)(meta + 1) > (void*)(long)ctx->data) return XDP_DROP;
    *meta = header;
    return XDP_PASS;
  }
  PCN_MD_DECLARE(ctx, md)
  __builtin_memset(md, 0, sizeof(*md));
  md->flags = PCN_MD_FROM_SLOWPATH;
  return pcn_go(ctx, md, &header.hop);
}
#else
SEC("tc")
int pcn_inject(struct __sk_buff* ctx) {
  struct pcn_inject_header* h = (void*)(long)ctx->data_meta;
  if ((void*)(h + 1) > pcn_data(ctx) || h->magic != PCN_INJECT_MAGIC || h->family != PCN_FAMILY_TC) return TC_ACT_SHOT;
  struct pcn_hop hop = h->hop;
  union pcn_md_words words = {};
  struct pcn_metadata* md = &words.md;
  md->flags = PCN_MD_FROM_SLOWPATH;
  return pcn_go(ctx, md, &hop);
}
#endif

char LICENSE[] SEC("license") = "GPL";
