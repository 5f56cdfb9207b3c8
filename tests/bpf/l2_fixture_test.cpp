// The learning bridges' fast paths (cubes/l2/l2.bpf.h): learning, forwarding to the learned
// port, flooding (in the kernel to netdev ports, through the slow path to cube ports),
// aging, static entries and flush — configured through the control plane, packets through
// the datapath's netdev entry programs.
#include <gtest/gtest.h>

#include <algorithm>

#include "cubes/simplebridge/simplebridge.hpp"
#include "tests/bpf/fixture.hpp"

namespace pcn::testing {
namespace {

using cubes::simplebridge;
using cubes::l2::fdb_address;
using cubes::l2::learning_bridge;
using cubes::l2::parse_mac;
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

INSTANTIATE_TEST_SUITE_P(types, bridge_fixture, ::testing::Values(cube_type::xdp_drv, cube_type::tc), type_name);

}  // namespace
}  // namespace pcn::testing
