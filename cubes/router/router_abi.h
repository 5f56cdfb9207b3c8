/* router: what its control plane and fast path share. Addresses are in network order. */
#pragma once

#include <linux/types.h>

#define ROUTER_MAX_ROUTES 4096     /* entries of the `routes` LPM trie */
#define ROUTER_MAX_NEIGHBOURS 4096 /* entries of `arp_table` */

/* Why the fast path hands a packet to the slow path (pcn_metadata.reason). LOCAL,
 * TTL_EXCEEDED and NO_ROUTE serve IPv4 and IPv6 alike: the ethertype tells them apart. */
enum router_reason {
  ROUTER_REASON_ARP = 1,          /* an ARP request or reply for an address of its ingress port */
  ROUTER_REASON_LOCAL = 2,        /* for one of the router's addresses; IPv4: data[0] is that address */
  ROUTER_REASON_TTL_EXCEEDED = 3, /* to forward with a TTL (hop limit) of 1 or 0 (untouched) */
  ROUTER_REASON_NO_ROUTE = 4,     /* to forward, and no route covers it (untouched) */
  ROUTER_REASON_ARP_MISS = 5,     /* IPv4: the next hop's MAC is unknown; data[0]: next hop, data[1]: output port.
                                     The TTL is decremented and the source MAC rewritten already */
  ROUTER_REASON_NDP = 6,          /* an ICMPv6 neighbour solicitation or advertisement for an address
                                     of its ingress port */
  ROUTER_REASON_ND_MISS = 7,      /* IPv6: the next hop's MAC is unknown; data[1]: output port (the
                                     slow path looks the next hop up again: 16 bytes do not fit).
                                     The hop limit is decremented and the source MAC rewritten already */
};

/* `router_ports`: an array indexed by port index. */
struct router_port {
  __u8 mac[6];
  __u8 enabled; /* 0: not a port of the router (yet): what arrives there is dropped */
  __u8 reserved;
};

/* `routes`: an LPM trie. prefixlen counts the leading bits of `network` that matter. */
struct router_route_key {
  __u32 prefixlen;
  __be32 network;
};

enum router_route_flags {
  ROUTER_ROUTE_LOCAL = 0x1, /* a /32 of one of the router's addresses (on port `port`) */
};

struct router_route {
  __be32 nexthop; /* 0: the destination is on the link of `port` (a connected route) */
  __u16 port;     /* output port (ROUTER_ROUTE_LOCAL: the port owning the address) */
  __u16 flags;    /* enum router_route_flags */
};

/* `routes6`: the LPM trie of IPv6 (prefixlen up to 128). */
struct router_route6_key {
  __u32 prefixlen;
  __u8 network[16];
};

struct router_route6 {
  __u8 nexthop[16]; /* all zero: the destination is on the link of `port` */
  __u16 port;
  __u16 flags;      /* enum router_route_flags */
  __u32 reserved;
};

/* `arp_table`: a hash by IPv4 address of the neighbours whose MAC the router knows;
 * `nd_table`: the same by IPv6 address (struct router_address6). */
struct router_neighbour {
  __u8 mac[6];
  __u16 port;
};

struct router_address6 {
  __u8 bytes[16];
};
