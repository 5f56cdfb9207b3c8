/* The learning bridges (simplebridge, bridge): what their control planes and fast paths
 * share. Plain C, fixed-width types, no padding holes. */
#pragma once

#include <linux/types.h>

#define L2_FDB_SIZE 4096 /* entries of the filtering database */

/* `fdb` map key: a MAC address in a VLAN (0 where there are no VLANs). */
struct l2_fdb_key {
  __u8 mac[6];
  __u16 vlan;
};

#define L2_FDB_STATIC 0x1 /* configured: never learned over, never aged */

struct l2_fdb_entry {
  __u32 port;      /* index of the port the address is behind */
  __u32 timestamp; /* last seen, seconds of CLOCK_MONOTONIC (bpf_ktime_get_ns) */
  __u32 flags;     /* L2_FDB_* */
  __u32 reserved;
};

/* How a flood leaves (l2_config.flood). */
#define L2_FLOOD_KERNEL 0x1   /* netdev ports: devmap broadcast (XDP) or clones (TC) */
#define L2_FLOOD_SLOWPATH 0x2 /* ports towards other cubes (or through transparent cubes): a copy to the slow path */

/* `l2_config` map, key 0. */
struct l2_config {
  __u32 aging_time;  /* seconds; learned entries older than this are ignored */
  __u32 flood;       /* L2_FLOOD_* */
  __u32 flood_count; /* TC: entries of l2_flood_ports */
  __u32 reserved;
};

/* TC: the netdev ports a flood is cloned to, `l2_flood_ports[0..flood_count)`. (XDP: the
 * devmap `l2_flood_devmap`, keyed by ifindex.) */
struct l2_flood_port {
  __u32 port;
  __u32 ifindex;
};

/* Slow-path reasons. */
enum l2_reason {
  L2_REASON_FLOOD = 1, /* flood to the slow-path ports; data[0] = VLAN */
  L2_REASON_BPDU = 2,  /* a spanning tree BPDU (bridge) */
};
