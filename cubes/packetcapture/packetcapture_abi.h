/* packetcapture: what its fast path and control plane share. */
#pragma once

#include <linux/types.h>

/* The most the fast path copies of one packet: more than any XDP frame, and a TC packet
 * (even a GSO one) is never longer. */
#define PACKETCAPTURE_MAX_COPY 65535

/* One copy, in the cube's ring buffer (capture_ring): this header, then `captured` bytes. */
struct packetcapture_event {
  __u64 timestamp_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
  __u32 length;       /* of the packet */
  __u32 captured;     /* bytes of it that follow (snaplen, and what the kernel could read) */
  __u32 ifindex;      /* the netdev the packet came in by (0 when unknown) */
  __u8 direction;     /* enum pcn_direction */
  __u8 reserved[3];
};

/* The fast path's filters (load-time constant `filter_flags`): a copy is made only of the
 * packets that match every filter set. */
enum packetcapture_filter {
  PACKETCAPTURE_FILTER_SRC = 1 << 0,   /* filter_src/filter_src_mask (IPv4, network order) */
  PACKETCAPTURE_FILTER_DST = 1 << 1,   /* filter_dst/filter_dst_mask */
  PACKETCAPTURE_FILTER_PROTO = 1 << 2, /* filter_l4proto */
  PACKETCAPTURE_FILTER_SPORT = 1 << 3, /* filter_sport (network order) */
  PACKETCAPTURE_FILTER_DPORT = 1 << 4, /* filter_dport (network order) */
};

/* A copy wakes the reader up (if it waits) at most this often per CPU; the others are
 * submitted without a wakeup, and the reader, while copies keep coming, looks again after
 * PACKETCAPTURE_READER_POLL_MS without waiting to be woken. A wakeup per copy costs more
 * than the copy (the ring's irq_work): 0.40 Mpps instead of 1.58 on XDP_DRV. */
#define PACKETCAPTURE_WAKEUP_NS 1000000ull
#define PACKETCAPTURE_READER_POLL_MS 2 /* more than the wakeup interval: no copy is left behind */

/* Per-CPU counters (capture_stats[0]). */
struct packetcapture_stats {
  __u64 seen;           /* packets in a captured direction */
  __u64 copied;         /* copies submitted to the ring */
  __u64 ring_drops;     /* copies lost: the ring was full */
  __u64 last_wakeup_ns; /* when a copy of this CPU last woke the reader up */
};
