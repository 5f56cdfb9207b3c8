// The three services' fast paths, configured through their control planes and driven
// through the datapath's netdev entry programs.
#include <gtest/gtest.h>

#include "cubes/helloworld/helloworld.hpp"
#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "cubes/transparenthelloworld/transparenthelloworld.hpp"
#include "tests/bpf/fixture.hpp"
#include "tests/support/run.hpp"

namespace pcn::testing {
namespace {

using cubes::helloworld;
using cubes::simpleforwarder;
using cubes::transparenthelloworld;
using dataplane::chain_position;
using dataplane::cube_type;
using dataplane::hook_family;
using dataplane::topology_error;

using services = dataplane_fixture;

constexpr auto FORWARD = simpleforwarder::action::forward;
constexpr auto DROP = simpleforwarder::action::drop;

// Expects `f` to throw a topology_error of kind `k`.
template <typename F>
void expect_refused(F f, topology_error::kind k, const char* what) {
  try {
    f();
    ADD_FAILURE() << what << ": not refused";
  } catch (const topology_error& e) {
    EXPECT_EQ(e.what_kind(), k) << what << ": " << e.what();
  }
}

// ---------------------------------------------------------------- helloworld

TEST_P(services, helloworld_drops_by_default_and_forwards_between_its_two_ports) {
  const auto& a = veth();
  const auto& b = veth();
  helloworld hw(dp(), "hw", type());
  hw.add_port("p0");
  hw.add_port("p1");
  dp().connect("hw:p0", a.name());
  dp().connect("hw:p1", b.name());

  EXPECT_EQ(hw.get_action(), helloworld::action::drop);
  run({
      {.description = "DROP (the default) drops what comes in on p0",
       .netdev = a.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::drop,
       .counters = {{"hw:p0", 1, 0}}},
      {.description = "and on p1",
       .netdev = b.name(),
       .input = frames::udp_b_to_a(),
       .expected = verdict::drop,
       .counters = {{"hw:p1", 1, 0}}},
  });

  hw.set_action(helloworld::action::forward);
  std::vector<fixture> forwarding = {
      {.description = "FORWARD: p0 -> p1",
       .netdev = a.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::redirect,
       .counters = {{"hw:p0", 1, 0}, {"hw:p1", 0, 1}}},
      {.description = "FORWARD: p1 -> p0",
       .netdev = b.name(),
       .input = frames::udp_b_to_a(),
       .expected = verdict::redirect,
       .counters = {{"hw:p1", 1, 0}, {"hw:p0", 0, 1}}},
      {.description = "FORWARD: an ICMP echo p0 -> p1",
       .netdev = a.name(),
       .input = frames::echo_a_to_b(),
       .expected = verdict::redirect,
       .counters = {{"hw:p0", 1, 0}, {"hw:p1", 0, 1}}},
  };
  run(forwarding);

  expect_refused([&] { hw.add_port("p2"); }, topology_error::kind::conflict, "a third port");
  EXPECT_EQ(hw.ports().size(), 2u);
  EXPECT_EQ(hw.find_port("p2"), nullptr);
  {
    SCOPED_TRACE("after the refusal");
    run(forwarding);
  }

  hw.remove_port("p1");
  run({{.description = "FORWARD with one port left drops",
        .netdev = a.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::drop,
        .counters = {{"hw:p0", 1, 0}}}});

  hw.add_port("p1");
  dp().connect("hw:p1", b.name());
  hw.set_action(helloworld::action::drop);
  run({{.description = "back to DROP with two ports",
        .netdev = a.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::drop,
        .counters = {{"hw:p0", 1, 0}}}});
}

// ---------------------------------------------------------------- transparenthelloworld

// On a cube port: ingress is what goes into the cube through the port, egress what the
// cube sends out of it.
TEST_P(services, transparenthelloworld_on_a_cube_port) {
  const auto& a = veth();
  const auto& b = veth();
  simpleforwarder sf(dp(), "sf", type());
  forward_between(sf, a, b);
  transparenthelloworld thw(dp(), "thw", type());
  dp().attach(thw, "sf:p0", {});

  using act = transparenthelloworld::action;
  struct config {
    const char* name;
    act ingress, egress;
  };
  for (const config& c : {config{"PASS/PASS", act::pass, act::pass}, config{"DROP/PASS", act::drop, act::pass},
                          config{"PASS/DROP", act::pass, act::drop}, config{"DROP/DROP", act::drop, act::drop}}) {
    SCOPED_TRACE(std::string("ingress/egress ") + c.name);
    testing::run(thw.set_ingress_action(c.ingress));
    testing::run(thw.set_egress_action(c.egress));
    fixture in = {.description = "into sf through p0",
                  .netdev = a.name(),
                  .input = frames::udp_a_to_b(),
                  .expected = verdict::redirect,
                  .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}}};
    if (c.ingress == act::drop) {
      in.expected = verdict::drop;
      in.counters = {};  // dropped before the cube
    }
    fixture out = {.description = "out of sf through p0",
                   .netdev = b.name(),
                   .input = frames::udp_b_to_a(),
                   .expected = c.egress == act::drop ? verdict::drop : verdict::redirect,
                   // the cube sent it out of p0; the transparent cube on p0 decides
                   .counters = {{"sf:p1", 1, 0}, {"sf:p0", 0, 1}}};
    run({in, out});
  }
}

// On a netdev: ingress is what arrives on it, egress what leaves by it (TC: the egress
// hook; XDP: the redirect of the cube whose port the netdev is).
TEST_P(services, transparenthelloworld_on_a_netdev) {
  const auto& a = veth();
  const auto& b = veth();
  const auto& lone = veth();
  transparenthelloworld alone(dp(), "alone", type());
  dp().attach(alone, lone.name(), {});
  run({{.description = "PASS on a netdev without a port: up to the stack",
        .netdev = lone.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::pass}});
  testing::run(alone.set_ingress_action(transparenthelloworld::action::drop));
  run({{.description = "ingress DROP on a netdev without a port",
        .netdev = lone.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::drop}});

  simpleforwarder sf(dp(), "sf", type());
  forward_between(sf, a, b);
  transparenthelloworld thw(dp(), "thw", type());
  dp().attach(thw, a.name(), {});

  testing::run(thw.set_ingress_action(transparenthelloworld::action::drop));
  run({{.description = "ingress DROP: nothing reaches the cube",
        .netdev = a.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::drop},
       {.description = "ingress DROP: the other way still goes",
        .netdev = b.name(),
        .input = frames::udp_b_to_a(),
        .expected = verdict::redirect,
        .counters = {{"sf:p1", 1, 0}, {"sf:p0", 0, 1}}}});

  testing::run(thw.set_ingress_action(transparenthelloworld::action::pass));
  testing::run(thw.set_egress_action(transparenthelloworld::action::drop));
  std::vector<fixture> table = {{.description = "egress DROP: what arrives on the netdev goes through",
                                 .netdev = a.name(),
                                 .input = frames::udp_a_to_b(),
                                 .expected = verdict::redirect,
                                 .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}}}};
  if (family() == hook_family::xdp) {
    table.push_back({.description = "XDP egress DROP: the cube's redirect to the netdev is dropped",
                     .netdev = b.name(),
                     .input = frames::udp_b_to_a(),
                     .expected = verdict::drop,
                     .counters = {{"sf:p1", 1, 0}, {"sf:p0", 0, 1}}});
  } else {
    table.push_back({.description = "TC: the cube redirects to the netdev",
                     .netdev = b.name(),
                     .input = frames::udp_b_to_a(),
                     .expected = verdict::redirect,
                     .counters = {{"sf:p1", 1, 0}, {"sf:p0", 0, 1}}});
    table.push_back({.description = "TC egress DROP: the netdev's egress hook drops it",
                     .netdev = a.name(),
                     .input = frames::udp_b_to_a(),
                     .expected = verdict::drop,
                     .entry = hook::egress});
  }
  run(table);
}

// ---------------------------------------------------------------- simpleforwarder

TEST_P(services, simpleforwarder_entries_by_port) {
  const auto& a = veth();
  const auto& b = veth();
  const auto& c = veth();
  const auto& d = veth();
  simpleforwarder sf(dp(), "sf", type());
  for (auto* name : {"p0", "p1", "p2", "p3"}) sf.add_port(name);
  dp().connect("sf:p0", a.name());
  dp().connect("sf:p1", b.name());
  dp().connect("sf:p2", c.name());
  dp().connect("sf:p3", d.name());
  sf.set_entry({"p0", FORWARD, "p1"});
  sf.set_entry({"p1", FORWARD, "p2"});
  sf.set_entry({"p2", DROP, ""});

  run({
      {.description = "p0 -> p1",
       .netdev = a.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::redirect,
       .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}}},
      {.description = "p1 -> p2",
       .netdev = b.name(),
       .input = frames::udp_b_to_a(),
       .expected = verdict::redirect,
       .counters = {{"sf:p1", 1, 0}, {"sf:p2", 0, 1}}},
      {.description = "p2: DROP",
       .netdev = c.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::drop,
       .counters = {{"sf:p2", 1, 0}}},
      {.description = "p3: no entry drops",
       .netdev = d.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::drop,
       .counters = {{"sf:p3", 1, 0}}},
  });

  sf.set_entry({"p2", FORWARD, "p0"});
  sf.set_entry({"p0", FORWARD, "p3"});
  run({
      {.description = "a replaced entry: p0 -> p3",
       .netdev = a.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::redirect,
       .counters = {{"sf:p0", 1, 0}, {"sf:p3", 0, 1}}},
      {.description = "a replaced entry: p2 -> p0",
       .netdev = c.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::redirect,
       .counters = {{"sf:p2", 1, 0}, {"sf:p0", 0, 1}}},
  });

  sf.remove_entry("p2");
  run({{.description = "a removed entry drops",
        .netdev = c.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::drop,
        .counters = {{"sf:p2", 1, 0}}}});

  expect_refused([&] { sf.set_entry({"nope", FORWARD, "p1"}); }, topology_error::kind::not_found, "an unknown inport");
  expect_refused([&] { sf.set_entry({"p0", FORWARD, "nope"}); }, topology_error::kind::not_found, "an unknown outport");
  expect_refused([&] { sf.set_entry({"p0", FORWARD, ""}); }, topology_error::kind::invalid, "FORWARD without an outport");
  expect_refused([&] { sf.remove_entry("p2"); }, topology_error::kind::not_found, "removing a missing entry");
  run({{.description = "refused changes changed nothing",
        .netdev = a.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::redirect,
        .counters = {{"sf:p0", 1, 0}, {"sf:p3", 0, 1}}}});
}

TEST_P(services, simpleforwarder_entry_whose_outport_is_removed_drops) {
  const auto& a = veth();
  const auto& b = veth();
  simpleforwarder sf(dp(), "sf", type());
  forward_between(sf, a, b);

  sf.remove_port("p1");
  run({{.description = "the outport is gone: drop",
        .netdev = a.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::drop,
        .counters = {{"sf:p0", 1, 0}}},
       {.description = "the inport's netdev is no longer ours",
        .netdev = b.name(),
        .input = frames::udp_b_to_a(),
        .expected = verdict::pass}});
  EXPECT_EQ(sf.entries().size(), 2u) << "entries name ports; they wait for them";

  sf.add_port("p1");
  dp().connect("sf:p1", b.name());
  run({{.description = "the port is back: its entries apply again (p0 -> p1)",
        .netdev = a.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::redirect,
        .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}}},
       {.description = "the port is back: its entries apply again (p1 -> p0)",
        .netdev = b.name(),
        .input = frames::udp_b_to_a(),
        .expected = verdict::redirect,
        .counters = {{"sf:p1", 1, 0}, {"sf:p0", 0, 1}}}});
}

INSTANTIATE_TEST_SUITE_P(types, services, ::testing::Values(cube_type::xdp_drv, cube_type::tc), type_name);

}  // namespace
}  // namespace pcn::testing
