// The learning bridges' fast paths (cubes/l2/l2.bpf.h): learning, forwarding to the learned
// port, flooding (in the kernel to netdev ports, through the slow path to cube ports),
// aging, static entries and flush — configured through the control plane, packets through
// the datapath's netdev entry programs.
#include <gtest/gtest.h>

#include <net/if.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>

#include "cubes/bridge/bridge.hpp"
#include "cubes/simplebridge/simplebridge.hpp"
#include "tests/bpf/fixture.hpp"

namespace pcn::testing {
namespace {

using cubes::bridge;
using cubes::simplebridge;
using cubes::l2::fdb_address;
using cubes::l2::learning_bridge;
using cubes::l2::parse_mac;
namespace stp = cubes::stp;
using dataplane::cube_type;
using dataplane::hook_family;

using l2_bridges = dataplane_fixture;

constexpr const char* mac_a = "02:00:00:00:00:0a";
constexpr const char* mac_b = "02:00:00:00:00:0b";
constexpr const char* mac_c = "02:00:00:00:00:0c";
constexpr const char* mac_x = "02:00:00:00:00:99";
constexpr const char* broadcast = "ff:ff:ff:ff:ff:ff";

bytes udp(const char* src, const char* dst) {
  return packet().eth(src, dst).ipv4("10.0.0.1", "10.0.0.2", 64).udp(40000, 53).payload(22);
}
// The same frame with an 802.1Q tag.
bytes tagged(const char* src, const char* dst, uint16_t vid) {
  return packet().eth(src, dst).vlan(vid).ipv4("10.0.0.1", "10.0.0.2", 64).udp(40000, 53).payload(22);
}

// Frames redirected into a veth reach its peer only when the peer has GRO on (or an XDP
// program): the kernel does not even offer the veth as a destination otherwise.
void accept_redirects(const veth_pair& v) {
  // "3: fx1@fy1: <...>": the peer follows the '@' (the test's namespace is not in /sys).
  std::string line;
  if (FILE* f = ::popen(("ip -o link show dev " + v.name()).c_str(), "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, f)) line += buffer;
    ::pclose(f);
  }
  auto at = line.find('@'), colon = line.find(':', at);
  if (at == std::string::npos || colon == std::string::npos) throw std::runtime_error("no peer for " + v.name() + ": " + line);
  std::string peer = line.substr(at + 1, colon - at - 1);
  if (std::system(("ethtool -K " + peer + " gro on >/dev/null 2>&1").c_str()) != 0)
    throw std::runtime_error("ethtool -K " + peer + " gro on failed");
}

// Runs the frame through an XDP program for real (BPF_F_TEST_XDP_LIVE_FRAMES): its redirects
// happen, a devmap broadcast's egress programs run on each copy.
void run_live(int prog_fd, const bytes& frame, uint32_t ingress_ifindex) {
  bytes data = frame;
  xdp_md ctx{};
  ctx.data_end = static_cast<__u32>(data.size());
  ctx.ingress_ifindex = ingress_ifindex;
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data.data(), .data_size_in = static_cast<__u32>(data.size()), .ctx_in = &ctx,
              .ctx_size_in = sizeof ctx, .repeat = 1, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) throw std::system_error(errno, std::system_category(), "live-frames test run");
}

fdb_address address(const char* mac, uint16_t vlan = 0) { return {*parse_mac(mac), vlan}; }

// Where the database says an address is ("" when it is not there).
std::string port_of(const learning_bridge& b, const char* mac, uint16_t vlan = 0) {
  for (const auto& row : b.fdb_entries())
    if (row.address == address(mac, vlan)) return row.port;
  return "";
}

class bridge_fixture : public l2_bridges {
 protected:
  // A flood from `netdev`: XDP broadcasts through the bridge's devmap (one redirect; the
  // copies are counted by the devmap's egress program, which a test run does not reach);
  // TC clones the packet to each other netdev port, counting each, and drops the original.
  fixture flood(std::string description, const std::string& netdev, bytes input, const std::string& in,
                const std::vector<std::string>& out) {
    fixture f{.description = std::move(description), .netdev = netdev, .input = std::move(input), .expected = verdict::drop};
    f.counters.push_back({in, 1, 0});
    if (family() == hook_family::xdp) {
      f.expected = verdict::redirect;
    } else {
      for (const auto& p : out) f.counters.push_back({p, 0, 1});
    }
    return f;
  }
};

// ---------------------------------------------------------------- simplebridge

TEST_P(bridge_fixture, simplebridge_learns_forwards_and_floods) {
  const auto& a = veth();
  const auto& b = veth();
  const auto& c = veth();
  simplebridge sb(dp(), "sb", type());
  for (auto* p : {"p0", "p1", "p2"}) sb.add_port(p);
  dp().connect("sb:p0", a.name());
  dp().connect("sb:p1", b.name());
  dp().connect("sb:p2", c.name());
  EXPECT_EQ(sb.kernel_flood_ports().size(), 3u);
  EXPECT_TRUE(sb.slowpath_flood_ports().empty());

  run({flood("A to B, B unknown: flooded", a.name(), udp(mac_a, mac_b), "sb:p0", {"sb:p1", "sb:p2"})});
  EXPECT_EQ(port_of(sb, mac_a), "p0");
  EXPECT_EQ(port_of(sb, mac_b), "");
  run({
      {.description = "B to A: A was learned behind p0",
       .netdev = b.name(),
       .input = udp(mac_b, mac_a),
       .expected = verdict::redirect,
       .counters = {{"sb:p1", 1, 0}, {"sb:p0", 0, 1}}},
      {.description = "A to B: B was learned behind p1",
       .netdev = a.name(),
       .input = udp(mac_a, mac_b),
       .expected = verdict::redirect,
       .counters = {{"sb:p0", 1, 0}, {"sb:p1", 0, 1}}},
      {.description = "to an address behind the port it came from: dropped",
       .netdev = a.name(),
       .input = udp(mac_x, mac_a),
       .expected = verdict::drop,
       .counters = {{"sb:p0", 1, 0}}},
      {.description = "a link-local control frame (STP) is not forwarded",
       .netdev = c.name(),
       .input = udp(mac_c, "01:80:c2:00:00:00"),
       .expected = verdict::drop,
       .counters = {{"sb:p2", 1, 0}}},
  });
  run({flood("broadcast from C: flooded, C learned", c.name(), udp(mac_c, broadcast), "sb:p2", {"sb:p0", "sb:p1"}),
       flood("multicast: flooded", a.name(), udp(mac_a, "01:00:5e:00:00:01"), "sb:p0", {"sb:p1", "sb:p2"})});
  EXPECT_EQ(port_of(sb, mac_c), "p2");

  run({{.description = "A moved behind p2: learned again at once",
        .netdev = c.name(),
        .input = udp(mac_a, mac_c),
        .expected = verdict::drop,
        .counters = {{"sb:p2", 1, 0}}},
       {.description = "B to A goes to p2 now",
        .netdev = b.name(),
        .input = udp(mac_b, mac_a),
        .expected = verdict::redirect,
        .counters = {{"sb:p1", 1, 0}, {"sb:p2", 0, 1}}}});

  auto entries = sb.fdb_entries();
  ASSERT_EQ(entries.size(), 4u);  // a, b, c, x
  for (const auto& e : entries) {
    EXPECT_FALSE(e.is_static);
    EXPECT_LE(e.age, 1u);
  }
}

TEST_P(bridge_fixture, simplebridge_ages_static_entries_and_flush) {
  const auto& a = veth();
  const auto& b = veth();
  simplebridge sb(dp(), "sb", type());
  sb.add_port("p0");
  sb.add_port("p1");
  dp().connect("sb:p0", a.name());
  dp().connect("sb:p1", b.name());

  // B was seen 100 s ago behind p1.
  l2_fdb_key key{};
  std::copy_n(address(mac_b).mac.begin(), 6, key.mac);
  l2_fdb_entry old{};
  old.port = sb.find_port("p1")->index();
  old.timestamp = learning_bridge::now() - 100;
  sb.get_table<l2_fdb_key, l2_fdb_entry>("fdb").set(key, old);
  fixture to_b{.description = "to B, learned 100 s ago, aging 300 s: forwarded",
               .netdev = a.name(),
               .input = udp(mac_a, mac_b),
               .expected = verdict::redirect,
               .counters = {{"sb:p0", 1, 0}, {"sb:p1", 0, 1}}};
  run({to_b});
  sb.set_aging_time(60);
  run({flood("aging 60 s: B aged out, flooded", a.name(), udp(mac_a, mac_b), "sb:p0", {"sb:p1"})});
  EXPECT_EQ(port_of(sb, mac_b), "");  // not shown either
  EXPECT_EQ(sb.sweep(), 1u);          // and swept out
  EXPECT_EQ(port_of(sb, mac_a), "p0");

  sb.set_static_entry(address(mac_x), "p1");
  run({{.description = "to a static entry",
        .netdev = a.name(),
        .input = udp(mac_a, mac_x),
        .expected = verdict::redirect,
        .counters = {{"sb:p0", 1, 0}, {"sb:p1", 0, 1}}},
       {.description = "a frame from X on p0 does not move a static entry",
        .netdev = a.name(),
        .input = udp(mac_x, mac_a),
        .expected = verdict::drop,
        .counters = {{"sb:p0", 1, 0}}}});
  EXPECT_EQ(port_of(sb, mac_x), "p1");

  EXPECT_EQ(sb.flush(), 1u);  // A; X stays
  EXPECT_EQ(port_of(sb, mac_a), "");
  EXPECT_EQ(port_of(sb, mac_x), "p1");
  EXPECT_THROW(sb.set_static_entry(address(mac_c), "nosuch"), dataplane::topology_error);

  // A port that goes takes what is behind it; a static entry comes back with its port.
  run({{.description = "B learned behind p1 again",
        .netdev = b.name(),
        .input = udp(mac_b, mac_x),
        .expected = verdict::drop,
        .counters = {{"sb:p1", 1, 0}}}});
  EXPECT_EQ(port_of(sb, mac_b), "p1");
  sb.remove_port("p1");
  EXPECT_EQ(port_of(sb, mac_b), "");
  EXPECT_EQ(port_of(sb, mac_x), "");
  sb.add_port("p1");
  EXPECT_EQ(port_of(sb, mac_x), "p1");
  sb.remove_static_entry(address(mac_x));
  EXPECT_EQ(port_of(sb, mac_x), "");
}

// A port towards another cube is flooded to through the slow path: a copy (XDP: while the
// broadcast goes on; TC: besides the clones) or, with no netdev port left, the packet.
TEST_P(bridge_fixture, simplebridge_floods_to_cube_ports_through_the_slow_path) {
  const auto& a = veth();
  simplebridge sb(dp(), "sb", type());
  simplebridge other(dp(), "other", type());
  sb.add_port("p0");
  sb.add_port("p1");
  other.add_port("q0");
  dp().connect("sb:p0", a.name());
  dp().connect("sb:p1", "other:q0");
  ASSERT_EQ(sb.slowpath_flood_ports(), std::vector<uint16_t>{sb.find_port("p1")->index()});
  ASSERT_EQ(sb.kernel_flood_ports().size(), 1u);
  EXPECT_EQ(sb.kernel_flood_ports().at(sb.find_port("p0")->index()), a.ifindex());

  auto up = [](const learning_bridge& b) { return b.slowpath_stats().fastpath_to_slowpath + b.slowpath_stats().fastpath_drops; };
  run({flood("broadcast from p0: a copy up for p1", a.name(), udp(mac_a, broadcast), "sb:p0", {})});
  EXPECT_EQ(sb.slowpath_stats().fastpath_to_slowpath, 1u) << "the copy went through the ring buffer";
  EXPECT_EQ(up(other), 0u);

  // B behind p1 (learned from a frame the other cube sent): unicast goes by tail call.
  l2_fdb_key key{};
  std::copy_n(address(mac_b).mac.begin(), 6, key.mac);
  l2_fdb_entry e{};
  e.port = sb.find_port("p1")->index();
  e.timestamp = learning_bridge::now();
  sb.get_table<l2_fdb_key, l2_fdb_entry>("fdb").set(key, e);
  run({{.description = "A to B: into the other cube, which floods it up (it has no netdev port)",
        .netdev = a.name(),
        .input = udp(mac_a, mac_b),
        .expected = verdict::drop,
        .counters = {{"sb:p0", 1, 0}, {"sb:p1", 0, 1}, {"other:q0", 1, 0}}}});
  EXPECT_EQ(up(other), 1u);
  EXPECT_EQ(port_of(other, mac_a), "q0");

  dp().disconnect("sb:p1", "other:q0");
  EXPECT_TRUE(sb.slowpath_flood_ports().empty());
  dp().disconnect("sb:p0", a.name());
  EXPECT_TRUE(sb.kernel_flood_ports().empty());
}

// ---------------------------------------------------------------- bridge

bridge::port_settings access(uint16_t vlan) {
  bridge::port_settings s;
  s.access_vlan = vlan;
  return s;
}
bridge::port_settings trunk(std::set<uint16_t> allowed, bool native = true) {
  bridge::port_settings s;
  s.mode = bridge::port_mode::trunk;
  s.allowed = std::move(allowed);
  s.native_enabled = native;
  return s;
}

// p0 access VLAN 10, p1 access VLAN 20, p2 trunk (10 and 20 tagged, native 1), p3 access 10.
struct vlan_topology {
  bridge br;
  vlan_topology(dataplane::datapath& dp, dataplane::cube_type type, const std::vector<const veth_pair*>& veths) : br(dp, "br", type) {
    for (auto* p : {"p0", "p1", "p2", "p3"}) br.add_port(p);
    br.set_port_settings("p0", access(10));
    br.set_port_settings("p1", access(20));
    br.set_port_settings("p2", trunk({10, 20}));
    br.set_port_settings("p3", access(10));
    for (size_t i = 0; i < veths.size(); ++i) dp.connect("br:p" + std::to_string(i), veths[i]->name());
  }
};

TEST_P(bridge_fixture, bridge_access_and_trunk_ports) {
  const auto& a = veth();
  const auto& b = veth();
  const auto& c = veth();
  const auto& d = veth();
  vlan_topology t(dp(), type(), {&a, &b, &c, &d});
  bool xdp = family() == hook_family::xdp;

  // A flood in VLAN 10 from p0 reaches p2 (tagged) and p3, not p1. XDP tags the frame for
  // the broadcast (each copy leaves as its port wants it); TC clones it to each port.
  fixture from_a{.description = "A (VLAN 10) to B: flooded in VLAN 10",
                 .netdev = a.name(),
                 .input = udp(mac_a, mac_b),
                 .expected = xdp ? verdict::redirect : verdict::drop,
                 .counters = {{"br:p0", 1, 0}}};
  if (xdp) from_a.output = tagged(mac_a, mac_b, 10);
  else from_a.counters = {{"br:p0", 1, 0}, {"br:p2", 0, 1}, {"br:p3", 0, 1}};
  run({from_a});
  EXPECT_EQ(port_of(t.br, mac_a, 10), "p0");
  EXPECT_EQ(port_of(t.br, mac_a, 20), "");

  fixture to_trunk{.description = "to X, learned on the trunk in VLAN 10: leaves tagged",
                   .netdev = a.name(),
                   .input = udp(mac_a, mac_x),
                   .expected = verdict::redirect,
                   .counters = {{"br:p0", 1, 0}, {"br:p2", 0, 1}}};
  // TC: the tag goes to skb->vlan_tci (out of the bytes a test run shows).
  if (xdp) to_trunk.output = tagged(mac_a, mac_x, 10);
  run({
      {.description = "tagged 10 from the trunk to A: leaves p0 untagged",
       .netdev = c.name(),
       .input = tagged(mac_x, mac_a, 10),
       .expected = verdict::redirect,
       .counters = {{"br:p2", 1, 0}, {"br:p0", 0, 1}},
       .output = udp(mac_x, mac_a)},
      to_trunk,
      {.description = "D (VLAN 10) to A: untagged to untagged",
       .netdev = d.name(),
       .input = udp(mac_c, mac_a),
       .expected = verdict::redirect,
       .counters = {{"br:p3", 1, 0}, {"br:p0", 0, 1}}},
      {.description = "a tag the trunk does not carry (30): dropped",
       .netdev = c.name(),
       .input = tagged(mac_x, mac_a, 30),
       .expected = verdict::drop,
       .counters = {{"br:p2", 1, 0}}},
      {.description = "a tag of another VLAN on an access port: dropped",
       .netdev = a.name(),
       .input = tagged(mac_a, mac_x, 20),
       .expected = verdict::drop,
       .counters = {{"br:p0", 1, 0}}},
  });
  EXPECT_EQ(port_of(t.br, mac_x, 10), "p2");

  // VLAN 20: A's address is not known there; the flood goes to the trunk only.
  fixture in_20{.description = "B (VLAN 20) to A: unknown in VLAN 20, flooded to the trunk",
                .netdev = b.name(),
                .input = udp(mac_b, mac_a),
                .expected = xdp ? verdict::redirect : verdict::drop,
                .counters = {{"br:p1", 1, 0}}};
  if (xdp) in_20.output = tagged(mac_b, mac_a, 20);
  else in_20.counters.push_back({"br:p2", 0, 1});
  fixture native{.description = "untagged on the trunk: native VLAN 1, no other port in it",
                 .netdev = c.name(),
                 .input = udp(mac_x, broadcast),
                 .expected = xdp ? verdict::redirect : verdict::drop,
                 .counters = {{"br:p2", 1, 0}}};
  if (xdp) native.output = tagged(mac_x, broadcast, 1);
  run({in_20, native});
  EXPECT_EQ(port_of(t.br, mac_b, 20), "p1");
  EXPECT_EQ(port_of(t.br, mac_x, 1), "p2");

  // Without a native VLAN the trunk drops untagged frames.
  t.br.set_port_settings("p2", trunk({10, 20}, false));
  run({{.description = "untagged on a trunk without a native VLAN: dropped",
        .netdev = c.name(),
        .input = udp(mac_x, broadcast),
        .expected = verdict::drop,
        .counters = {{"br:p2", 1, 0}}}});
}

// XDP: the broadcast's copies, one per netdev port, each adapted and counted by the devmap's
// egress program (a live run: the redirects happen).
TEST_P(bridge_fixture, bridge_xdp_broadcast_copies_follow_the_vlan) {
  if (family() != hook_family::xdp) GTEST_SKIP() << "the devmap broadcast is XDP's";
  const auto& a = veth();
  const auto& b = veth();
  const auto& c = veth();
  const auto& d = veth();
  vlan_topology t(dp(), type(), {&a, &b, &c, &d});
  for (const auto* v : {&a, &b, &c, &d}) accept_redirects(*v);
  auto before = [&](const char* port) { return t.br.find_port(port)->counters().tx_packets; };
  uint64_t p1 = before("p1"), p2 = before("p2"), p3 = before("p3");
  uint64_t rx = t.br.find_port("p0")->counters().rx_packets;
  run_live(dp().entry_program_fd(a.name()), udp(mac_a, broadcast), a.ifindex());
  EXPECT_EQ(t.br.find_port("p0")->counters().rx_packets - rx, 1u) << "the frame entered the bridge";
  EXPECT_EQ(before("p1") - p1, 0u) << "VLAN 20 port";
  EXPECT_EQ(before("p2") - p2, 1u) << "trunk";
  EXPECT_EQ(before("p3") - p3, 1u) << "VLAN 10 port";
  EXPECT_EQ(t.br.find_port("p0")->counters().tx_packets, 0u) << "the ingress port is left out";
}

TEST_P(bridge_fixture, bridge_stp_port_states) {
  const auto& a = veth();
  const auto& b = veth();
  bridge br(dp(), "br", type());
  br.add_port("p0");
  br.add_port("p1");
  dp().connect("br:p0", a.name());
  dp().connect("br:p1", b.name());
  auto t0 = clock::now();
  stp::bridge_parameters params;
  params.forward_delay = stp::seconds(4);
  br.set_stp(true, params, t0);
  // Alone, it is the root: both ports designated, listening first.
  EXPECT_EQ(br.port_state(0), BRIDGE_PORT_LISTENING);
  EXPECT_TRUE(br.spanning_tree()->is_root());
  run({{.description = "listening: dropped, not learned",
        .netdev = a.name(),
        .input = udp(mac_a, broadcast),
        .expected = verdict::drop,
        .counters = {{"br:p0", 1, 0}}}});
  EXPECT_EQ(port_of(br, mac_a), "");

  auto up = [&] { return br.slowpath_stats().fastpath_to_slowpath + br.slowpath_stats().fastpath_drops; };
  uint64_t was = up();
  run({{.description = "a BPDU goes to the slow path",
        .netdev = a.name(),
        .input = udp(mac_x, "01:80:c2:00:00:00"),
        .expected = verdict::drop,
        .counters = {{"br:p0", 1, 0}}}});
  EXPECT_EQ(up() - was, 1u);

  br.stp_tick(t0 + stp::seconds(4));
  EXPECT_EQ(br.port_state(0), BRIDGE_PORT_LEARNING);
  run({{.description = "learning: learned, still dropped",
        .netdev = a.name(),
        .input = udp(mac_a, broadcast),
        .expected = verdict::drop,
        .counters = {{"br:p0", 1, 0}}}});
  EXPECT_EQ(port_of(br, mac_a, 1), "p0");

  br.stp_tick(t0 + stp::seconds(8));
  EXPECT_EQ(br.port_state(1), BRIDGE_PORT_FORWARDING);
  EXPECT_EQ(port_of(br, mac_a, 1), "") << "ports that start forwarding change the topology: learned addresses go";
  fixture flood_a{.description = "forwarding: A floods",
                  .netdev = a.name(),
                  .input = udp(mac_a, broadcast),
                  .expected = verdict::drop,
                  .counters = {{"br:p0", 1, 0}, {"br:p1", 0, 1}}};
  if (family() == hook_family::xdp) {
    flood_a.expected = verdict::redirect;
    flood_a.output = tagged(mac_a, broadcast, 1);
    flood_a.counters = {{"br:p0", 1, 0}};
  }
  run({flood_a});
  run({{.description = "forwarding: B to A",
        .netdev = b.name(),
        .input = udp(mac_b, mac_a),
        .expected = verdict::redirect,
        .counters = {{"br:p1", 1, 0}, {"br:p0", 0, 1}}}});

  br.set_stp(false, params);
  run({{.description = "STP off: BPDUs dropped like other link-local frames, nothing to the slow path",
        .netdev = a.name(),
        .input = udp(mac_x, "01:80:c2:00:00:00"),
        .expected = verdict::drop,
        .counters = {{"br:p0", 1, 0}}}});
  EXPECT_EQ(up() - was, 1u);
}

INSTANTIATE_TEST_SUITE_P(types, bridge_fixture, ::testing::Values(cube_type::xdp_drv, cube_type::tc), type_name);

}  // namespace
}  // namespace pcn::testing
