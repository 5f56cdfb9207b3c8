/* Packet trace in the fast path (see pcn_trace_event in pcn_abi.h): the records of a traced
 * packet's hops, and the filter that decides, where a trace starts, which packets it
 * follows. Used by the netdev entry program and, through pcn_cube.h, by every cube. */
#pragma once

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>

#include "bpf/pcn_maps.h"

/* One record of a traced packet (PCN_MD_TRACE) into the events ring; lost when it is full.
 * `trace`: for PCN_TRACE_ENTER, the trace that flagged the packet. */
static __always_inline void pcn_trace_emit(pcn_ctx* ctx, __u16 cube, __u8 direction, __u16 in_port, __u8 verdict,
                                           __u8 reason, __u16 out_port, const volatile struct pcn_hop* hop, __u32 trace) {
  struct pcn_trace_event* ev = bpf_ringbuf_reserve(&pcn_events, sizeof(*ev), 0);
  if (!ev) return;
  ev->header.kind = PCN_EVENT_TRACE;
  ev->header.family = PCN_FAMILY;
  ev->header.direction = direction;
  ev->header.cube = cube;
  ev->header.port = in_port;
  ev->timestamp = bpf_ktime_get_ns();
  ev->cpu = bpf_get_smp_processor_id();
  ev->ifindex = pcn_ingress_ifindex(ctx);
  ev->length = pcn_packet_length(ctx);
  ev->verdict = verdict;
  ev->reason = reason;
  ev->out_port = out_port;
  if (hop) {
    ev->hop.kind = hop->kind;
    ev->hop.direction = hop->direction;
    ev->hop.port = hop->port;
    ev->hop.target = hop->target;
  } else {
    __builtin_memset(&ev->hop, 0, sizeof(ev->hop));
  }
  ev->trace = trace;
  ev->reserved = 0;
  bpf_ringbuf_submit(ev, 0);
}

/* Whether the packet matches a trace's filter: IPv4 fields, when any is asked for. The
 * filter is a load-time constant (netdev entry) or a map value (cube port). */
static __always_inline int pcn_trace_match(pcn_ctx* ctx, const volatile struct pcn_trace_filter* f) {
  if (!f->l4proto && !f->port && !f->src && !f->dst && !f->host) return 1;
  struct ethhdr* eth = pcn_data(ctx);
  struct iphdr* ip = (void*)(eth + 1);
  if ((void*)(ip + 1) > pcn_data_end(ctx) || eth->h_proto != bpf_htons(ETH_P_IP)) return 0;
  if (f->l4proto && ip->protocol != f->l4proto) return 0;
  if (f->src && ip->saddr != f->src) return 0;
  if (f->dst && ip->daddr != f->dst) return 0;
  if (f->host && ip->saddr != f->host && ip->daddr != f->host) return 0;
  if (f->port) {
    if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP) return 0;
    __be16* ports = (void*)ip + ip->ihl * 4;
    if ((void*)(ports + 2) > pcn_data_end(ctx)) return 0;
    if (ports[0] != f->port && ports[1] != f->port) return 0;
  }
  return 1;
}
