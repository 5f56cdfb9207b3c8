/* A test-only standard cube with two ports (indices 0 and 1) for the slow path. Every
 * packet from a port goes up with reason SLOWPATH_PROBE_REASON and the metadata words
 * {SLOWPATH_PROBE_WORD, 100 + in_port, packet length}; an ICMP echo is logged on the way
 * with %I %M %P and notified (reason SLOWPATH_PROBE_NOTIFY, its id and sequence). A packet the slow path sends into the cube (PCN_MD_FROM_SLOWPATH) leaves
 * through the other port instead. */
#include "bpf/pcn_cube.h"
#include "tests/support/slowpath_probe_abi.h"

struct icmp_echo {
  __u8 type, code;
  __u16 checksum;
  __be16 id, sequence;
};

static __always_inline void report_echo(pcn_ctx* ctx, struct pcn_metadata* md) {
  struct ethhdr* eth = pcn_data(ctx);
  if ((void*)(eth + 1) > pcn_data_end(ctx) || eth->h_proto != bpf_htons(ETH_P_IP)) return;
  struct iphdr* ip = (void*)(eth + 1);
  if ((void*)(ip + 1) > pcn_data_end(ctx) || ip->ihl != 5 || ip->protocol != IPPROTO_ICMP) return;
  struct icmp_echo* icmp = (void*)(ip + 1);
  if ((void*)(icmp + 1) > pcn_data_end(ctx)) return;
  pcn_log(ctx, md, PCN_LOG_INFO, "slowpath probe: echo from %I (%M) id %P", ip->saddr, pcn_mac(eth->h_source), icmp->id);
  pcn_notify(ctx, md, SLOWPATH_PROBE_NOTIFY, bpf_ntohs(icmp->id), bpf_ntohs(icmp->sequence), md->in_port);
}

static __always_inline int handle(pcn_ctx* ctx, struct pcn_metadata* md) {
  if (md->flags & PCN_MD_FROM_SLOWPATH) return pcn_pkt_redirect(ctx, md, md->in_port ^ 1);
  report_echo(ctx, md);
  return pcn_pkt_controller_md(ctx, md, SLOWPATH_PROBE_REASON, SLOWPATH_PROBE_WORD, 100 + md->in_port, pcn_packet_length(ctx));
}

PCN_CUBE_MAIN(handle)
PCN_LICENSE
