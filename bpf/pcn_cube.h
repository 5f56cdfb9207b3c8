/* The header a cube's fast path includes. A cube is written once and built for XDP and TC:
 *
 *   #include "bpf/pcn_cube.h"
 *   static __always_inline int handle_rx(pcn_ctx* ctx, struct pcn_metadata* md) {
 *     return pcn_pkt_redirect(ctx, md, md->in_port == 0 ? 1 : 0);
 *   }
 *   PCN_CUBE_MAIN(handle_rx)
 *
 * Standard cubes see md->in_port and leave through pcn_pkt_redirect(); transparent cubes
 * (PCN_TRANSPARENT_MAIN) see md->direction and continue with pcn_pkt_pass(). Both may
 * pcn_pkt_drop(), call another μcube of the cube (pcn_call_ucube) or log (pcn_log).
 *
 * Map scopes, by name: maps named public_* are shared by every cube that declares them;
 * any other map of the cube is shared by the μcubes of one cube instance; a μcube loaded
 * from an object of its own keeps the maps only it declares private. All are pinned, so
 * state survives a restart of the daemon. */
#pragma once

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>

#include "bpf/pcn_hook.h"
#include "bpf/pcn_maps.h"

/* Set by the framework when it loads the cube. */
const volatile __u32 pcn_cube_slot = 0;
const volatile __u32 pcn_log_level = PCN_LOG_INFO;

/* The cube's ports: where a packet sent out of port i goes next. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PCN_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct pcn_hop);
} cube_ports SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, PCN_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct pcn_port_stats);
} cube_port_stats SEC(".maps");

/* The cube's μcubes besides the master, by index (see PCN_UCUBE). */
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, PCN_MAX_UCUBES);
  __type(key, __u32);
  __type(value, __u32);
} cube_ucubes SEC(".maps");

static __always_inline void pcn_count(pcn_ctx* ctx, __u32 port, int tx) {
  struct pcn_port_stats* s = bpf_map_lookup_elem(&cube_port_stats, &port);
  if (!s) return;
  __u32 len = pcn_packet_length(ctx);
  if (tx) {
    s->tx_packets++;
    s->tx_bytes += len;
  } else {
    s->rx_packets++;
    s->rx_bytes += len;
  }
}

/* Sends the packet out of one of the cube's ports: to the peer cube (through the
 * transparent cubes in between) or the peer netdev. An unconnected port drops. */
static __always_inline int pcn_pkt_redirect(pcn_ctx* ctx, struct pcn_metadata* md, __u32 out_port) {
  struct pcn_hop* hop = bpf_map_lookup_elem(&cube_ports, &out_port);
  if (!hop) return PCN_DROP;
  pcn_count(ctx, out_port, 1);
  return pcn_go(ctx, md, hop);
}

/* A transparent cube lets the packet continue in the direction it was going. */
static __always_inline int pcn_pkt_pass(pcn_ctx* ctx, struct pcn_metadata* md) {
  __u32 key = pcn_chain_key(pcn_cube_slot, md->direction);
  struct pcn_hop* hop = bpf_map_lookup_elem(&PCN_CHAIN, &key);
  if (!hop) return PCN_DROP;
  return pcn_go(ctx, md, hop);
}

static __always_inline int pcn_pkt_drop(pcn_ctx* ctx, struct pcn_metadata* md) { return PCN_DROP; }

/* Continues in μcube `index` of this cube; returns only if it is not loaded (then drop). */
static __always_inline int pcn_call_ucube(pcn_ctx* ctx, struct pcn_metadata* md, __u32 index) {
  pcn_md_store(ctx, md);
  bpf_tail_call(ctx, &cube_ucubes, index);
  return PCN_DROP;
}

/* Entry points. The master μcube counts the packet on its ingress port (standard cubes). */
#define PCN_CUBE_MAIN(handler)                     \
  SEC(PCN_SECTION) int pcn_master(pcn_ctx* ctx) {  \
    PCN_MD_DECLARE(ctx, md)                        \
    pcn_count(ctx, md->in_port, 0);                \
    return handler(ctx, md);                       \
  }

#define PCN_TRANSPARENT_MAIN(handler)              \
  SEC(PCN_SECTION) int pcn_master(pcn_ctx* ctx) {  \
    PCN_MD_DECLARE(ctx, md)                        \
    return handler(ctx, md);                       \
  }

/* Another μcube, reached with pcn_call_ucube(ctx, md, index). */
#define PCN_UCUBE(index, handler)                          \
  SEC(PCN_SECTION) int pcn_ucube_##index(pcn_ctx* ctx) {   \
    PCN_MD_DECLARE(ctx, md)                                \
    return handler(ctx, md);                               \
  }

#define PCN_LICENSE char LICENSE[] SEC("license") = "GPL";

/* ---- Helpers for packet work ---- */

static __always_inline __u64 pcn_time_ns(void) { return bpf_ktime_get_ns(); }
static __always_inline __u32 pcn_time_s(void) { return (__u32)(bpf_ktime_get_ns() / 1000000000ull); }

/* Incremental checksum update (RFC 1624) when a 16- or 32-bit field changes. */
static __always_inline __u16 pcn_csum_fold(__u32 sum) {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return (__u16)~sum;
}
static __always_inline void pcn_csum_replace2(__u16* check, __u16 old, __u16 new_value) {
  __u32 sum = (__u16)~*check + (__u16)~old + new_value;
  *check = pcn_csum_fold(sum);
}
static __always_inline void pcn_csum_replace4(__u16* check, __u32 old, __u32 new_value) {
  pcn_csum_replace2(check, (__u16)(old >> 16), (__u16)(new_value >> 16));
  pcn_csum_replace2(check, (__u16)(old & 0xffff), (__u16)(new_value & 0xffff));
}

/* Full IPv4 header checksum (options included, bounded to 60 bytes). */
static __always_inline __u16 pcn_ipv4_csum(struct iphdr* ip, void* data_end) {
  __u32 sum = 0;
  __u16* p = (__u16*)ip;
  __u16 saved = ip->check;
  ip->check = 0;
#pragma unroll
  for (int i = 0; i < 30; i++) {
    if (i >= ip->ihl * 2) break;
    if ((void*)(p + i + 1) > data_end) break;
    sum += p[i];
  }
  ip->check = saved;
  return pcn_csum_fold(sum);
}

/* VLAN: 802.1Q tag in front of the ethertype. */
struct pcn_vlan_hdr {
  __be16 tci;
  __be16 encapsulated_proto;
};

static __always_inline int pcn_is_vlan(__be16 proto) {
  return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

#ifdef PCN_HOOK_XDP
/* Removes the outer VLAN tag; returns its VLAN id, or -1 if the frame has none. */
static __always_inline int pcn_vlan_pop(pcn_ctx* ctx) {
  struct ethhdr* eth = pcn_data(ctx);
  if ((void*)(eth + 1) + sizeof(struct pcn_vlan_hdr) > pcn_data_end(ctx)) return -1;
  if (!pcn_is_vlan(eth->h_proto)) return -1;
  struct pcn_vlan_hdr* vh = (void*)(eth + 1);
  int vid = bpf_ntohs(vh->tci) & 0x0fff;
  __be16 inner = vh->encapsulated_proto;
  struct ethhdr copy;
  __builtin_memcpy(&copy, eth, sizeof copy);
  if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct pcn_vlan_hdr))) return -1;
  eth = pcn_data(ctx);
  if ((void*)(eth + 1) > pcn_data_end(ctx)) return -1;
  __builtin_memcpy(eth, &copy, sizeof copy);
  eth->h_proto = inner;
  return vid;
}

/* Adds an 802.1Q tag with this VLAN id; 0 on success. */
static __always_inline int pcn_vlan_push(pcn_ctx* ctx, __u16 vid) {
  struct ethhdr* eth = pcn_data(ctx);
  if ((void*)(eth + 1) > pcn_data_end(ctx)) return -1;
  struct ethhdr copy;
  __builtin_memcpy(&copy, eth, sizeof copy);
  if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct pcn_vlan_hdr))) return -1;
  eth = pcn_data(ctx);
  struct pcn_vlan_hdr* vh = (void*)(eth + 1);
  if ((void*)(vh + 1) > pcn_data_end(ctx)) return -1;
  __builtin_memcpy(eth, &copy, sizeof copy);
  vh->tci = bpf_htons(vid & 0x0fff);
  vh->encapsulated_proto = copy.h_proto;
  eth->h_proto = bpf_htons(ETH_P_8021Q);
  return 0;
}
#else
static __always_inline int pcn_vlan_pop(pcn_ctx* ctx) {
  if (!ctx->vlan_present) return -1;
  int vid = ctx->vlan_tci & 0x0fff;
  return bpf_skb_vlan_pop(ctx) ? -1 : vid;
}
static __always_inline int pcn_vlan_push(pcn_ctx* ctx, __u16 vid) {
  return bpf_skb_vlan_push(ctx, bpf_htons(ETH_P_8021Q), vid & 0x0fff) ? -1 : 0;
}
#endif
