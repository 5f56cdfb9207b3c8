/* Netdev entry and exit of the framework. One instance runs on each netdev that a cube port
 * or a transparent cube uses, loaded with that netdev's first hop as a load-time constant:
 * the verifier then knows the tail-call slot, and the JIT makes it a direct jump (no
 * indirect branch, no retpoline) with no map lookup before it. The ingress program resets
 * the metadata and follows the first hop; the TC egress program does the same for packets
 * leaving the netdev (locally generated, or redirected by a cube). A change of first hop
 * loads a new instance that atomically replaces the attached one. */
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>

#include "bpf/pcn_maps.h"

const volatile struct pcn_hop pcn_first_hop = {};
/* Packets to trace (enabled: the program is reloaded when a trace starts or stops). */
const volatile struct pcn_trace_filter pcn_trace = {};

/* Whether the packet matches the trace filter: IPv4 fields, when any is asked for. */
static __always_inline int trace_match(pcn_ctx* ctx) {
  if (!pcn_trace.l4proto && !pcn_trace.port && !pcn_trace.src && !pcn_trace.dst && !pcn_trace.host) return 1;
  struct ethhdr* eth = pcn_data(ctx);
  struct iphdr* ip = (void*)(eth + 1);
  if ((void*)(ip + 1) > pcn_data_end(ctx) || eth->h_proto != bpf_htons(ETH_P_IP)) return 0;
  if (pcn_trace.l4proto && ip->protocol != pcn_trace.l4proto) return 0;
  if (pcn_trace.src && ip->saddr != pcn_trace.src) return 0;
  if (pcn_trace.dst && ip->daddr != pcn_trace.dst) return 0;
  if (pcn_trace.host && ip->saddr != pcn_trace.host && ip->daddr != pcn_trace.host) return 0;
  if (pcn_trace.port) {
    if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP) return 0;
    __be16* ports = (void*)ip + ip->ihl * 4;
    if ((void*)(ports + 2) > pcn_data_end(ctx)) return 0;
    if (ports[0] != pcn_trace.port && ports[1] != pcn_trace.port) return 0;
  }
  return 1;
}

static __always_inline int enter(pcn_ctx* ctx, __u8 direction) {
  if (pcn_first_hop.kind == PCN_HOP_STACK) return PCN_PASS;
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
  if (pcn_trace.enabled && trace_match(ctx)) {
    md->flags = PCN_MD_TRACE;
    pcn_trace_emit(ctx, 0, direction, 0, PCN_TRACE_ENTER, 0, 0, &pcn_first_hop);
  }
  return PCN_GO_CONSTANT(ctx, md, pcn_first_hop);
}

SEC(PCN_SECTION)
int pcn_netdev_ingress(pcn_ctx* ctx) { return enter(ctx, PCN_INGRESS); }

#ifdef PCN_HOOK_TC
SEC(PCN_SECTION)
int pcn_netdev_egress(pcn_ctx* ctx) { return enter(ctx, PCN_EGRESS); }
#endif

char LICENSE[] SEC("license") = "GPL";
