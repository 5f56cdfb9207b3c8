#pragma once
// router: an IPv4 and IPv6 router. Ports have addresses (IPv4: a primary and secondaries;
// IPv6: one), each with its network, and a MAC; routes are local addresses, connected
// networks and static routes with a path cost; the ARP and NDP tables hold static entries
// and the ones learned.
//
// The fast path (router.bpf.c) forwards: longest-prefix match, TTL (hop limit) and
// checksum, L2 rewrite from the neighbour tables. The slow path (packet_in) does the rest,
// each packet in a coroutine of its own: it answers ARP and neighbour solicitations for
// the router's addresses and learns from them, resolves next hops (a request, retried,
// while the packets that wait for it queue, bounded; they leave when the answer comes, or
// earn an ICMP host / address unreachable), answers pings to the router's addresses and
// sends ICMP and ICMPv6 errors (TTL exceeded, no route, port unreachable), rate-limited.
// Learned neighbours age out.
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cubes/l2/ticker.hpp"
#include "cubes/router/ipv4.hpp"
#include "cubes/router/ipv6.hpp"
#include "cubes/router/routing_table.hpp"
#include "dataplane/cube.hpp"
#include "reactor/cancel.hpp"
#include "reactor/reactor.hpp"
#include "slowpath/packet.hpp"

namespace pcn::cubes {

// How the router's slow path resolves next hops and how much it lets wait.
struct router_limits {
  unsigned arp_attempts = 3;                    // requests (ARP or NDP) before giving up
  std::chrono::milliseconds arp_interval{500};  // between them
  size_t queue_per_neighbour = 64;              // packets waiting for one next hop
  size_t queue_total = 1024;                    // for all of them
  double icmp_errors_per_second = 1000, icmp_error_burst = 100;
};

class router final : public dataplane::cube {
 public:
  struct port_config {
    std::string name;
    std::optional<ipv4::prefix> ip;  // the primary address and its network's length
    std::vector<ipv4::prefix> secondary;
    std::optional<ipv6::prefix> ipv6;
    std::optional<ipv4::mac_address> mac;  // none: chosen (see default_mac)
    std::string peer;
  };
  template <typename Prefix>
  struct basic_route_config {
    Prefix network;                                    // host bits clear
    typename Prefix::address_type nexthop = 0;         // 0: on the link of `interface`
    std::string interface;                             // empty: the port whose network holds the next hop
    uint32_t pathcost = 1;
  };
  using route_config = basic_route_config<ipv4::prefix>;
  using route6_config = basic_route_config<ipv6::prefix>;
  template <typename Address>
  struct basic_neighbour_config {
    Address address = 0;
    ipv4::mac_address mac{};
    std::string interface;
  };
  using arp_config = basic_neighbour_config<ipv4::address>;
  using ndp_config = basic_neighbour_config<ipv6::address>;
  struct config {
    std::vector<port_config> ports;  // every port of the cube
    std::vector<route_config> routes;
    std::vector<route6_config> routes6;
    std::vector<arp_config> arp_table;
    std::vector<ndp_config> ndp_table;
    std::chrono::seconds arp_aging_time{300};  // IPv6 neighbours too
  };

  template <typename Address>
  struct basic_neighbour_entry {
    Address address;
    ipv4::mac_address mac;
    std::string interface;
    bool is_static;
    std::chrono::seconds age;  // since learned or last confirmed
  };
  using neighbour_entry = basic_neighbour_entry<ipv4::address>;
  using neighbour6_entry = basic_neighbour_entry<ipv6::address>;

  struct counters {
    uint64_t arp_requests_sent = 0;  // and neighbour solicitations
    uint64_t arp_replies_sent = 0;   // and neighbour advertisements
    uint64_t arp_learned = 0;        // and IPv6 neighbours
    uint64_t arp_failures = 0;       // next hops that did not answer
    uint64_t echo_replies = 0;
    uint64_t icmp_errors = 0;
    uint64_t icmp_rate_limited = 0;
    uint64_t queue_drops = 0;  // packets that found the queue of their next hop full
  };

  router(dataplane::datapath& dp, std::string name, dataplane::cube_type type, log::level level = log::level::info,
         router_limits limits = {});
  ~router() override;

  // Checks the whole configuration, then makes the fast and slow paths follow it. Throws
  // topology_error, and changes nothing, when part of it cannot be (an unknown port, a next
  // hop on no network of the router, an address used twice...).
  void configure(const config& c);

  // A port's MAC as the router uses it, or nothing for a port it does not know.
  std::optional<ipv4::mac_address> mac_of(std::string_view port) const;
  // Every route: local addresses, connected networks, static routes (port indices).
  const routing_table& routes() const noexcept { return _routing; }
  const routing_table6& routes6() const noexcept { return _routing6; }
  std::string port_name(uint16_t index) const;
  std::vector<neighbour_entry> arp_entries() const;
  std::vector<neighbour6_entry> ndp_entries() const;
  const counters& stats() const noexcept { return _stats; }

 private:
  struct port_state {
    std::string name;
    ipv4::mac_address mac{};
    std::vector<ipv4::prefix> addresses;  // the primary first
    std::vector<ipv6::prefix> addresses6;

    const std::vector<ipv4::prefix>& of(ipv4::address) const { return addresses; }
    const std::vector<ipv6::prefix>& of(ipv6::address) const { return addresses6; }
    template <typename A>
    bool owns(A a) const;
    template <typename A>
    bool on_link(A a) const;
    // The address to speak from towards `a`: one on its network, else the first.
    template <typename A>
    std::optional<A> source_for(A a) const;
  };
  struct neighbour {
    ipv4::mac_address mac;
    uint16_t port;
    bool is_static;
    clock::time_point updated;
  };
  struct waiting {
    slowpath::packet pkt;
    uint16_t port;
  };
  // A next hop being resolved: the packets waiting for it, and how the resolver is woken.
  struct resolution {
    uint16_t port;
    std::deque<waiting> queue;
    cancel_source answered;
  };
  // The neighbours of one family: known ones (the kernel's table mirrored) and the ones
  // being resolved.
  template <typename A>
  struct neighbour_table {
    std::map<A, neighbour> entries;
    std::map<A, std::unique_ptr<resolution>> resolving;
  };
  struct plan;

  task<void> packet_in(slowpath::packet pkt) override;
  void on_port_removed(dataplane::port& p) override;

  plan plan_for(const config& c) const;
  void install(plan p);
  // The MAC of a port configured without one: the peer netdev's when the port is first
  // configured, else one derived from the names; kept while the port lives.
  ipv4::mac_address default_mac(const port_config& p, uint16_t index) const;

  neighbour_table<ipv4::address>& table_of(ipv4::address) { return _arp; }
  neighbour_table<ipv6::address>& table_of(ipv6::address) { return _nd; }
  const routing_table& routing_of(ipv4::address) const { return _routing; }
  const routing_table6& routing_of(ipv6::address) const { return _routing6; }
  template <typename A>
  std::vector<basic_neighbour_entry<A>> entries_of(const neighbour_table<A>& t) const;

  task<void> on_arp(slowpath::packet pkt);
  task<void> on_nd(slowpath::packet pkt);
  task<void> on_local(slowpath::packet pkt);
  task<void> on_local6(slowpath::packet pkt);
  // An ICMP (A: ipv4::address) or ICMPv6 error about the packet, from `source` or the
  // ingress port's address.
  template <typename A>
  task<void> icmp_error(slowpath::packet pkt, uint8_t type, uint8_t code, std::optional<A> source);
  // Routes a packet the router sends itself (from the Ethernet header on) to `dst`.
  template <typename A>
  task<void> output(slowpath::packet pkt, A dst);
  // Sends a packet whose source MAC is set to `nexthop` out of `port`, resolving it first.
  template <typename A>
  task<void> transmit(slowpath::packet pkt, A nexthop, uint16_t port);
  template <typename A>
  task<void> resolve(A nexthop, resolution& r);
  // Queues a packet for a next hop being resolved; false (and counted) when it is full.
  bool enqueue(resolution& r, slowpath::packet pkt, uint16_t port);
  task<void> send_out(slowpath::packet pkt, uint16_t port);

  template <typename A>
  void learn(A a, const ipv4::mac_address& mac, uint16_t port);
  template <typename A>
  void forget(A a);
  template <typename A>
  void write_neighbour(A a, const neighbour& n);
  template <typename A>
  void erase_neighbour(A a);
  void expire_neighbours(clock::time_point now);
  void start_aging();
  bool take_icmp_token();

  const port_state* state_of(uint16_t port) const;
  template <typename A>
  bool is_local(A a) const;

  router_limits _limits;
  std::map<uint16_t, port_state> _ports;  // by index: the configured ports
  std::map<std::string, ipv4::mac_address> _chosen_macs;  // by port name (see default_mac)
  routing_table _routing;
  routing_table6 _routing6;
  neighbour_table<ipv4::address> _arp;
  neighbour_table<ipv6::address> _nd;
  size_t _queued = 0;  // packets waiting for a resolution, both families
  std::chrono::seconds _arp_aging_time{300};
  std::optional<l2::ticker> _aging;  // from the first learned entry on
  double _icmp_tokens = 0;
  clock::time_point _icmp_refill{};
  counters _stats;
};

}  // namespace pcn::cubes
