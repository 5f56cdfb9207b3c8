/* The header a cube's fast path includes. A cube is written once and built for XDP and TC:
 *
 *   #include "bpf/pcn_cube.h"
 *   static __always_inline int handle_rx(pcn_ctx* ctx, struct pcn_metadata* md) {
 *     return pcn_pkt_redirect(ctx, md, md->in_port == 0 ? 1 : 0);
 *   }
 *   PCN_CUBE_MAIN(handle_rx)
 *
 * Standard cubes see md->in_port and leave through pcn_pkt_redirect(); transparent cubes
 * (PCN_TRANSPARENT_MAIN) see the load-time constant pcn_direction and continue with
 * pcn_pkt_pass(). Both may pcn_pkt_drop(), call another μcube of the cube (pcn_call_ucube)
 * or log (pcn_log); any may hand the packet to the slow path (pcn_pkt_controller) or a copy
 * of it (pcn_pkt_controller_copy). md->cube and md->direction are not kept hop by hop:
 * they are filled in when the packet goes to the slow path.
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
#include "bpf/pcn_trace.h"

/* Set by the framework when it loads the cube. */
const volatile __u32 pcn_cube_slot = 0; /* names the cube in events and for the slow path */
const volatile __u32 pcn_log_level = PCN_LOG_INFO;
const volatile __u32 pcn_transparent = 0; /* a transparent cube */
/* A transparent cube is loaded once per direction, each instance in a panel slot of its
 * own: the direction its packets travel in, enum pcn_direction (PCN_INGRESS for a
 * standard cube). Branches on it cost nothing: the verifier keeps the one that applies. */
const volatile __u32 pcn_direction = PCN_INGRESS;
/* A transparent cube's successor in pcn_direction: a constant, so that the tail call in
 * pcn_pkt_pass() is a direct jump. Changing it reloads the cube. */
const volatile struct pcn_hop pcn_next_hop = {};
/* Set while a packet trace runs anywhere (see pcn_traced). Changing it reloads the cube. */
const volatile __u32 pcn_trace_hops = 0;

/* The cube's ports: where a packet sent out of port i goes next. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PCN_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct pcn_hop);
} cube_ports SEC(".maps");

/* Port counters, a row of PCN_MAX_PORTS per possible CPU: each CPU writes its own row, as
 * in a per-CPU array, but the map is one allocation (a per-CPU array makes one per port,
 * most of the cost of creating a cube) that userspace reads through mmap. The loader sizes
 * it: PCN_MAX_PORTS times the possible CPUs. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PCN_MAX_PORTS);
  __uint(map_flags, BPF_F_MMAPABLE);
  __type(key, __u32);
  __type(value, struct pcn_port_stats);
} cube_port_stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pcn_cube_stats);
} cube_stats SEC(".maps");

/* The cube's μcubes besides the master, by index (see PCN_UCUBE). */
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, PCN_MAX_UCUBES);
  __type(key, __u32);
  __type(value, __u32);
} cube_ucubes SEC(".maps");

static __always_inline void pcn_count(pcn_ctx* ctx, __u32 port, int tx) {
  if (port >= PCN_MAX_PORTS) return; /* not a port: it would count in another CPU's row */
  __u32 key = bpf_get_smp_processor_id() * PCN_MAX_PORTS + port;
  struct pcn_port_stats* s = bpf_map_lookup_elem(&cube_port_stats, &key);
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

/* The metadata of a traced packet, or null. Only while some netdev is traced are cubes
 * loaded with pcn_trace_hops set; otherwise the verifier drops the branch, and disabled
 * tracing costs a load of that constant and nothing else. */
static __always_inline struct pcn_metadata* pcn_traced(pcn_ctx* ctx, struct pcn_metadata* md) {
  if (!pcn_trace_hops) return 0;
  md = pcn_md_fresh(ctx, md);
  return (md->flags & PCN_MD_TRACE) ? md : 0;
}

/* A hop of a traced packet, named by this cube's slot, direction and ingress port. */
static __always_inline void pcn_trace_hop(pcn_ctx* ctx, struct pcn_metadata* md, __u8 verdict, __u8 reason, __u16 out_port,
                                          const volatile struct pcn_hop* hop) {
  __u16 in_port = pcn_transparent ? 0 : md->in_port;
  pcn_trace_emit(ctx, (__u16)pcn_cube_slot, (__u8)pcn_direction, in_port, verdict, reason, out_port, hop, 0);
}

/* Reports a hop when the packet is traced: PCN_TRACE_HOP(ctx, md, verdict, reason, out_port, hop). */
#define PCN_TRACE_HOP(ctx, md, ...)                                     \
  do {                                                                  \
    struct pcn_metadata* pcn_traced_md = pcn_traced(ctx, md);           \
    if (pcn_traced_md) pcn_trace_hop(ctx, pcn_traced_md, __VA_ARGS__);  \
  } while (0)

/* Sends the packet out of one of the cube's ports: to the peer cube (through the
 * transparent cubes in between) or the peer netdev. An unconnected port drops. */
static __always_inline int pcn_pkt_redirect(pcn_ctx* ctx, struct pcn_metadata* md, __u32 out_port) {
  struct pcn_hop* hop = bpf_map_lookup_elem(&cube_ports, &out_port);
  if (!hop) {
    PCN_TRACE_HOP(ctx, md, PCN_TRACE_DROP, PCN_DROP_REASON_NO_PORT, (__u16)out_port, 0);
    return PCN_DROP;
  }
  pcn_count(ctx, out_port, 1);
  PCN_TRACE_HOP(ctx, md, PCN_TRACE_FORWARD, 0, (__u16)out_port, hop);
  return pcn_go_to(ctx, md, hop, PCN_MD_DECLARED);
}

/* A transparent cube lets the packet continue in the direction it was going. The usual
 * successor, another transparent cube, is tested for first: the verifier then keeps the
 * tail call alone, without the comparisons of the other kinds. */
static __always_inline int pcn_pkt_pass(pcn_ctx* ctx, struct pcn_metadata* md) {
  PCN_TRACE_HOP(ctx, md, PCN_TRACE_PASS, 0, 0, &pcn_next_hop);
  if (pcn_next_hop.kind == PCN_HOP_TRANSPARENT) {
    pcn_md_keep(ctx, md, PCN_MD_DECLARED);
    bpf_tail_call(ctx, &PCN_PANEL, pcn_next_hop.target);
    return PCN_DROP;
  }
  return pcn_go_to(ctx, md, &pcn_next_hop, PCN_MD_DECLARED);
}

/* Drops the packet; a trace shows the reason (PCN_DROP_REASON_USER and up: the cube's own). */
static __always_inline int pcn_pkt_drop_reason(pcn_ctx* ctx, struct pcn_metadata* md, __u8 reason) {
  PCN_TRACE_HOP(ctx, md, PCN_TRACE_DROP, reason, 0, 0);
  return PCN_DROP;
}

static __always_inline int pcn_pkt_drop(pcn_ctx* ctx, struct pcn_metadata* md) {
  return pcn_pkt_drop_reason(ctx, md, PCN_DROP_REASON_CUBE);
}

/* Continues in μcube `index` of this cube; returns only if it is not loaded (then drop). */
static __always_inline int pcn_call_ucube(pcn_ctx* ctx, struct pcn_metadata* md, __u32 index) {
  PCN_TRACE_HOP(ctx, md, PCN_TRACE_UCUBE, 0, (__u16)index, 0);
  pcn_md_store_changes(ctx, md);
  bpf_tail_call(ctx, &cube_ucubes, index);
  return PCN_DROP;
}

/* ---- Userspace ---- */

static __always_inline struct pcn_cube_stats* pcn_stats(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&cube_stats, &zero);
}

/* What names the cube in events and in the slow path: its slot, the direction (a
 * transparent cube's, from constants) and the port a standard cube received the packet on. */
static __always_inline __u16 pcn_md_port(struct pcn_metadata* md) { return pcn_transparent ? 0 : md->in_port; }

/* Fills in what hops do not keep, before a packet goes to the slow path. */
static __always_inline void pcn_md_identify(struct pcn_metadata* md) {
  md->cube = (__u16)pcn_cube_slot;
  md->direction = (__u8)pcn_direction;
  md->in_port = pcn_md_port(md);
}

static __always_inline void pcn_event_header(struct pcn_event_header* h, __u32 kind, struct pcn_metadata* md) {
  h->kind = (__u16)kind;
  h->family = PCN_FAMILY;
  h->direction = (__u8)pcn_direction;
  h->cube = (__u16)pcn_cube_slot;
  h->port = pcn_md_port(md);
}

/* The packet (its first PCN_PACKET_EVENT_MAX bytes) and its metadata into the ring buffer,
 * for the slow path; the packet itself is left as it is. 0 when queued. */
static __always_inline int pcn_ringbuf_packet(pcn_ctx* ctx, struct pcn_metadata* md) {
  struct pcn_packet_event* ev = bpf_ringbuf_reserve(&pcn_events, sizeof(*ev), 0);
  if (!ev) return -1;
  pcn_event_header(&ev->header, PCN_EVENT_PACKET, md);
  __builtin_memcpy(&ev->metadata, md, sizeof(*md));
  __u32 length = pcn_packet_length(ctx);
  /* 64 bits wide, so that the bounds checked below stay tied to the register the helper
   * gets (the verifier follows copies, not 32-bit truncations). */
  __u64 captured = length < PCN_PACKET_EVENT_MAX ? length : PCN_PACKET_EVENT_MAX;
  ev->length = length;
  ev->captured = 0;
  asm volatile("" : "+r"(captured));
  if (captured >= 1 && captured <= PCN_PACKET_EVENT_MAX) {
#ifdef PCN_HOOK_XDP
    if (bpf_xdp_load_bytes(ctx, 0, ev->data, captured) == 0) ev->captured = captured;
#else
    if (bpf_skb_load_bytes(ctx, 0, ev->data, captured) == 0) ev->captured = captured;
#endif
  }
  bpf_ringbuf_submit(ev, 0);
  return 0;
}

/* Hands the packet to the cube's slow path (its packet_in handler) with a reason; the
 * cube may have set md->data[0..2] for it. The packet leaves the fast path. */
static __always_inline int pcn_pkt_controller(pcn_ctx* ctx, struct pcn_metadata* md, __u8 reason) {
  md = pcn_md_fresh(ctx, md);
  struct pcn_cube_stats* stats = pcn_stats();
  PCN_TRACE_HOP(ctx, md, PCN_TRACE_SLOWPATH, reason, 0, 0);
  md->reason = reason;
  pcn_md_identify(md);
#ifdef PCN_HOOK_XDP
  /* AF_XDP hands userspace the bytes in front of the frame: a copy of md there, exactly
   * one pcn_metadata whatever the area held (a previous hop's survives a veth). */
  int metalen = (int)(ctx->data - ctx->data_meta);
  struct pcn_metadata* area = 0;
  if (bpf_xdp_adjust_meta(ctx, metalen - (int)sizeof(struct pcn_metadata)) == 0) area = (void*)(long)ctx->data_meta;
  if (area && (void*)(area + 1) > (void*)(long)ctx->data) area = 0;
  if (area) *area = *md;
  __u32 ifindex = ctx->ingress_ifindex;
  __u32* base = bpf_map_lookup_elem(&pcn_xsk_base, &ifindex);
  __u32 key = (base ? *base : 0) + ctx->rx_queue_index;
  if (!area || !base || ctx->rx_queue_index >= PCN_MAX_QUEUES || !bpf_map_lookup_elem(&pcn_xsks, &key)) {
    if (stats) stats->slowpath_drops++;
    return XDP_DROP;
  }
  if (stats) stats->slowpath_packets++;
  return bpf_redirect_map(&pcn_xsks, key, XDP_DROP);
#else
  if (pcn_ringbuf_packet(ctx, md)) {
    if (stats) stats->slowpath_drops++;
    return TC_ACT_SHOT;
  }
  if (stats) stats->slowpath_packets++;
  return TC_ACT_SHOT;
#endif
}

/* A copy of the packet to the slow path (packet_in, with this reason and md->data[0..2] =
 * d0..d2) through the ring buffer, while the packet itself goes on in the fast path: e.g. a
 * flood that reaches netdevs in the kernel and other cubes through userspace. 0 when
 * queued; counted like pcn_pkt_controller(). */
static __always_inline int pcn_pkt_controller_copy(pcn_ctx* ctx, struct pcn_metadata* md, __u8 reason, __u32 d0, __u32 d1,
                                                   __u32 d2) {
  struct pcn_cube_stats* stats = pcn_stats();
  struct pcn_metadata copy = *md;
  copy.reason = reason;
  pcn_md_identify(&copy);
  copy.data[0] = d0;
  copy.data[1] = d1;
  copy.data[2] = d2;
  if (pcn_ringbuf_packet(ctx, &copy)) {
    if (stats) stats->slowpath_drops++;
    return -1;
  }
  if (stats) stats->slowpath_packets++;
  return 0;
}

/* Same, setting the three words of metadata the slow path receives. */
static __always_inline int pcn_pkt_controller_md(pcn_ctx* ctx, struct pcn_metadata* md, __u8 reason, __u32 d0, __u32 d1, __u32 d2) {
  md->data[0] = d0;
  md->data[1] = d1;
  md->data[2] = d2;
  return pcn_pkt_controller(ctx, md, reason);
}

/* Tells the cube's control plane something without the packet (which goes on). */
static __always_inline void pcn_notify(pcn_ctx* ctx, struct pcn_metadata* md, __u32 reason, __u32 d0, __u32 d1, __u32 d2) {
  struct pcn_notify_event* ev = bpf_ringbuf_reserve(&pcn_events, sizeof(*ev), 0);
  if (!ev) {
    struct pcn_cube_stats* stats = pcn_stats();
    if (stats) stats->event_drops++;
    return;
  }
  pcn_event_header(&ev->header, PCN_EVENT_NOTIFY, md);
  ev->reason = reason;
  ev->data[0] = d0;
  ev->data[1] = d1;
  ev->data[2] = d2;
  bpf_ringbuf_submit(ev, 0);
}

static __always_inline void pcn_log_emit(struct pcn_metadata* md, __u32 level, const char* format, __u32 format_size,
                                         const __u64* args) {
  struct pcn_log_event* ev = bpf_ringbuf_reserve(&pcn_events, sizeof(*ev), 0);
  if (!ev) {
    struct pcn_cube_stats* stats = pcn_stats();
    if (stats) stats->event_drops++;
    return;
  }
  pcn_event_header(&ev->header, PCN_EVENT_LOG, md);
  ev->level = level;
  ev->format_length = format_size;
#pragma unroll
  for (int i = 0; i < PCN_LOG_MAX_ARGS; i++) ev->args[i] = args[i];
  bpf_probe_read_kernel_str(ev->format, sizeof(ev->format), format);
  bpf_ringbuf_submit(ev, 0);
}

/* pcn_log(ctx, md, PCN_LOG_DEBUG, "from %I port %P", ip, port): a message in the daemon's
 * log, tagged with the cube. Formats: %d %u %x, %I (IPv4, network order), %M (MAC, see
 * pcn_mac), %P (L4 port, network order). Up to PCN_LOG_MAX_ARGS arguments. A message below
 * the cube's level (a load-time constant) is removed by the verifier: it costs nothing. */
#define pcn_log(ctx, md, level, format, ...)                                                     do {                                                                                             if ((level) >= pcn_log_level) {                                                                  static const char ____format[] = format;                                                       _Static_assert(sizeof(____format) <= PCN_LOG_FORMAT_MAX, "pcn_log: format too long");         __u64 ____args[PCN_LOG_MAX_ARGS + 1] = {0, ##__VA_ARGS__};                                     pcn_log_emit(md, level, ____format, sizeof(____format), ____args + 1);                       }                                                                                            } while (0)

/* A MAC address as a pcn_log argument for %M. */
static __always_inline __u64 pcn_mac(const unsigned char* mac) {
  __u64 v = 0;
#pragma unroll
  for (int i = 0; i < 6; i++) v = (v << 8) | mac[i];
  return v;
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

/* The VLAN id of the outer 802.1Q tag in the frame's bytes, or -1. */
static __always_inline int pcn_vlan_in_frame(pcn_ctx* ctx) {
  struct ethhdr* eth = pcn_data(ctx);
  if ((void*)(eth + 1) + sizeof(struct pcn_vlan_hdr) > pcn_data_end(ctx)) return -1;
  if (!pcn_is_vlan(eth->h_proto)) return -1;
  struct pcn_vlan_hdr* vh = (void*)(eth + 1);
  return bpf_ntohs(vh->tci) & 0x0fff;
}

#ifdef PCN_HOOK_XDP
/* The VLAN id of the packet's outer tag, or -1 when it has none. */
static __always_inline int pcn_vlan_id(pcn_ctx* ctx) { return pcn_vlan_in_frame(ctx); }

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
/* TC: the kernel keeps a received outer tag out of the bytes (skb->vlan_tci) before TC
 * ingress, and pushed tags go there too; a frame built by hand (a test run) has it in the
 * bytes. These helpers take both. */
static __always_inline int pcn_vlan_id(pcn_ctx* ctx) {
  if (ctx->vlan_present) return ctx->vlan_tci & 0x0fff;
  return pcn_vlan_in_frame(ctx);
}
static __always_inline int pcn_vlan_pop(pcn_ctx* ctx) {
  int vid = pcn_vlan_id(ctx);
  if (vid < 0) return -1;
  return bpf_skb_vlan_pop(ctx) ? -1 : vid;
}
static __always_inline int pcn_vlan_push(pcn_ctx* ctx, __u16 vid) {
  return bpf_skb_vlan_push(ctx, bpf_htons(ETH_P_8021Q), vid & 0x0fff) ? -1 : 0;
}
#endif
