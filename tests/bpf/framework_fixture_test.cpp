// The framework's part of the fast path, through its netdev entry programs: port redirects
// and counters, metadata reset on netdev entry, the order of transparent chains on
// netdevs and cube ports, cube-to-cube links, and BPF_PROG_TEST_RUN's repeat mode.
#include <gtest/gtest.h>
#include <sched.h>

#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "tests/bpf/fixture.hpp"
#include "tests/support/probe_cube.hpp"

namespace pcn::testing {
namespace {

using cubes::simpleforwarder;
using dataplane::chain_position;
using dataplane::cube_type;
using dataplane::hook_family;
using dataplane::port_status;

constexpr auto FORWARD = simpleforwarder::action::forward;
constexpr auto DROP = simpleforwarder::action::drop;

using framework = dataplane_fixture;

chain_position last() { return {chain_position::kind::last, {}}; }
chain_position first() { return {chain_position::kind::first, {}}; }
chain_position before(std::string other) { return {chain_position::kind::before, std::move(other)}; }
chain_position after(std::string other) { return {chain_position::kind::after, std::move(other)}; }

std::vector<std::string> names(const std::vector<dataplane::transparent_cube*>& chain) {
  std::vector<std::string> out;
  for (auto* t : chain) out.push_back(t->name());
  return out;
}

TEST_P(framework, netdev_entry_redirects_out_of_the_port_the_cube_chooses) {
  const auto& a = veth();
  const auto& b = veth();
  const auto& idle = veth();
  simpleforwarder sf(dp(), "sf", type());
  forward_between(sf, a, b);

  run({
      {.description = "UDP arriving on p0's netdev leaves by p1",
       .netdev = a.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::redirect,
       .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}}},
      {.description = "UDP arriving on p1's netdev leaves by p0",
       .netdev = b.name(),
       .input = frames::udp_b_to_a(),
       .expected = verdict::redirect,
       .counters = {{"sf:p1", 1, 0}, {"sf:p0", 0, 1}}},
      {.description = "an ICMP echo request is forwarded the same way",
       .netdev = a.name(),
       .input = frames::echo_a_to_b(),
       .expected = verdict::redirect,
       .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}}},
      {.description = "a VLAN-tagged frame goes through with its tag",
       .netdev = a.name(),
       .input = frames::tagged_a_to_b(42),
       .expected = verdict::redirect,
       .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}},
       .check = [](const run_result& r) { EXPECT_EQ(frame_reader(r.frame).vlan_id(), 42); }},
      {.description = "a frame on a netdev no cube uses is left to the kernel",
       .netdev = idle.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::pass},
  });

  // Where the redirect goes: p1's hop transmits on b (what the verdict cannot say).
  auto hop = sf.get_table<uint32_t, pcn_hop>("cube_ports").get(sf.find_port("p1")->index());
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->kind, PCN_HOP_NETDEV);
  EXPECT_EQ(hop->target, b.ifindex());
  EXPECT_EQ(sf.find_port("p0")->status(), port_status::up);
  EXPECT_EQ(sf.find_port("p1")->status(), port_status::up);
}

TEST_P(framework, unconnected_and_drop_ports_drop) {
  const auto& a = veth();
  const auto& b = veth();
  const auto& c = veth();
  simpleforwarder sf(dp(), "sf", type());
  for (auto* name : {"p0", "p1", "p2", "p3"}) sf.add_port(name);
  dp().connect("sf:p0", a.name());
  dp().connect("sf:p2", b.name());
  dp().connect("sf:p3", c.name());
  sf.set_entry({"p0", FORWARD, "p1"});  // p1 has no peer
  sf.set_entry({"p2", DROP, ""});
  // p3 has no entry at all

  EXPECT_EQ(sf.find_port("p1")->status(), port_status::down);
  run({
      // A port counts what its cube sends out of it; what happens next is the peer's business.
      {.description = "forwarding to a port without a peer drops",
       .netdev = a.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::drop,
       .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}}},
      {.description = "a DROP entry drops",
       .netdev = b.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::drop,
       .counters = {{"sf:p2", 1, 0}}},
      {.description = "a port without an entry drops",
       .netdev = c.name(),
       .input = frames::echo_a_to_b(),
       .expected = verdict::drop,
       .counters = {{"sf:p3", 1, 0}}},
  });

  const auto& d = veth();
  dp().connect("sf:p1", d.name());
  run({{.description = "once p1 has a peer, the same packet leaves by it",
        .netdev = a.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::redirect,
        .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}}}});
}

TEST_P(framework, netdev_entry_resets_the_metadata) {
  const auto& a = veth();
  const auto& b = veth();
  probe_cube probe(dp(), "probe", type(), 0);
  dp().attach(probe, a.name(), last());

  // XDP: what a previous packet left in the CPU's metadata, and garbage in the metadata area
  // in front of the frame (which only a packet for the slow path gets rewritten: see
  // transparent_events_test).
  const bytes garbage(20, 0xab);
  auto reset = [this](const run_result& r) {
    pcn_metadata md = metadata_of(r);
    // TC writes skb->cb back only before a tail call: what the probe changed stays in its copy.
    EXPECT_EQ(md.data[0], family() == hook_family::xdp ? 1u : 0u) << "the probe's count";
    EXPECT_EQ(md.data[1], 0u);
    EXPECT_EQ(md.data[2], 0u);
    EXPECT_EQ(md.reason, 0u);
    EXPECT_EQ(md.flags, 0u);
    EXPECT_EQ(md.direction, PCN_INGRESS);
  };
  std::vector<fixture> table = {
      {.description = "a packet with garbage metadata reaches the first cube with it reset",
       .netdev = a.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::pass,
       .probes = {{"probe", PCN_INGRESS, 0}},
       .metadata = garbage,
       .check = reset},
      {.description = "a packet with no metadata gets one",
       .netdev = a.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::pass,
       .probes = {{"probe", PCN_INGRESS, 0}},
       .check = reset},
      {.description = "shorter garbage metadata (8 bytes) is reset too",
       .netdev = a.name(),
       .input = frames::echo_a_to_b(),
       .expected = verdict::pass,
       .probes = {{"probe", PCN_INGRESS, 0}},
       .metadata = bytes(8, 0x5a),
       .check = reset},
      {.description = "a packet on a netdev the datapath does not use keeps what it had",
       .netdev = b.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::pass,
       .metadata = garbage,
       .check = [&](const run_result& r) { EXPECT_EQ(r.metadata, garbage); }},
  };
  if (family() == hook_family::xdp)  // more than skb->cb can hold
    table.push_back({.description = "longer garbage metadata (32 bytes) is reset too",
                     .netdev = a.name(),
                     .input = frames::udp_a_to_b(),
                     .expected = verdict::pass,
                     .probes = {{"probe", PCN_INGRESS, 0}},
                     .metadata = bytes(32, 0xcd),
                     .check = reset});
  run(table);

  // The same holds when the netdev leads to a cube port: the probe sees a clean slate, the
  // cube forwards.
  simpleforwarder sf(dp(), "sf", type());
  forward_between(sf, a, b, false);
  run({{.description = "garbage metadata on a netdev of a cube port",
        .netdev = a.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::redirect,
        .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}},
        .probes = {{"probe", PCN_INGRESS, 0}},
        .metadata = garbage}});
}

// Four probes attached in every way a chain position can be given, on the netdev of a
// cube port: ingress crosses them first to last, then the cube; egress (out of the cube's
// port towards the netdev) last to first.
TEST_P(framework, chain_order_on_a_netdev) {
  const auto& x = veth();
  const auto& n = veth();
  probe_cube a(dp(), "a", type(), 0), b(dp(), "b", type(), 1), c(dp(), "c", type(), 2), d(dp(), "d", type(), 3);
  dp().attach(a, n.name(), last());      // a
  dp().attach(b, n.name(), first());     // b a
  dp().attach(c, n.name(), after("b"));  // b c a
  dp().attach(d, n.name(), before("a")); // b c d a
  ASSERT_EQ(names(dp().chain_of(n.name())), (std::vector<std::string>{"b", "c", "d", "a"}));

  run({{.description = "ingress to the stack crosses the chain first to last",
        .netdev = n.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::pass,
        .probes = {{"b", PCN_INGRESS, 0}, {"c", PCN_INGRESS, 1}, {"d", PCN_INGRESS, 2}, {"a", PCN_INGRESS, 3}}}});
  if (family() == hook_family::tc)
    run({{.description = "TC egress hook: what leaves by the netdev crosses the chain last to first",
          .netdev = n.name(),
          .input = frames::udp_b_to_a(),
          .expected = verdict::pass,
          .probes = {{"a", PCN_EGRESS, 0}, {"d", PCN_EGRESS, 1}, {"c", PCN_EGRESS, 2}, {"b", PCN_EGRESS, 3}},
          .entry = hook::egress}});

  simpleforwarder sf(dp(), "sf", type());
  forward_between(sf, x, n);

  std::vector<fixture> table = {
      {.description = "ingress to a cube port crosses the chain, then the cube",
       .netdev = n.name(),
       .input = frames::udp_b_to_a(),
       .expected = verdict::redirect,
       .counters = {{"sf:p1", 1, 0}, {"sf:p0", 0, 1}},
       .probes = {{"b", PCN_INGRESS, 0}, {"c", PCN_INGRESS, 1}, {"d", PCN_INGRESS, 2}, {"a", PCN_INGRESS, 3}}},
  };
  if (family() == hook_family::xdp) {
    // XDP has no egress hook: the chain runs before the redirect, in the cube's program.
    table.push_back({.description = "XDP: out of the cube towards the netdev crosses the chain last to first",
                     .netdev = x.name(),
                     .input = frames::udp_a_to_b(),
                     .expected = verdict::redirect,
                     .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}},
                     .probes = {{"a", PCN_EGRESS, 0}, {"d", PCN_EGRESS, 1}, {"c", PCN_EGRESS, 2}, {"b", PCN_EGRESS, 3}}});
  } else {
    // TC: the cube redirects to the netdev; its egress hook runs the chain.
    table.push_back({.description = "TC: out of the cube, straight to the netdev",
                     .netdev = x.name(),
                     .input = frames::udp_a_to_b(),
                     .expected = verdict::redirect,
                     .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}}});
    table.push_back({.description = "TC: then the netdev's egress hook crosses the chain last to first",
                     .netdev = n.name(),
                     .input = frames::udp_a_to_b(),
                     .expected = verdict::pass,
                     .probes = {{"a", PCN_EGRESS, 0}, {"d", PCN_EGRESS, 1}, {"c", PCN_EGRESS, 2}, {"b", PCN_EGRESS, 3}},
                     .entry = hook::egress});
  }
  run(table);

  dp().detach(c);
  run({{.description = "a detached probe is out of the chain",
        .netdev = n.name(),
        .input = frames::udp_b_to_a(),
        .expected = verdict::redirect,
        .counters = {{"sf:p1", 1, 0}, {"sf:p0", 0, 1}},
        .probes = {{"b", PCN_INGRESS, 0}, {"d", PCN_INGRESS, 1}, {"a", PCN_INGRESS, 2}}}});
}

// Chains on both ports of a cube: a packet crosses p0's chain inbound (first to last), the
// cube, then p1's chain outbound (last to first); positions run on across the cube. Hops
// into the transparent cubes write no metadata, the hop into the cube writes in_port: the
// cube forwards by the port the packet came in by, and the metadata still says so at the end.
TEST_P(framework, chain_order_on_cube_ports) {
  const auto& x = veth();
  const auto& y = veth();
  simpleforwarder sf(dp(), "sf", type());
  forward_between(sf, x, y);
  probe_cube i0(dp(), "i0", type(), 0), i1(dp(), "i1", type(), 1), i2(dp(), "i2", type(), 2);
  probe_cube o0(dp(), "o0", type(), 3), o1(dp(), "o1", type(), 4), o2(dp(), "o2", type(), 5);
  dp().attach(i2, "sf:p0", last());
  dp().attach(i0, "sf:p0", first());
  dp().attach(i1, "sf:p0", before("i2"));
  dp().attach(o0, "sf:p1", last());
  dp().attach(o2, "sf:p1", after("o0"));
  dp().attach(o1, "sf:p1", after("o0"));
  ASSERT_EQ(names(dp().chain_of("sf:p0")), (std::vector<std::string>{"i0", "i1", "i2"}));
  ASSERT_EQ(names(dp().chain_of("sf:p1")), (std::vector<std::string>{"o0", "o1", "o2"}));
  auto received_on = [](uint16_t port) {
    return [port](const run_result& r) { EXPECT_EQ(metadata_of(r).in_port, port) << "the port sf received the packet on"; };
  };

  run({
      {.description = "x -> p0's chain inbound -> sf -> p1's chain outbound -> y",
       .netdev = x.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::redirect,
       .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}},
       .probes = {{"i0", PCN_INGRESS, 0},
                  {"i1", PCN_INGRESS, 1},
                  {"i2", PCN_INGRESS, 2},
                  {"o2", PCN_EGRESS, 3},
                  {"o1", PCN_EGRESS, 4},
                  {"o0", PCN_EGRESS, 5}},
       .check = received_on(sf.find_port("p0")->index())},
      {.description = "y -> p1's chain inbound -> sf -> p0's chain outbound -> x",
       .netdev = y.name(),
       .input = frames::udp_b_to_a(),
       .expected = verdict::redirect,
       .counters = {{"sf:p1", 1, 0}, {"sf:p0", 0, 1}},
       .probes = {{"o0", PCN_INGRESS, 0},
                  {"o1", PCN_INGRESS, 1},
                  {"o2", PCN_INGRESS, 2},
                  {"i2", PCN_EGRESS, 3},
                  {"i1", PCN_EGRESS, 4},
                  {"i0", PCN_EGRESS, 5}},
       .check = received_on(sf.find_port("p1")->index())},
  });
}

// Two cubes linked port to port: a packet crosses both, through a probe on the link.
TEST_P(framework, cube_to_cube) {
  const auto& a = veth();
  const auto& b = veth();
  simpleforwarder sf1(dp(), "sf1", type()), sf2(dp(), "sf2", type());
  for (auto* sf : {&sf1, &sf2}) {
    sf->add_port("p0");
    sf->add_port("p1");
    sf->set_entry({"p0", FORWARD, "p1"});
    sf->set_entry({"p1", FORWARD, "p0"});
  }
  dp().connect("sf1:p0", a.name());
  dp().connect("sf1:p1", "sf2:p0");
  dp().connect("sf2:p1", b.name());
  probe_cube link(dp(), "link", type(), 0);
  dp().attach(link, "sf1:p1", last());

  run({
      {.description = "a -> sf1 -> (link, outbound) -> sf2 -> b",
       .netdev = a.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::redirect,
       .counters = {{"sf1:p0", 1, 0}, {"sf1:p1", 0, 1}, {"sf2:p0", 1, 0}, {"sf2:p1", 0, 1}},
       .probes = {{"link", PCN_EGRESS, 0}}},
      {.description = "b -> sf2 -> (link, inbound) -> sf1 -> a",
       .netdev = b.name(),
       .input = frames::udp_b_to_a(),
       .expected = verdict::redirect,
       .counters = {{"sf2:p1", 1, 0}, {"sf2:p0", 0, 1}, {"sf1:p1", 1, 0}, {"sf1:p0", 0, 1}},
       .probes = {{"link", PCN_INGRESS, 0}}},
  });

  dp().disconnect("sf1:p1", "sf2:p0");
  EXPECT_EQ(sf1.find_port("p1")->status(), port_status::down);
  run({
      {.description = "after the link is cut, what sf1 sends to sf2 crosses sf1:p1's chain and is dropped",
       .netdev = a.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::drop,
       .counters = {{"sf1:p0", 1, 0}, {"sf1:p1", 0, 1}},
       .probes = {{"link", PCN_EGRESS, 0}}},
      {.description = "and what sf2 sends to sf1 is dropped",
       .netdev = b.name(),
       .input = frames::udp_b_to_a(),
       .expected = verdict::drop,
       .counters = {{"sf2:p1", 1, 0}, {"sf2:p0", 0, 1}}},
  });
}

// Repeat mode: the kernel runs the packet `repeat` times (each one counts) and reports the
// mean time per packet.
TEST_P(framework, repeat_mode_counts_every_run_and_reports_ns_per_packet) {
  const auto& a = veth();
  const auto& b = veth();
  simpleforwarder sf(dp(), "sf", type());
  forward_between(sf, a, b, false);

  constexpr uint32_t repeat = 1000;
  bytes frame = frames::udp_a_to_b();
  run_result r = send(a.name(), frame, hook::ingress, {}, repeat);
  EXPECT_EQ(verdict_name(r.retval), verdict_name(code(verdict::redirect)));
  EXPECT_GT(r.ns_per_packet, 0u);
  EXPECT_LT(r.ns_per_packet, 1'000'000u) << "a mean per packet, not a total";
  RecordProperty("ns_per_packet", static_cast<int>(r.ns_per_packet));
  auto in = sf.find_port("p0")->counters();
  auto out = sf.find_port("p1")->counters();
  EXPECT_EQ(in.rx_packets, repeat);
  EXPECT_EQ(in.rx_bytes, repeat * frame.size());
  EXPECT_EQ(out.tx_packets, repeat);
}

// Port counters: each CPU counts in a row of its own, userspace sums the rows; a port
// removed leaves nothing for the next port at its index.
TEST_P(framework, port_counters_sum_every_cpu_and_start_from_zero_for_a_new_port) {
  const auto& a = veth();
  const auto& b = veth();
  simpleforwarder sf(dp(), "sf", type());
  forward_between(sf, a, b, false);
  bytes frame = frames::udp_a_to_b();
  cpu_set_t before;
  ASSERT_EQ(::sched_getaffinity(0, sizeof before, &before), 0);
  unsigned cpus = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && cpus < 4; ++cpu) {
    if (!CPU_ISSET(cpu, &before)) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0);
    send(a.name(), frame, hook::ingress, {}, 10 * (cpus + 1));  // BPF_PROG_TEST_RUN runs on this CPU
    ++cpus;
  }
  ::sched_setaffinity(0, sizeof before, &before);
  uint64_t expected = 10 * cpus * (cpus + 1) / 2;
  EXPECT_EQ(sf.find_port("p0")->counters().rx_packets, expected) << "over " << cpus << " CPU(s)";
  EXPECT_EQ(sf.find_port("p1")->counters().tx_packets, expected);
  EXPECT_EQ(sf.find_port("p1")->counters().tx_bytes, expected * frame.size());

  uint16_t index = sf.find_port("p1")->index();
  sf.remove_port("p1");
  EXPECT_EQ(sf.add_port("again").index(), index);
  EXPECT_EQ(sf.find_port("again")->counters().tx_packets, 0u) << "the removed port's counts are gone";
  EXPECT_EQ(sf.find_port("p0")->counters().rx_packets, expected) << "the other ports keep theirs";
}

INSTANTIATE_TEST_SUITE_P(types, framework, ::testing::Values(cube_type::xdp_drv, cube_type::tc), type_name);

}  // namespace
}  // namespace pcn::testing
