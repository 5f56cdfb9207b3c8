/* packetcapture: copies the packets crossing it, in the directions asked for and matching
 * the filters, into a ring buffer of the cube's own (up to snaplen bytes, with a timestamp
 * and the direction), then lets the packet go on untouched with pcn_pkt_pass().
 *
 * The directions, the snaplen and the filters are load-time constants: a change reloads
 * the cube (atomically), and the verifier keeps only the code that applies, so a capture
 * that is OFF costs its tail call, and a filter that is not set costs nothing.
 *
 * bpf_ringbuf_reserve() takes a constant size: a copy reserves the smallest of a few size
 * classes that holds it, so a 64-byte ping does not take 64 KiB of the ring. */
#include <linux/ip.h>
#include <linux/tcp.h>

#include "bpf/pcn_cube.h"
#include "cubes/packetcapture/packetcapture_abi.h"

const volatile __u8 capture_ingress = 0;
const volatile __u8 capture_egress = 0;
const volatile __u32 snaplen = PACKETCAPTURE_MAX_COPY;
const volatile __u32 filter_flags = 0;
const volatile __u32 filter_src = 0;
const volatile __u32 filter_src_mask = 0;
const volatile __u32 filter_dst = 0;
const volatile __u32 filter_dst_mask = 0;
const volatile __u8 filter_l4proto = 0;
const volatile __u16 filter_sport = 0;
const volatile __u16 filter_dport = 0;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 22);
} capture_ring SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct packetcapture_stats);
} capture_stats SEC(".maps");

/* The packet against the fast-path filters: IPv4 (after at most one VLAN tag), its
 * addresses, protocol and, for TCP, UDP and SCTP (not a later fragment), its ports. */
static __always_inline int matches(pcn_ctx* ctx) {
  if (filter_flags == 0) return 1;
  void* data = pcn_data(ctx);
  void* end = pcn_data_end(ctx);
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return 0;
  __be16 proto = eth->h_proto;
  void* l3 = eth + 1;
  if (pcn_is_vlan(proto)) {
    struct pcn_vlan_hdr* vh = l3;
    if ((void*)(vh + 1) > end) return 0;
    proto = vh->encapsulated_proto;
    l3 = vh + 1;
  }
  if (proto != bpf_htons(ETH_P_IP)) return 0;
  struct iphdr* ip = l3;
  if ((void*)(ip + 1) > end) return 0;
  if ((filter_flags & PACKETCAPTURE_FILTER_SRC) && (ip->saddr & filter_src_mask) != filter_src) return 0;
  if ((filter_flags & PACKETCAPTURE_FILTER_DST) && (ip->daddr & filter_dst_mask) != filter_dst) return 0;
  if ((filter_flags & PACKETCAPTURE_FILTER_PROTO) && ip->protocol != filter_l4proto) return 0;
  if (filter_flags & (PACKETCAPTURE_FILTER_SPORT | PACKETCAPTURE_FILTER_DPORT)) {
    if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP && ip->protocol != IPPROTO_SCTP) return 0;
    if (ip->frag_off & bpf_htons(0x1fff)) return 0; /* a later fragment has no ports */
    __u32 ihl = ip->ihl * 4;
    if (ihl < sizeof(*ip) || ihl > 60) return 0;
    __be16* ports = l3 + ihl;
    if ((void*)(ports + 2) > end) return 0;
    if ((filter_flags & PACKETCAPTURE_FILTER_SPORT) && ports[0] != filter_sport) return 0;
    if ((filter_flags & PACKETCAPTURE_FILTER_DPORT) && ports[1] != filter_dport) return 0;
  }
  return 1;
}

static __always_inline int load_bytes(pcn_ctx* ctx, void* to, __u32 length) {
#ifdef PCN_HOOK_XDP
  return bpf_xdp_load_bytes(ctx, 0, to, length);
#else
  return bpf_skb_load_bytes(ctx, 0, to, length);
#endif
}

/* n = min(max(n, 1), max), computed in the register the helper then gets: written in C,
 * the compiler tests a zero-extended copy and the verifier does not see the bounds. */
#define PACKETCAPTURE_CLAMP(n, max)                                                    \
  asm volatile("if %[v] <= %[m] goto +1\n\t%[v] = %[m]\n\tif %[v] > 0 goto +1\n\t%[v] = 1" \
               : [v] "+r"(n)                                                           \
               : [m] "i"(max))

/* Reserves a record with room for `size` bytes of packet and fills it; 0 when queued. */
#define PACKETCAPTURE_COPY_CLASS(size)                                                            \
  if (captured <= (size)) {                                                                       \
    struct {                                                                                      \
      struct packetcapture_event header;                                                          \
      __u8 data[size];                                                                            \
    }* record = bpf_ringbuf_reserve(&capture_ring, sizeof(*record), 0);                           \
    if (!record) return -1;                                                                       \
    record->header.timestamp_ns = now;                                                            \
    record->header.length = length;                                                               \
    record->header.ifindex = pcn_ingress_ifindex(ctx);                                            \
    record->header.direction = (__u8)pcn_direction;                                               \
    record->header.reserved[0] = record->header.reserved[1] = record->header.reserved[2] = 0;     \
    record->header.captured = 0;                                                                  \
    __u64 n = captured;                                                                           \
    PACKETCAPTURE_CLAMP(n, size);                                                                 \
    if (load_bytes(ctx, record->data, (__u32)n) == 0) record->header.captured = (__u32)n;        \
    bpf_ringbuf_submit(record, wakeup);                                                           \
    return 0;                                                                                     \
  }

static __always_inline int copy(pcn_ctx* ctx, struct pcn_metadata* md, struct packetcapture_stats* stats) {
  __u64 now = pcn_time_ns();
  __u64 wakeup = BPF_RB_NO_WAKEUP;
  if (stats && now - stats->last_wakeup_ns >= PACKETCAPTURE_WAKEUP_NS) {
    wakeup = 0; /* the ring's own rule: wake the reader if it has caught up */
    stats->last_wakeup_ns = now;
  }
  __u32 length = pcn_packet_length(ctx);
  __u32 captured = length < snaplen ? length : snaplen;
  if (captured > PACKETCAPTURE_MAX_COPY) captured = PACKETCAPTURE_MAX_COPY;
  PACKETCAPTURE_COPY_CLASS(128)
  PACKETCAPTURE_COPY_CLASS(256)
  PACKETCAPTURE_COPY_CLASS(512)
  PACKETCAPTURE_COPY_CLASS(1024)
  PACKETCAPTURE_COPY_CLASS(1536)
  PACKETCAPTURE_COPY_CLASS(2048)
  PACKETCAPTURE_COPY_CLASS(4096)
  PACKETCAPTURE_COPY_CLASS(9216)
  PACKETCAPTURE_COPY_CLASS(16384)
  PACKETCAPTURE_COPY_CLASS(PACKETCAPTURE_MAX_COPY)
  return -1;
}

static __always_inline int handle(pcn_ctx* ctx, struct pcn_metadata* md) {
  if (pcn_direction == PCN_EGRESS ? capture_egress : capture_ingress) {
    __u32 zero = 0;
    struct packetcapture_stats* stats = bpf_map_lookup_elem(&capture_stats, &zero);
    if (stats) stats->seen++;
    if (matches(ctx)) {
      if (copy(ctx, md, stats) == 0) {
        if (stats) stats->copied++;
      } else if (stats) {
        stats->ring_drops++;
      }
    }
  }
  return pcn_pkt_pass(ctx, md);
}

PCN_TRANSPARENT_MAIN(handle)
PCN_LICENSE
