/* bridge: a learning switch with 802.1Q VLANs and the spanning tree. Learning and flooding
 * are cubes/l2/l2.bpf.h's, per VLAN (an address is learned in its VLAN, a flood stays in
 * it). Access ports carry one VLAN untagged; trunk ports their allowed VLANs tagged and the
 * native VLAN untagged. In XDP a flood is tagged before the broadcast and each copy leaves
 * as its port wants it (the devmap's egress program); in TC each clone is tagged or not
 * before it goes. BPDUs go to the slow path, which runs the spanning tree and sets the
 * port states the fast path obeys: nothing in or out of a blocking or listening port,
 * learning only in learning. */
#include "bpf/pcn_cube.h"
#include "cubes/bridge/bridge_abi.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PCN_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct bridge_port);
} bridge_ports SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bridge_config);
} bridge_config SEC(".maps");

static __always_inline struct bridge_port* bridge_port_get(__u32 port) { return bpf_map_lookup_elem(&bridge_ports, &port); }

static __always_inline int bridge_tagged(const struct bridge_port* p, __u32 vlan) {
  vlan &= 0x0fff;
  return (p->tagged[vlan >> 6] >> (vlan & 63)) & 1;
}

/* Makes the outer tag of the frame `want` (a VLAN id), or none (-1). */
static __always_inline int bridge_set_tag(pcn_ctx* ctx, int want) {
  int have = pcn_vlan_id(ctx);
  if (have == want) return 0;
  if (have >= 0 && pcn_vlan_pop(ctx) < 0) return -1;
  if (want >= 0 && pcn_vlan_push(ctx, (__u16)want)) return -1;
  return 0;
}

static __always_inline int l2_egress_prepare(pcn_ctx* ctx, __u32 port, __u32 vlan) {
  struct bridge_port* p = bridge_port_get(port);
  if (!p || p->state != BRIDGE_PORT_FORWARDING) return -1;
  if (vlan == p->untagged_vlan) return bridge_set_tag(ctx, -1);
  if (bridge_tagged(p, vlan)) return bridge_set_tag(ctx, (int)vlan);
  return -1;
}

#ifdef PCN_HOOK_XDP
/* The broadcast carries the VLAN in its tag: each copy's egress program reads it there
 * (the XDP metadata does not reach it in generic mode). */
static __always_inline int l2_flood_prepare(pcn_ctx* ctx, __u32 vlan) { return bridge_set_tag(ctx, (int)vlan); }
static __always_inline int l2_flood_egress(struct xdp_md* ctx, __u32 port) {
  int vlan = pcn_vlan_id(ctx);
  if (vlan <= 0) return -1;
  return l2_egress_prepare(ctx, port, (__u32)vlan);
}
#endif

#include "cubes/l2/l2.bpf.h"

static __always_inline int handle_rx(pcn_ctx* ctx, struct pcn_metadata* md) {
  struct ethhdr* eth = pcn_data(ctx);
  if ((void*)(eth + 1) > pcn_data_end(ctx)) return pcn_pkt_drop(ctx, md);
  __u32 zero = 0;
  struct bridge_config* bc = bpf_map_lookup_elem(&bridge_config, &zero);
  struct l2_config* cfg = l2_config_get();
  if (!bc || !cfg) return pcn_pkt_drop(ctx, md);
  __u32 in_port = md->in_port;
  if (l2_is_link_local(eth->h_dest)) {
    if (bc->stp_enabled && eth->h_dest[5] == 0) return pcn_pkt_controller(ctx, md, L2_REASON_BPDU);
    return pcn_pkt_drop(ctx, md);
  }
  struct bridge_port* p = bridge_port_get(in_port);
  if (!p || p->state < BRIDGE_PORT_LEARNING) return pcn_pkt_drop(ctx, md);

  /* The frame's VLAN: its tag (a priority tag counts as none), or the port's untagged VLAN. */
  int tag = pcn_vlan_id(ctx);
  __u32 vlan = p->untagged_vlan;
  if (tag > 0) {
    if ((__u32)tag != p->untagged_vlan && !bridge_tagged(p, (__u32)tag)) return pcn_pkt_drop(ctx, md);
    vlan = (__u32)tag;
  }
  if (!vlan) return pcn_pkt_drop(ctx, md);

  __u32 now = l2_now();
  l2_learn(eth->h_source, vlan, in_port, now);
  if (p->state != BRIDGE_PORT_FORWARDING) return pcn_pkt_drop(ctx, md);
  if (!l2_is_group(eth->h_dest)) {
    int out = l2_lookup(cfg, eth->h_dest, vlan, now);
    pcn_log(ctx, md, PCN_LOG_TRACE, "bridge: %M vlan %u from port %u: port %d", pcn_mac(eth->h_dest), vlan, in_port, out);
    if (out >= 0) return l2_forward(ctx, md, (__u32)out, vlan);
  }
  return l2_flood(ctx, md, cfg, vlan);
}

PCN_CUBE_MAIN(handle_rx)
PCN_LICENSE
