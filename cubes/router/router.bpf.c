/* router: IPv4 and IPv6 forwarding. A longest-prefix match in `routes` (`routes6`) picks
 * the output port and next hop, `arp_table` (`nd_table`) gives the next hop's MAC; the TTL
 * is decremented (IPv4: checksum updated incrementally; IPv6: the hop limit, which no
 * checksum covers) and the frame leaves with the port's MAC as source. What the fast path
 * cannot finish goes to the slow path with a reason (router_abi.h): ARP and NDP for the
 * router's addresses, packets for the router itself, TTL expired, no route, next hop
 * unresolved. */
#include <linux/ipv6.h>

#include "bpf/pcn_cube.h"
#include "cubes/router/router_abi.h"

/* From linux/if_arp.h and linux/icmpv6.h, which drag in libc headers. */
#define ARPHRD_ETHER 1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2
#define ROUTER_ICMPV6 58
#define ROUTER_ND_SOLICIT 135
#define ROUTER_ND_ADVERT 136

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PCN_MAX_PORTS);
  __type(key, __u32);
  __type(value, struct router_port);
} router_ports SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, ROUTER_MAX_ROUTES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct router_route_key);
  __type(value, struct router_route);
} routes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, ROUTER_MAX_NEIGHBOURS);
  __type(key, __be32);
  __type(value, struct router_neighbour);
} arp_table SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, ROUTER_MAX_ROUTES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct router_route6_key);
  __type(value, struct router_route6);
} routes6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, ROUTER_MAX_NEIGHBOURS);
  __type(key, struct router_address6);
  __type(value, struct router_neighbour);
} nd_table SEC(".maps");

/* ARP for IPv4 over Ethernet (RFC 826), after the Ethernet header. */
struct router_arp {
  __be16 htype;
  __be16 ptype;
  __u8 hlen;
  __u8 plen;
  __be16 op;
  __u8 sha[6];
  __u8 spa[4];
  __u8 tha[6];
  __u8 tpa[4];
} __attribute__((packed));

/* TC: the headers may sit in the skb's fragments; makes the first `len` bytes direct. */
static __always_inline void router_linearize(pcn_ctx* ctx, __u32 len) {
#ifdef PCN_HOOK_TC
  if (pcn_data(ctx) + len > pcn_data_end(ctx)) bpf_skb_pull_data(ctx, len);
#endif
}

static __always_inline int mac_equal(const __u8* a, const __u8* b) {
  return *(const __u32*)a == *(const __u32*)b && *(const __u16*)(a + 4) == *(const __u16*)(b + 4);
}

static __always_inline void mac_copy(__u8* to, const __u8* from) {
  *(__u32*)to = *(const __u32*)from;
  *(__u16*)(to + 4) = *(const __u16*)(from + 4);
}

static __always_inline struct router_route* route_of(__be32 address) {
  struct router_route_key key = {.prefixlen = 32, .network = address};
  return bpf_map_lookup_elem(&routes, &key);
}

/* ARP goes up only when it asks for (or answers to) an address of the port it came in by. */
static __always_inline int handle_arp(pcn_ctx* ctx, struct pcn_metadata* md) {
  router_linearize(ctx, sizeof(struct ethhdr) + sizeof(struct router_arp));
  struct ethhdr* eth = pcn_data(ctx);
  struct router_arp* arp = (void*)(eth + 1);
  if ((void*)(arp + 1) > pcn_data_end(ctx)) return pcn_pkt_drop(ctx, md);
  if (arp->htype != bpf_htons(ARPHRD_ETHER) || arp->ptype != bpf_htons(ETH_P_IP) || arp->hlen != 6 || arp->plen != 4)
    return pcn_pkt_drop(ctx, md);
  if (arp->op != bpf_htons(ARPOP_REQUEST) && arp->op != bpf_htons(ARPOP_REPLY)) return pcn_pkt_drop(ctx, md);
  __be32 target;
  __builtin_memcpy(&target, arp->tpa, 4);
  struct router_route* r = route_of(target);
  if (!r || !(r->flags & ROUTER_ROUTE_LOCAL) || r->port != md->in_port) return pcn_pkt_drop(ctx, md);
  pcn_log(ctx, md, PCN_LOG_DEBUG, "router: ARP for %I on port %u to the slow path", target, md->in_port);
  return pcn_pkt_controller(ctx, md, ROUTER_REASON_ARP);
}

static __always_inline int handle_ipv4(pcn_ctx* ctx, struct pcn_metadata* md, const struct router_port* in) {
  router_linearize(ctx, sizeof(struct ethhdr) + sizeof(struct iphdr));
  struct ethhdr* eth = pcn_data(ctx);
  struct iphdr* ip = (void*)(eth + 1);
  if ((void*)(ip + 1) > pcn_data_end(ctx)) return pcn_pkt_drop(ctx, md);
  if (ip->version != 4 || ip->ihl < 5) return pcn_pkt_drop(ctx, md);
  /* Only frames sent to the port's MAC are routed: the router is a host on each link. */
  if (!mac_equal(eth->h_dest, in->mac)) return pcn_pkt_drop(ctx, md);

  __be32 daddr = ip->daddr;
  struct router_route* r = route_of(daddr);
  if (!r) {
    pcn_log(ctx, md, PCN_LOG_DEBUG, "router: no route to %I", daddr);
    return pcn_pkt_controller(ctx, md, ROUTER_REASON_NO_ROUTE);
  }
  if (r->flags & ROUTER_ROUTE_LOCAL) return pcn_pkt_controller_md(ctx, md, ROUTER_REASON_LOCAL, daddr, 0, 0);
  if (ip->ttl <= 1) {
    pcn_log(ctx, md, PCN_LOG_DEBUG, "router: TTL expired, to %I", daddr);
    return pcn_pkt_controller(ctx, md, ROUTER_REASON_TTL_EXCEEDED);
  }

  __u32 out_port = r->port;
  __be32 nexthop = r->nexthop ? r->nexthop : daddr;
  struct router_port* out = bpf_map_lookup_elem(&router_ports, &out_port);
  if (!out || !out->enabled) return pcn_pkt_drop(ctx, md);

  /* TTL and protocol share a 16-bit word of the header: RFC 1624 on that word. */
  __u16* ttl_word = (__u16*)&ip->ttl;
  __u16 old_word = *ttl_word;
  ip->ttl--;
  pcn_csum_replace2(&ip->check, old_word, *ttl_word);
  mac_copy(eth->h_source, out->mac);

  struct router_neighbour* n = bpf_map_lookup_elem(&arp_table, &nexthop);
  if (!n) {
    pcn_log(ctx, md, PCN_LOG_DEBUG, "router: next hop %I unresolved, port %u", nexthop, out_port);
    return pcn_pkt_controller_md(ctx, md, ROUTER_REASON_ARP_MISS, nexthop, out_port, 0);
  }
  mac_copy(eth->h_dest, n->mac);
  pcn_log(ctx, md, PCN_LOG_TRACE, "router: %I via %I out of port %u", daddr, nexthop, out_port);
  return pcn_pkt_redirect(ctx, md, out_port);
}

static __always_inline struct router_route6* route6_of(const __u8* address) {
  struct router_route6_key key = {.prefixlen = 128};
  __builtin_memcpy(key.network, address, 16);
  return bpf_map_lookup_elem(&routes6, &key);
}

/* Neighbour discovery (RFC 4861): an ICMPv6 solicitation or advertisement from the link
 * (hop limit 255); its type, 3 bytes, 4 reserved, then the target. Null if it is not one. */
static __always_inline __u8* ndp_message(struct ipv6hdr* ip6, void* data_end) {
  __u8* icmp = (void*)(ip6 + 1);
  if (ip6->nexthdr != ROUTER_ICMPV6 || (void*)(icmp + 24) > data_end || ip6->hop_limit != 255) return 0;
  if (icmp[0] != ROUTER_ND_SOLICIT && icmp[0] != ROUTER_ND_ADVERT) return 0;
  return icmp;
}

/* A solicitation whose target is an address of `port`. */
static __always_inline int solicits_port(struct ipv6hdr* ip6, void* data_end, __u16 port) {
  __u8* icmp = ndp_message(ip6, data_end);
  if (!icmp || icmp[0] != ROUTER_ND_SOLICIT) return 0;
  struct router_route6* r = route6_of(icmp + 8);
  return r && (r->flags & ROUTER_ROUTE_LOCAL) && r->port == port;
}

static __always_inline int ipv6_multicast_or_link_local(const __u8* a) {
  return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

static __always_inline int handle_ipv6(pcn_ctx* ctx, struct pcn_metadata* md, const struct router_port* in) {
  router_linearize(ctx, sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + 24);
  struct ethhdr* eth = pcn_data(ctx);
  struct ipv6hdr* ip6 = (void*)(eth + 1);
  void* end = pcn_data_end(ctx);
  if ((void*)(ip6 + 1) > end || ip6->version != 6) return pcn_pkt_drop(ctx, md);
  if (!mac_equal(eth->h_dest, in->mac)) {
    /* Of multicast, only solicitations for the port's addresses (to their solicited-node group). */
    if (eth->h_dest[0] == 0x33 && eth->h_dest[1] == 0x33 && solicits_port(ip6, end, md->in_port))
      return pcn_pkt_controller(ctx, md, ROUTER_REASON_NDP);
    return pcn_pkt_drop(ctx, md);
  }
  struct router_route6* r = route6_of(ip6->daddr.in6_u.u6_addr8);
  if (r && (r->flags & ROUTER_ROUTE_LOCAL)) {
    /* To one of its addresses: solicitations (unreachability detection) and the
     * advertisements that answer the router's own. */
    if (r->port == md->in_port && ndp_message(ip6, end)) return pcn_pkt_controller(ctx, md, ROUTER_REASON_NDP);
    return pcn_pkt_controller(ctx, md, ROUTER_REASON_LOCAL);
  }
  /* Link-local and multicast never cross a router. */
  if (ipv6_multicast_or_link_local(ip6->daddr.in6_u.u6_addr8) || ipv6_multicast_or_link_local(ip6->saddr.in6_u.u6_addr8))
    return pcn_pkt_drop(ctx, md);
  if (!r) return pcn_pkt_controller(ctx, md, ROUTER_REASON_NO_ROUTE);
  if (ip6->hop_limit <= 1) return pcn_pkt_controller(ctx, md, ROUTER_REASON_TTL_EXCEEDED);

  __u32 out_port = r->port;
  struct router_port* out = bpf_map_lookup_elem(&router_ports, &out_port);
  if (!out || !out->enabled) return pcn_pkt_drop(ctx, md);
  struct router_address6 nexthop;
  if (*(__u64*)r->nexthop | *(__u64*)(r->nexthop + 8)) __builtin_memcpy(nexthop.bytes, r->nexthop, 16);
  else __builtin_memcpy(nexthop.bytes, ip6->daddr.in6_u.u6_addr8, 16);
  ip6->hop_limit--;
  mac_copy(eth->h_source, out->mac);
  struct router_neighbour* n = bpf_map_lookup_elem(&nd_table, &nexthop);
  if (!n) return pcn_pkt_controller_md(ctx, md, ROUTER_REASON_ND_MISS, 0, out_port, 0);
  mac_copy(eth->h_dest, n->mac);
  return pcn_pkt_redirect(ctx, md, out_port);
}

static __always_inline int handle_rx(pcn_ctx* ctx, struct pcn_metadata* md) {
  __u32 in_port = md->in_port;
  struct router_port* in = bpf_map_lookup_elem(&router_ports, &in_port);
  if (!in || !in->enabled) return pcn_pkt_drop(ctx, md);
  struct ethhdr* eth = pcn_data(ctx);
  if ((void*)(eth + 1) > pcn_data_end(ctx)) return pcn_pkt_drop(ctx, md);
  if (eth->h_proto == bpf_htons(ETH_P_IP)) return handle_ipv4(ctx, md, in);
  if (eth->h_proto == bpf_htons(ETH_P_ARP)) return handle_arp(ctx, md);
  if (eth->h_proto == bpf_htons(ETH_P_IPV6)) return handle_ipv6(ctx, md, in);
  return pcn_pkt_drop(ctx, md);
}

PCN_CUBE_MAIN(handle_rx)
PCN_LICENSE
