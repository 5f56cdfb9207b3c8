// The router's fast path, configured through its control plane and driven through the
// datapath's netdev entry programs: longest-prefix match and path cost, TTL and checksum
// rewritten byte for byte, L2 rewrite from the ARP table, and what goes to the slow path
// with which reason (unresolved next hop, TTL expired, no route, for the router, ARP).
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <array>
#include <optional>

#include "cubes/router/packets.hpp"
#include "cubes/router/packets6.hpp"
#include "cubes/router/router.hpp"
#include "cubes/router/router_abi.h"
#include "slowpath/event_ring.hpp"
#include "tests/bpf/fixture.hpp"

namespace pcn::testing {
namespace {

using cubes::router;
using dataplane::cube_type;
using dataplane::hook_family;

// Host A on p0's network, the router's ports, B on p1's network, neighbours on p2's.
constexpr const char* mac_a = "02:00:00:00:01:01";
constexpr const char* mac_b = "02:00:00:00:02:01";
constexpr const char* mac_p0 = "02:00:00:00:01:fe";
constexpr const char* mac_p1 = "02:00:00:00:02:fe";
constexpr const char* mac_p2 = "02:00:00:00:03:fe";
constexpr const char* mac_gw2 = "02:00:00:00:03:02";  // 10.1.0.2
constexpr const char* mac_gw3 = "02:00:00:00:03:03";  // 10.1.0.3
constexpr const char* mac_b2 = "02:00:00:00:02:02";   // 10.0.2.2

cubes::ipv4::prefix prefix(const char* text) { return *cubes::ipv4::parse_prefix(text); }
cubes::ipv4::address address(const char* text) { return *cubes::ipv4::parse_address(text); }
cubes::ipv4::mac_address mac(const char* text) { return *cubes::ipv4::parse_mac(text); }
cubes::ipv6::prefix prefix6(const char* text) { return *cubes::ipv6::parse_prefix(text); }
cubes::ipv6::address address6(const char* text) { return *cubes::ipv6::parse_address(text); }

// An IPv6 datagram (UDP, 16 bytes of payload) in an Ethernet frame.
bytes ipv6_frame(const char* src_mac, const char* dst_mac, const char* src, const char* dst, uint8_t hop_limit) {
  bytes f(14 + 40 + 8 + 16);
  cubes::packets::write_eth(f, mac(dst_mac), mac(src_mac), cubes::packets::ethertype_ipv6);
  f[14] = 0x60;
  f[19] = 8 + 16;  // payload length
  f[20] = 17;      // UDP
  f[21] = hop_limit;
  auto s = cubes::ipv6::to_bytes(address6(src)), d = cubes::ipv6::to_bytes(address6(dst));
  std::copy(s.begin(), s.end(), f.begin() + 22);
  std::copy(d.begin(), d.end(), f.begin() + 38);
  for (size_t i = 54; i < f.size(); ++i) f[i] = static_cast<uint8_t>(i);
  return f;
}
bytes from_a6(const char* dst, uint8_t hop_limit = 64, const char* to_mac = mac_p0, const char* src = "2001:db8:1::1") {
  return ipv6_frame(mac_a, to_mac, src, dst, hop_limit);
}
bytes forwarded6(const char* dst, const char* src_mac, const char* dst_mac, uint8_t hop_limit = 63) {
  return ipv6_frame(src_mac, dst_mac, "2001:db8:1::1", dst, hop_limit);
}
bytes advertisement(const char* from_mac, const char* target, const char* to_mac, const char* to) {
  bytes f(cubes::packets::nd_frame_size);
  cubes::packets::write_neighbour_advertisement(f, mac(from_mac), address6(target), mac(to_mac), address6(to));
  return f;
}
bytes solicitation(const char* from_mac, const char* from, const char* target) {
  bytes f(cubes::packets::nd_frame_size);
  cubes::packets::write_neighbour_solicitation(f, mac(from_mac), address6(from), address6(target));
  return f;
}

// A UDP datagram from A to `dst` as it arrives on p0.
bytes from_a(const char* dst, uint8_t ttl = 64, const char* to_mac = mac_p0) {
  return packet().eth(mac_a, to_mac).ipv4("10.0.1.1", dst, ttl).udp(40000, 53).payload(26);
}
// The same datagram as the router sends it on: new MACs, TTL one less, checksum
// recomputed from scratch by the builder — the fast path's incremental update must match.
bytes forwarded(const char* dst, const char* src_mac, const char* dst_mac, uint8_t ttl = 63) {
  return packet().eth(src_mac, dst_mac).ipv4("10.0.1.1", dst, ttl).udp(40000, 53).payload(26);
}

bytes truncated(bytes frame, size_t length) {
  frame.resize(length);
  return frame;
}

bytes arp_request(const char* sender_mac, const char* sender, const char* target) {
  bytes frame(cubes::packets::arp_frame_size);
  cubes::packets::write_arp_request(frame, mac(sender_mac), address(sender), address(target));
  return frame;
}

struct upcall {
  uint8_t reason = 0;
  std::array<uint32_t, 3> data{};
};

class router_fastpath : public dataplane_fixture {
 protected:
  void SetUp() override {
    dataplane_fixture::SetUp();
    if (IsSkipped()) return;
    a = &veth();
    b = &veth();
    c = &veth();
    r.emplace(dp(), "r", type());
    for (const char* p : {"p0", "p1", "p2"}) r->add_port(p);
    dp().connect("r:p0", a->name());
    dp().connect("r:p1", b->name());
    dp().connect("r:p2", c->name());
    r->configure(base_config());
    ring.emplace(dp().events_fd(), slowpath::event_handlers{
                                       .on_log = {},
                                       .on_notify = {},
                                       .on_packet = [this](const pcn_packet_event& e) { tc_upcalls.push_back(e.metadata); },
                                       .on_trace = {}});
    ring->consume();
    tc_upcalls.clear();
  }
  void TearDown() override {
    ring.reset();
    r.reset();
  }

  static router::config base_config() {
    router::config c;
    c.ports = {{.name = "p0", .ip = prefix("10.0.1.254/24"), .secondary = {}, .ipv6 = prefix6("2001:db8:1::fe/64"), .mac = mac(mac_p0), .peer = {}},
               {.name = "p1", .ip = prefix("10.0.2.254/24"), .secondary = {prefix("10.0.4.254/24")}, .ipv6 = prefix6("2001:db8:2::fe/64"),
                .mac = mac(mac_p1), .peer = {}},
               {.name = "p2", .ip = prefix("10.1.0.1/24"), .secondary = {}, .ipv6 = prefix6("2001:db8:ff::1/64"), .mac = mac(mac_p2), .peer = {}}};
    c.routes = {{prefix("10.0.3.0/24"), address("10.1.0.2"), "", 1},
                {prefix("10.0.3.128/25"), address("10.0.2.2"), "", 1},
                {prefix("10.0.0.0/8"), address("10.1.0.3"), "p2", 1},
                {prefix("192.168.0.0/16"), address("10.1.0.2"), "", 10},
                {prefix("192.168.0.0/16"), address("10.1.0.3"), "", 5},
                {prefix("10.0.5.0/24"), address("10.1.0.9"), "", 1}};
    c.routes6 = {{prefix6("2001:db8:3::/48"), address6("2001:db8:ff::2"), "", 1},
                 {prefix6("2001:db8:3:1::/64"), address6("2001:db8:2::2"), "", 1},
                 {prefix6("2001:db8:5::/48"), address6("2001:db8:ff::9"), "", 1}};
    c.ndp_table = {{address6("2001:db8:2::1"), mac(mac_b), "p1"},
                   {address6("2001:db8:2::2"), mac(mac_b2), "p1"},
                   {address6("2001:db8:ff::2"), mac(mac_gw2), "p2"}};
    c.arp_table = {{address("10.0.2.1"), mac(mac_b), "p1"},
                   {address("10.0.2.2"), mac(mac_b2), "p1"},
                   {address("10.1.0.2"), mac(mac_gw2), "p2"},
                   {address("10.1.0.3"), mac(mac_gw3), "p2"}};
    return c;
  }

  // What the run handed to the slow path, if anything: XDP leaves a copy of the metadata in
  // its area (no socket listens here, so the packet is dropped after), TC sends it with the
  // packet through the ring buffer.
  std::optional<upcall> upcall_of(const run_result& result) {
    if (family() == hook_family::xdp) {
      auto md = slowpath_metadata_of(result);
      if (!md) return std::nullopt;
      return upcall{md->reason, {md->data[0], md->data[1], md->data[2]}};
    }
    tc_upcalls.clear();
    ring->consume();
    EXPECT_LE(tc_upcalls.size(), 1u);
    if (tc_upcalls.empty()) return std::nullopt;
    const pcn_metadata& md = tc_upcalls.back();
    return upcall{md.reason, {md.data[0], md.data[1], md.data[2]}};
  }

  std::function<void(const run_result&)> goes_up(uint8_t reason, std::optional<std::array<uint32_t, 2>> data = {}) {
    return [this, reason, data](const run_result& result) {
      auto u = upcall_of(result);
      ASSERT_TRUE(u) << "nothing went to the slow path";
      EXPECT_EQ(u->reason, reason);
      if (data) {
        EXPECT_EQ(u->data[0], (*data)[0]);
        EXPECT_EQ(u->data[1], (*data)[1]);
      }
    };
  }
  std::function<void(const run_result&)> stays_down() {
    return [this](const run_result& result) { EXPECT_FALSE(upcall_of(result)) << "went to the slow path"; };
  }

  const veth_pair *a = nullptr, *b = nullptr, *c = nullptr;
  std::optional<router> r;
  std::optional<slowpath::event_ring> ring;
  std::vector<pcn_metadata> tc_upcalls;
};

uint32_t network_order(const char* text) { return htonl(address(text)); }

TEST_P(router_fastpath, forwards_by_longest_prefix_with_ttl_checksum_and_macs_rewritten) {
  run({
      {.description = "connected network of p1, neighbour in the ARP table",
       .netdev = a->name(),
       .input = from_a("10.0.2.1"),
       .expected = verdict::redirect,
       .counters = {{"r:p0", 1, 0}, {"r:p1", 0, 1}},
       .output = forwarded("10.0.2.1", mac_p1, mac_b),
       .check = stays_down()},
      {.description = "10.0.3.0/24 via 10.1.0.2 out of p2",
       .netdev = a->name(),
       .input = from_a("10.0.3.5"),
       .expected = verdict::redirect,
       .counters = {{"r:p0", 1, 0}, {"r:p2", 0, 1}},
       .output = forwarded("10.0.3.5", mac_p2, mac_gw2)},
      {.description = "10.0.3.128/25 is longer: via 10.0.2.2 out of p1",
       .netdev = a->name(),
       .input = from_a("10.0.3.200"),
       .expected = verdict::redirect,
       .counters = {{"r:p0", 1, 0}, {"r:p1", 0, 1}},
       .output = forwarded("10.0.3.200", mac_p1, mac_b2)},
      {.description = "10.0.0.0/8 catches the rest of 10/8",
       .netdev = a->name(),
       .input = from_a("10.77.0.1"),
       .expected = verdict::redirect,
       .counters = {{"r:p0", 1, 0}, {"r:p2", 0, 1}},
       .output = forwarded("10.77.0.1", mac_p2, mac_gw3)},
      {.description = "192.168.0.0/16 twice: the path cost 5 route wins over cost 10",
       .netdev = a->name(),
       .input = from_a("192.168.1.1"),
       .expected = verdict::redirect,
       .counters = {{"r:p0", 1, 0}, {"r:p2", 0, 1}},
       .output = forwarded("192.168.1.1", mac_p2, mac_gw3)},
      {.description = "a secondary address's network is connected too",
       .netdev = c->name(),
       .input = packet().eth(mac_gw2, mac_p2).ipv4("10.0.3.9", "10.0.2.2", 200).icmp_echo(9, 9).payload(40),
       .expected = verdict::redirect,
       .counters = {{"r:p2", 1, 0}, {"r:p1", 0, 1}},
       .output = packet().eth(mac_p1, mac_b2).ipv4("10.0.3.9", "10.0.2.2", 199).icmp_echo(9, 9).payload(40)},
      {.description = "TTL 2 leaves with 1",
       .netdev = a->name(),
       .input = from_a("10.0.2.1", 2),
       .expected = verdict::redirect,
       .counters = {{"r:p0", 1, 0}, {"r:p1", 0, 1}},
       .output = forwarded("10.0.2.1", mac_p1, mac_b, 1)},
      {.description = "TTL 255 leaves with 254",
       .netdev = a->name(),
       .input = from_a("10.0.2.1", 255),
       .expected = verdict::redirect,
       .counters = {{"r:p0", 1, 0}, {"r:p1", 0, 1}},
       .output = forwarded("10.0.2.1", mac_p1, mac_b, 254)},
  });
}

TEST_P(router_fastpath, checksum_update_is_exact_for_every_ttl) {
  for (int ttl = 2; ttl <= 255; ++ttl) {
    SCOPED_TRACE("TTL " + std::to_string(ttl));
    run_result result = send(a->name(), from_a("10.0.2.1", static_cast<uint8_t>(ttl)));
    ASSERT_EQ(verdict_name(result.retval), verdict_name(code(verdict::redirect)));
    ASSERT_EQ(result.frame, forwarded("10.0.2.1", mac_p1, mac_b, static_cast<uint8_t>(ttl - 1)));
    ASSERT_TRUE(frame_reader(result.frame).ipv4_checksum_ok());
  }
}

TEST_P(router_fastpath, what_it_cannot_finish_goes_to_the_slow_path_with_a_reason) {
  run({
      {.description = "TTL 1: time exceeded, untouched",
       .netdev = a->name(),
       .input = from_a("10.0.2.1", 1),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = goes_up(ROUTER_REASON_TTL_EXCEEDED)},
      {.description = "TTL 0 as well",
       .netdev = a->name(),
       .input = from_a("10.0.2.1", 0),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = goes_up(ROUTER_REASON_TTL_EXCEEDED)},
      {.description = "no neighbour for 10.0.2.9: up with next hop and port, TTL and source MAC done",
       .netdev = a->name(),
       .input = from_a("10.0.2.9"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .output = packet().eth(mac_p1, mac_p0).ipv4("10.0.1.1", "10.0.2.9", 63).udp(40000, 53).payload(26),
       .check = goes_up(ROUTER_REASON_ARP_MISS, std::array<uint32_t, 2>{network_order("10.0.2.9"), 1})},
      {.description = "unresolved gateway: up with the gateway as next hop",
       .netdev = b->name(),
       .input = packet().eth(mac_b, mac_p1).ipv4("10.0.2.1", "10.0.5.1", 9).udp(1, 2).payload(8),
       .expected = verdict::drop,
       .counters = {{"r:p1", 1, 0}},
       .output = packet().eth(mac_p2, mac_p1).ipv4("10.0.2.1", "10.0.5.1", 8).udp(1, 2).payload(8),
       .check = goes_up(ROUTER_REASON_ARP_MISS, std::array<uint32_t, 2>{network_order("10.1.0.9"), 2})},
      {.description = "no route to 172.16.0.1",
       .netdev = a->name(),
       .input = from_a("172.16.0.1"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = goes_up(ROUTER_REASON_NO_ROUTE)},
      {.description = "a ping to the router's own address (p1's, arriving on p0)",
       .netdev = a->name(),
       .input = packet().eth(mac_a, mac_p0).ipv4("10.0.1.1", "10.0.2.254", 64).icmp_echo(1, 1).payload(56),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = goes_up(ROUTER_REASON_LOCAL, std::array<uint32_t, 2>{network_order("10.0.2.254"), 0})},
      {.description = "to a secondary address, TTL 1: for the router all the same",
       .netdev = a->name(),
       .input = from_a("10.0.4.254", 1),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = goes_up(ROUTER_REASON_LOCAL)},
      {.description = "ARP request for p0's address on p0",
       .netdev = a->name(),
       .input = arp_request(mac_a, "10.0.1.1", "10.0.1.254"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = goes_up(ROUTER_REASON_ARP)},
  });
}

TEST_P(router_fastpath, drops_what_is_not_for_it) {
  std::vector<fixture> table = {
      {.description = "a frame for another MAC",
       .netdev = a->name(),
       .input = from_a("10.0.2.1", 64, "02:00:00:00:01:99"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = stays_down()},
      {.description = "IPv4 to the broadcast MAC",
       .netdev = a->name(),
       .input = from_a("10.0.2.1", 64, "ff:ff:ff:ff:ff:ff"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = stays_down()},
      {.description = "ARP for p1's address arriving on p0",
       .netdev = a->name(),
       .input = arp_request(mac_a, "10.0.1.1", "10.0.2.254"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = stays_down()},
      {.description = "ARP between two hosts",
       .netdev = a->name(),
       .input = arp_request(mac_a, "10.0.1.1", "10.0.1.2"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = stays_down()},
      {.description = "neither IPv4 nor ARP",
       .netdev = a->name(),
       .input = packet().eth(mac_a, mac_p0).payload(46),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = stays_down()},
  };
  // BPF_PROG_TEST_RUN refuses an skb whose IPv4 header is cut short: XDP only.
  if (family() == hook_family::xdp)
    table.push_back({.description = "IPv4 cut short in its header",
                     .netdev = a->name(),
                     .input = truncated(from_a("10.0.2.1"), 24),
                     .expected = verdict::drop,
                     .counters = {{"r:p0", 1, 0}}});
  run(table);
}

TEST_P(router_fastpath, follows_route_and_address_changes) {
  auto c = base_config();
  std::erase_if(c.routes, [](const router::route_config& rc) { return rc.pathcost == 5; });
  r->configure(c);
  run({{.description = "the cost 5 route gone: the cost 10 one takes over",
        .netdev = a->name(),
        .input = from_a("192.168.1.1"),
        .expected = verdict::redirect,
        .counters = {{"r:p0", 1, 0}, {"r:p2", 0, 1}},
        .output = forwarded("192.168.1.1", mac_p2, mac_gw2)},
       {.description = "10.0.3.128/25 still via 10.0.2.2",
        .netdev = a->name(),
        .input = from_a("10.0.3.200"),
        .expected = verdict::redirect,
        .counters = {{"r:p0", 1, 0}, {"r:p1", 0, 1}},
        .output = forwarded("10.0.3.200", mac_p1, mac_b2)}});

  c.routes.clear();
  c.ports[1].secondary.clear();
  r->configure(c);
  run({{.description = "no routes left: 10.0.3.5 is unreachable",
        .netdev = a->name(),
        .input = from_a("10.0.3.5"),
        .expected = verdict::drop,
        .counters = {{"r:p0", 1, 0}},
        .check = goes_up(ROUTER_REASON_NO_ROUTE)},
       {.description = "the secondary address is gone with its network",
        .netdev = a->name(),
        .input = from_a("10.0.4.254"),
        .expected = verdict::drop,
        .counters = {{"r:p0", 1, 0}},
        .check = goes_up(ROUTER_REASON_NO_ROUTE)}});
}

TEST_P(router_fastpath, refuses_what_cannot_be_and_changes_nothing) {
  auto refused = [this](router::config c, const char* what) {
    try {
      r->configure(c);
      ADD_FAILURE() << what << ": not refused";
    } catch (const dataplane::topology_error& e) {
      EXPECT_EQ(e.what_kind(), dataplane::topology_error::kind::invalid) << what << ": " << e.what();
    }
  };
  auto c = base_config();
  c.routes.push_back({prefix("10.9.0.0/16"), address("10.99.0.1"), "", 1});
  refused(c, "a next hop on no network of the router");
  c = base_config();
  c.routes.push_back({prefix("10.9.0.1/16"), address("10.1.0.2"), "", 1});
  refused(c, "a network with host bits");
  c = base_config();
  c.routes.push_back({prefix("10.9.0.0/16"), address("10.1.0.2"), "p0", 1});
  refused(c, "a next hop not on the interface's network");
  c = base_config();
  c.ports[2].secondary.push_back(prefix("10.0.1.254/24"));
  refused(c, "an address twice");
  c = base_config();
  c.arp_table.push_back({address("10.0.1.7"), mac(mac_a), "p9"});
  refused(c, "an ARP entry on no port");
  run({{.description = "everything as before",
        .netdev = a->name(),
        .input = from_a("192.168.1.1"),
        .expected = verdict::redirect,
        .counters = {{"r:p0", 1, 0}, {"r:p2", 0, 1}},
        .output = forwarded("192.168.1.1", mac_p2, mac_gw3)}});
}

TEST_P(router_fastpath, forwards_ipv6_by_longest_prefix_with_the_hop_limit_and_macs_rewritten) {
  run({
      {.description = "connected network of p1, neighbour in the NDP table",
       .netdev = a->name(),
       .input = from_a6("2001:db8:2::1"),
       .expected = verdict::redirect,
       .counters = {{"r:p0", 1, 0}, {"r:p1", 0, 1}},
       .output = forwarded6("2001:db8:2::1", mac_p1, mac_b),
       .check = stays_down()},
      {.description = "2001:db8:3::/48 via 2001:db8:ff::2 out of p2",
       .netdev = a->name(),
       .input = from_a6("2001:db8:3:7::1"),
       .expected = verdict::redirect,
       .counters = {{"r:p0", 1, 0}, {"r:p2", 0, 1}},
       .output = forwarded6("2001:db8:3:7::1", mac_p2, mac_gw2)},
      {.description = "2001:db8:3:1::/64 is longer: via 2001:db8:2::2 out of p1",
       .netdev = a->name(),
       .input = from_a6("2001:db8:3:1::9"),
       .expected = verdict::redirect,
       .counters = {{"r:p0", 1, 0}, {"r:p1", 0, 1}},
       .output = forwarded6("2001:db8:3:1::9", mac_p1, mac_b2)},
      {.description = "hop limit 2 leaves with 1",
       .netdev = a->name(),
       .input = from_a6("2001:db8:2::1", 2),
       .expected = verdict::redirect,
       .counters = {{"r:p0", 1, 0}, {"r:p1", 0, 1}},
       .output = forwarded6("2001:db8:2::1", mac_p1, mac_b, 1)},
  });
}

TEST_P(router_fastpath, ipv6_it_cannot_finish_goes_up_with_a_reason) {
  run({
      {.description = "hop limit 1: time exceeded, untouched",
       .netdev = a->name(),
       .input = from_a6("2001:db8:2::1", 1),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = goes_up(ROUTER_REASON_TTL_EXCEEDED)},
      {.description = "no route to 2001:db9::1",
       .netdev = a->name(),
       .input = from_a6("2001:db9::1"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = goes_up(ROUTER_REASON_NO_ROUTE)},
      {.description = "no neighbour for 2001:db8:2::99: up with the port, hop limit and source MAC done",
       .netdev = a->name(),
       .input = from_a6("2001:db8:2::99"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .output = forwarded6("2001:db8:2::99", mac_p1, mac_p0),
       .check = goes_up(ROUTER_REASON_ND_MISS, std::array<uint32_t, 2>{0, 1})},
      {.description = "unresolved gateway 2001:db8:ff::9",
       .netdev = a->name(),
       .input = from_a6("2001:db8:5::1"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .output = forwarded6("2001:db8:5::1", mac_p2, mac_p0),
       .check = goes_up(ROUTER_REASON_ND_MISS, std::array<uint32_t, 2>{0, 2})},
      {.description = "for the router's address on p1, arriving on p0",
       .netdev = a->name(),
       .input = from_a6("2001:db8:2::fe"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = goes_up(ROUTER_REASON_LOCAL)},
      {.description = "a solicitation for p0's address to its solicited-node group",
       .netdev = a->name(),
       .input = solicitation(mac_a, "2001:db8:1::1", "2001:db8:1::fe"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = goes_up(ROUTER_REASON_NDP)},
      {.description = "an advertisement answering the router's solicitation",
       .netdev = a->name(),
       .input = advertisement(mac_a, "2001:db8:1::1", mac_p0, "2001:db8:1::fe"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = goes_up(ROUTER_REASON_NDP)},
  });
}

TEST_P(router_fastpath, ipv6_it_drops_what_is_not_for_it) {
  run({
      {.description = "a solicitation for p1's address arriving on p0",
       .netdev = a->name(),
       .input = solicitation(mac_a, "2001:db8:1::1", "2001:db8:2::fe"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = stays_down()},
      {.description = "a solicitation for another host",
       .netdev = a->name(),
       .input = solicitation(mac_a, "2001:db8:1::1", "2001:db8:1::2"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = stays_down()},
      {.description = "a link-local source is not forwarded",
       .netdev = a->name(),
       .input = from_a6("2001:db8:2::1", 64, mac_p0, "fe80::1"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = stays_down()},
      {.description = "nor a multicast destination",
       .netdev = a->name(),
       .input = from_a6("ff0e::1"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = stays_down()},
      {.description = "a frame for another MAC",
       .netdev = a->name(),
       .input = from_a6("2001:db8:2::1", 64, "02:00:00:00:01:99"),
       .expected = verdict::drop,
       .counters = {{"r:p0", 1, 0}},
       .check = stays_down()},
  });
}

INSTANTIATE_TEST_SUITE_P(types, router_fastpath, ::testing::Values(cube_type::xdp_drv, cube_type::tc), type_name);

}  // namespace
}  // namespace pcn::testing
