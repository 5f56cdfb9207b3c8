#pragma once
// router: an IPv4 router. Ports have addresses (a primary and secondaries, each with its
// network) and a MAC; routes are local addresses, connected networks and static routes
// with a path cost; the ARP table holds static entries and the ones learned.
//
// The fast path (router.bpf.c) forwards: longest-prefix match, TTL and checksum, L2
// rewrite from the ARP table. The slow path (packet_in) does the rest, each packet in a
// coroutine of its own: it answers ARP for the router's addresses and learns from it,
// resolves next hops (an ARP request, retried, while the packets that wait for it queue,
// bounded; they leave when the reply comes, or earn an ICMP host unreachable), answers
// pings to the router's addresses and sends ICMP errors (TTL exceeded, net unreachable,
// port unreachable), rate-limited. Learned ARP entries age out.
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cubes/l2/ticker.hpp"
#include "cubes/router/ipv4.hpp"
#include "cubes/router/routing_table.hpp"
#include "dataplane/cube.hpp"
#include "reactor/cancel.hpp"
#include "reactor/reactor.hpp"
#include "slowpath/packet.hpp"

namespace pcn::cubes {

// How the router's slow path resolves next hops and how much it lets wait.
struct router_limits {
  unsigned arp_attempts = 3;                    // requests before giving up
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
    std::optional<ipv4::mac_address> mac;  // none: the peer netdev's, else one derived from the names
    std::string peer;
  };
  struct route_config {
    ipv4::prefix network;       // host bits clear
    ipv4::address nexthop = 0;  // 0.0.0.0: the destination is on the link of `interface`
    std::string interface;      // empty: the port whose network holds the next hop
    uint32_t pathcost = 1;
  };
  struct arp_config {
    ipv4::address address = 0;
    ipv4::mac_address mac{};
    std::string interface;
  };
  struct config {
    std::vector<port_config> ports;  // every port of the cube
    std::vector<route_config> routes;
    std::vector<arp_config> arp_table;
    std::chrono::seconds arp_aging_time{300};
  };

  struct neighbour_entry {
    ipv4::address address;
    ipv4::mac_address mac;
    std::string interface;
    bool is_static;
    std::chrono::seconds age;  // since learned or last confirmed
  };

  struct counters {
    uint64_t arp_requests_sent = 0;
    uint64_t arp_replies_sent = 0;
    uint64_t arp_learned = 0;
    uint64_t arp_failures = 0;  // next hops that did not answer
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
  std::string port_name(uint16_t index) const;
  std::vector<neighbour_entry> arp_entries() const;
  const counters& stats() const noexcept { return _stats; }

 private:
  struct port_state {
    std::string name;
    ipv4::mac_address mac{};
    std::vector<ipv4::prefix> addresses;  // the primary first

    bool owns(ipv4::address a) const;
    bool on_link(ipv4::address a) const;
    // The address to speak from towards `a`: one on its network, else the primary.
    std::optional<ipv4::address> source_for(ipv4::address a) const;
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
  struct plan;

  task<void> packet_in(slowpath::packet pkt) override;
  void on_port_removed(dataplane::port& p) override;

  plan plan_for(const config& c) const;
  void install(plan p);
  // The MAC of a port configured without one: the peer netdev's when the port is first
  // configured, else one derived from the names; kept while the port lives.
  ipv4::mac_address default_mac(const port_config& p, uint16_t index) const;

  task<void> on_arp(slowpath::packet pkt);
  task<void> on_local(slowpath::packet pkt);
  task<void> icmp_error(slowpath::packet pkt, uint8_t type, uint8_t code, std::optional<ipv4::address> source);
  // Routes a packet the router sends itself (IPv4 from the Ethernet header on) to `dst`.
  task<void> output(slowpath::packet pkt, ipv4::address dst);
  // Sends a packet whose source MAC is set to `nexthop` out of `port`, resolving it first.
  task<void> transmit(slowpath::packet pkt, ipv4::address nexthop, uint16_t port);
  task<void> resolve(ipv4::address nexthop, resolution& r);
  // Queues a packet for a next hop being resolved; false (and counted) when it is full.
  bool enqueue(resolution& r, slowpath::packet pkt, uint16_t port);
  task<void> send_out(slowpath::packet pkt, uint16_t port);

  void learn(ipv4::address a, const ipv4::mac_address& mac, uint16_t port);
  void forget(ipv4::address a);
  void expire_neighbours(clock::time_point now);
  void start_aging();
  bool take_icmp_token();

  const port_state* state_of(uint16_t port) const;
  bool is_local(ipv4::address a) const;

  router_limits _limits;
  std::map<uint16_t, port_state> _ports;  // by index: the configured ports
  std::map<std::string, ipv4::mac_address> _chosen_macs;  // by port name (see default_mac)
  routing_table _routing;
  std::map<ipv4::address, neighbour> _neighbours;
  std::map<ipv4::address, std::unique_ptr<resolution>> _resolving;
  size_t _queued = 0;
  std::chrono::seconds _arp_aging_time{300};
  std::optional<l2::ticker> _aging;  // from the first learned entry on
  double _icmp_tokens = 0;
  clock::time_point _icmp_refill{};
  counters _stats;
};

}  // namespace pcn::cubes
