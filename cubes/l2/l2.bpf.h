/* The learning and flooding of the bridges (simplebridge, bridge), included by their fast
 * paths. The includer defines, before including this header:
 *
 *   // Readies the packet to leave by `port` in `vlan` (tag, port state): 0, or -1 to skip
 *   // the port. Unicast in both hook families; every clone of a TC flood.
 *   static __always_inline int l2_egress_prepare(pcn_ctx* ctx, __u32 port, __u32 vlan);
 *   // XDP: readies the packet for the broadcast to every netdev port of the flood ...
 *   static __always_inline int l2_flood_prepare(pcn_ctx* ctx, __u32 vlan);
 *   // ... and each copy of it, in the devmap's egress program, for `port`: 0, or -1 to drop it.
 *   static __always_inline int l2_flood_egress(struct xdp_md* ctx, __u32 port);
 *
 * Learning writes only what changed (a refreshed timestamp in place, a moved address by
 * one map update), so CPUs learning the same address do not keep bouncing its entry.
 * Flooding reaches netdev ports in the kernel — XDP: one devmap broadcast
 * (BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS) whose egress program adapts each copy; TC: a
 * clone per port — and ports that lead to other cubes through a copy to the slow path,
 * which sends it on (l2_config.flood says which are needed; the control plane decides on
 * every change of the topology). */
#pragma once

#include "bpf/pcn_cube.h"
#include "cubes/l2/l2_abi.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, L2_FDB_SIZE);
  __type(key, struct l2_fdb_key);
  __type(value, struct l2_fdb_entry);
} fdb SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct l2_config);
} l2_config SEC(".maps");

#ifdef PCN_HOOK_XDP
/* The netdev ports a flood reaches, keyed by ifindex, each with l2_flood_egress_prog. */
struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
  __uint(max_entries, PCN_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct bpf_devmap_val);
} l2_flood_devmap SEC(".maps");

/* Which port a netdev of l2_flood_devmap is (for the egress program). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PCN_MAX_PORTS);
  __type(key, __u32);
  __type(value, __u32);
} l2_ifindex_port SEC(".maps");
#else
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PCN_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct l2_flood_port);
} l2_flood_ports SEC(".maps");
#endif

static __always_inline struct l2_config* l2_config_get(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&l2_config, &zero);
}

static __always_inline int l2_is_group(const __u8* mac) { return mac[0] & 1; }

/* A link-local group address 01:80:c2:00:00:0x (spanning tree, pause, LACP...): never forwarded. */
static __always_inline int l2_is_link_local(const __u8* mac) {
  return mac[0] == 0x01 && mac[1] == 0x80 && mac[2] == 0xc2 && mac[3] == 0 && mac[4] == 0 && (mac[5] & 0xf0) == 0;
}

static __always_inline void l2_key(struct l2_fdb_key* k, const __u8* mac, __u32 vlan) {
  __builtin_memcpy(k->mac, mac, 6);
  k->vlan = (__u16)vlan;
}

/* Learns that `mac` (a source address) is behind `port` in `vlan`. */
static __always_inline void l2_learn(const __u8* mac, __u32 vlan, __u32 port, __u32 now) {
  if (l2_is_group(mac)) return;
  struct l2_fdb_key k;
  l2_key(&k, mac, vlan);
  struct l2_fdb_entry* e = bpf_map_lookup_elem(&fdb, &k);
  if (e) {
    if (e->flags & L2_FDB_STATIC) return;
    if (e->port == port) {
      if (e->timestamp != now) e->timestamp = now;
      return;
    }
  }
  struct l2_fdb_entry v = {.port = port, .timestamp = now, .flags = 0, .reserved = 0};
  bpf_map_update_elem(&fdb, &k, &v, BPF_ANY);
}

/* The port `mac` (a unicast destination) is behind in `vlan`, or -1: unknown or aged out. */
static __always_inline int l2_lookup(const struct l2_config* cfg, const __u8* mac, __u32 vlan, __u32 now) {
  struct l2_fdb_key k;
  l2_key(&k, mac, vlan);
  struct l2_fdb_entry* e = bpf_map_lookup_elem(&fdb, &k);
  if (!e) return -1;
  if (!(e->flags & L2_FDB_STATIC) && now - e->timestamp > cfg->aging_time) return -1;
  return (int)e->port;
}

static __always_inline int l2_egress_prepare(pcn_ctx* ctx, __u32 port, __u32 vlan);

/* Out of one port (a learned destination). */
static __always_inline int l2_forward(pcn_ctx* ctx, struct pcn_metadata* md, __u32 port, __u32 vlan) {
  if (port == md->in_port || l2_egress_prepare(ctx, port, vlan)) return pcn_pkt_drop(ctx, md);
  return pcn_pkt_redirect(ctx, md, port);
}

#ifdef PCN_HOOK_XDP
static __always_inline int l2_flood_prepare(pcn_ctx* ctx, __u32 vlan);
static __always_inline int l2_flood_egress(struct xdp_md* ctx, __u32 port);

/* Every port but the ingress one (in `vlan`). */
static __always_inline int l2_flood(pcn_ctx* ctx, struct pcn_metadata* md, const struct l2_config* cfg, __u32 vlan) {
  __u32 how = cfg->flood;
  if (l2_flood_prepare(ctx, vlan)) return pcn_pkt_drop(ctx, md); /* (a trace reads the metadata afresh) */
  if (!(how & L2_FLOOD_KERNEL)) {
    if (how & L2_FLOOD_SLOWPATH) return pcn_pkt_controller_md(ctx, md, L2_REASON_FLOOD, vlan, 0, 0);
    return pcn_pkt_drop(ctx, md);
  }
  if (how & L2_FLOOD_SLOWPATH) pcn_pkt_controller_copy(ctx, md, L2_REASON_FLOOD, vlan, 0, 0);
  return bpf_redirect_map(&l2_flood_devmap, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
}

/* Each copy of a broadcast, on its way out of one netdev port. */
SEC("xdp/devmap")
int l2_flood_egress_prog(struct xdp_md* ctx) {
  __u32 ifindex = ctx->egress_ifindex;
  __u32* port = bpf_map_lookup_elem(&l2_ifindex_port, &ifindex);
  if (!port) return XDP_DROP;
  __u32 p = *port;
  if (l2_flood_egress(ctx, p)) return XDP_DROP;
  pcn_count(ctx, p, 1);
  return XDP_PASS;
}
#else
static __always_inline int l2_flood(pcn_ctx* ctx, struct pcn_metadata* md, const struct l2_config* cfg, __u32 vlan) {
  __u32 n = cfg->flood_count;
  __u32 in_port = md->in_port;
  if (cfg->flood & L2_FLOOD_SLOWPATH) pcn_pkt_controller_copy(ctx, md, L2_REASON_FLOOD, vlan, 0, 0);
  for (__u32 i = 0; i < PCN_MAX_PORTS; i++) {
    if (i >= n) break;
    struct l2_flood_port* f = bpf_map_lookup_elem(&l2_flood_ports, &i);
    if (!f) break;
    __u32 port = f->port, ifindex = f->ifindex;
    if (port == in_port || l2_egress_prepare(ctx, port, vlan)) continue;
    pcn_count(ctx, port, 1);
    bpf_clone_redirect(ctx, ifindex, 0);
  }
  return TC_ACT_SHOT;
}
#endif

/* Seconds of CLOCK_MONOTONIC, the FDB's clock. */
static __always_inline __u32 l2_now(void) { return pcn_time_s(); }
