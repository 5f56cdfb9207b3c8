// Changing a running cube's code: a reload with a new log level, and replace_ucube() of
// the master with another object's program. Both must keep the cube's state and wiring
// and switch atomically.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>

#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "cubes/transparenthelloworld/transparenthelloworld.hpp"
#include "cubes/transparenthelloworld/transparenthelloworld_abi.h"
#include "probe_tc.skel.h"
#include "probe_xdp.skel.h"
#include "tests/bpf/fixture.hpp"
#include "tests/support/probe_cube.hpp"
#include "tests/support/run.hpp"

namespace pcn::testing {
namespace {

using cubes::simpleforwarder;
using cubes::transparenthelloworld;
using dataplane::cube_type;
using dataplane::hook_family;
using dataplane::load_constant;

using lifecycle = dataplane_fixture;

constexpr auto FORWARD = simpleforwarder::action::forward;

class lifecycle_with_probe_code : public lifecycle {
 protected:
  dataplane::elf_image probe_code() const {
    auto code = dataplane::fastpath_code::embedded<probe_xdp, probe_tc>();
    return family() == hook_family::xdp ? code.xdp : code.tc;
  }
};

TEST_P(lifecycle, reload_with_a_new_log_level_keeps_state_and_forwarding) {
  const auto& a = veth();
  const auto& b = veth();
  simpleforwarder sf(dp(), "sf", type());
  forward_between(sf, a, b, false);
  transparenthelloworld thw(dp(), "thw", type());
  dp().attach(thw, "sf:p1", {});
  testing::run(thw.set_ingress_action(transparenthelloworld::action::drop));

  std::vector<fixture> table = {
      {.description = "forwarded by sf's entry",
       .netdev = a.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::redirect,
       .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}}},
      {.description = "dropped by thw's ingress DROP",
       .netdev = b.name(),
       .input = frames::udp_b_to_a(),
       .expected = verdict::drop},
  };
  run(table);

  testing::run(sf.set_log_level(log::level::trace));
  testing::run(thw.set_log_level(log::level::err));
  EXPECT_EQ(sf.log_level(), log::level::trace);
  EXPECT_EQ(thw.log_level(), log::level::err);
  {
    SCOPED_TRACE("after the reloads");
    run(table);
  }
  // Counters are map state too: they went on from where they were.
  EXPECT_EQ(sf.find_port("p0")->counters().rx_packets, 2u);
  EXPECT_EQ(sf.find_port("p1")->counters().tx_packets, 2u);
}

// The master of a transparent cube replaced by the probe's: thw's DROP gives way to the
// probe's PASS at once, in thw's place in the chain; a reload keeps the replacement.
TEST_P(lifecycle_with_probe_code, replace_ucube_takes_effect_and_survives_a_reload) {
  const auto& n = veth();
  transparenthelloworld thw(dp(), "thw", type());
  probe_cube witness(dp(), "witness", type(), 0);
  dp().attach(thw, n.name(), {});
  dp().attach(witness, n.name(), {});
  testing::run(thw.set_ingress_action(transparenthelloworld::action::drop));
  run({{.description = "thw drops before the witness sees anything",
        .netdev = n.name(),
        .input = frames::udp_a_to_b(),
        .expected = verdict::drop}});

  constexpr uint32_t replacement_id = 9;
  thw.replace_ucube(0, probe_code(), "pcn_master", {load_constant::of("probe_id", replacement_id)});
  auto records = witness.get_table<uint32_t, probe_seen>("public_probe_seen");
  auto replacement_packets = [&] { return records.get(replacement_id).value_or(probe_seen{}).packets; };

  auto passes = [&](const char* description) {
    uint32_t before = replacement_packets();
    run({{.description = description,
          .netdev = n.name(),
          .input = frames::udp_a_to_b(),
          .expected = verdict::pass,
          .probes = {{"witness", PCN_INGRESS, 1}}}});
    EXPECT_EQ(replacement_packets(), before + 1) << "the replacement in thw's slot saw the packet";
    EXPECT_EQ(records.get(replacement_id)->position, 0u);
  };
  passes("thw's slot now runs the probe: the packet passes, at position 0, then the witness");

  testing::run(thw.set_log_level(log::level::debug));
  passes("a reload of thw keeps the replaced master");
}

// Packets run without a pause while the master of a cube on the path is replaced again and
// again: none may find the slot empty (that would drop) or see anything but a whole program.
TEST_P(lifecycle_with_probe_code, replace_ucube_is_atomic) {
  const auto& a = veth();
  const auto& b = veth();
  simpleforwarder sf(dp(), "sf", type());
  forward_between(sf, a, b, false);
  probe_cube probe(dp(), "probe", type(), 0);
  dp().attach(probe, "sf:p0", {});

  int fd = dp().entry_program_fd(a.name());
  ASSERT_GE(fd, 0);
  int expected = code(verdict::redirect);
  bytes frame = frames::udp_a_to_b();
  xdp_input xdp_in{.ingress_ifindex = a.ifindex(), .rx_queue_index = 0, .metadata = {}};
  tc_input tc_in{.ifindex = a.ifindex(), .ingress_ifindex = a.ifindex(), .cb = {}};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0}, wrong{0};
  std::atomic<int> last_wrong{0};
  std::string sender_error;  // read after join()
  bool xdp = family() == hook_family::xdp;
  std::thread sender([&] {
    try {
      while (!stop.load()) {
        run_result r = xdp ? run_xdp(fd, frame, xdp_in) : run_tc(fd, frame, tc_in);
        ++sent;
        if (r.retval != expected) {
          ++wrong;
          last_wrong = r.retval;
        }
      }
    } catch (const std::exception& e) {
      sender_error = e.what();
    }
  });
  constexpr uint32_t replacements = 20;
  try {
    for (uint32_t i = 0; i < replacements; ++i)
      probe.replace_ucube(0, probe_code(), "pcn_master", {load_constant::of("probe_id", 10 + i % 2)});
  } catch (...) {
    stop = true;
    sender.join();
    throw;
  }
  stop = true;
  sender.join();

  ASSERT_EQ(sender_error, "");
  EXPECT_GT(sent.load(), 0u);
  EXPECT_EQ(wrong.load(), 0u) << "of " << sent.load() << " packets, e.g. " << verdict_name(last_wrong.load());
  uint64_t through_probes = 0;
  auto records = probe.get_table<uint32_t, probe_seen>("public_probe_seen");
  for (uint32_t id : {0u, 10u, 11u}) through_probes += records.get(id).value_or(probe_seen{}).packets;
  EXPECT_EQ(through_probes, sent.load()) << "every packet went through one whole version of the probe";
  EXPECT_EQ(sf.find_port("p0")->counters().rx_packets, sent.load());
  uint32_t last_before = records.get(11).value_or(probe_seen{}).packets;
  run({{.description = "after the last replacement the path is whole",
        .netdev = a.name(),
        .input = frame,
        .expected = verdict::redirect,
        .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}}}});
  EXPECT_EQ(records.get(11).value_or(probe_seen{}).packets, last_before + 1) << "the last replacement (probe id 11) runs";
}

// What goes into sf through p0 and out of it, through thw on sf:p0 when both pass.
fixture into_sf_p0(const veth_pair& a, bool dropped) {
  if (dropped) return {.description = "into sf through p0, dropped", .netdev = a.name(), .input = frames::udp_a_to_b(), .expected = verdict::drop};
  return {.description = "into sf through p0",
          .netdev = a.name(),
          .input = frames::udp_a_to_b(),
          .expected = verdict::redirect,
          .counters = {{"sf:p0", 1, 0}, {"sf:p1", 0, 1}}};
}
// (thw's egress decides after sf sent it out of p0: the counters are the same.)
fixture out_of_sf_p0(const veth_pair& b, bool dropped = false) {
  return {.description = dropped ? "out of sf through p0, dropped" : "out of sf through p0",
          .netdev = b.name(),
          .input = frames::udp_b_to_a(),
          .expected = dropped ? verdict::drop : verdict::redirect,
          .counters = {{"sf:p1", 1, 0}, {"sf:p0", 0, 1}}};
}

// For the reload tests: sf forwarding between a and b, and thw (not attached yet); what
// goes into sf through p0 and out of it then passes through thw once attached to sf:p0.
class reload_at_home : public lifecycle {
 protected:
  void SetUp() override {
    lifecycle::SetUp();
    a = &veth();
    b = &veth();
    sf.emplace(dp(), "sf", type());
    forward_between(*sf, *a, *b);
    thw.emplace(dp(), "thw", type());
  }
  fixture into_sf(bool dropped) const { return into_sf_p0(*a, dropped); }
  fixture out_of_sf(bool dropped = false) const { return out_of_sf_p0(*b, dropped); }

  const veth_pair* a = nullptr;
  const veth_pair* b = nullptr;
  std::optional<simpleforwarder> sf;
  std::optional<transparenthelloworld> thw;
};

// A topology change while a reload verifies at home (as a service's new action does): the
// datapath's reload for the new next hops loads what is installed, not the staged action;
// the reload at home, overtaken, loads again with those next hops, and thw ends with both.
TEST_P(reload_at_home, a_topology_change_meanwhile_loads_only_what_is_installed) {
  unsigned loads = 0;
  dp().spread_program_loads(1, [&](unsigned, std::span<dataplane::bpf_object_file> objects) -> task<void> {
    if (loads++ == 0) {
      dp().attach(*thw, "sf:p0", {});
      run({into_sf(false), out_of_sf()});  // PASS both ways: the staged DROP is not in force yet
    }
    dataplane::load_each(objects);
    co_return;
  });
  testing::run(thw->set_ingress_action(transparenthelloworld::action::drop));
  EXPECT_EQ(loads, 1u) << "loaded again here, not at home";
  run({into_sf(true), out_of_sf()});  // the new action, and the attachment's next hops
}

// A service's own reload() while a reload verifies at home: the home reload, overtaken,
// loads again on top of what that one installed, so both changes stay.
TEST_P(reload_at_home, a_service_reload_meanwhile_is_kept) {
  dp().attach(*thw, "sf:p0", {});
  unsigned loads = 0;
  dp().spread_program_loads(1, [&](unsigned, std::span<dataplane::bpf_object_file> objects) -> task<void> {
    if (loads++ == 0) {
      thw->set_constant("egress_action", static_cast<uint32_t>(TRANSPARENTHELLOWORLD_DROP));
      thw->reload();
    }
    dataplane::load_each(objects);
    co_return;
  });
  testing::run(thw->set_ingress_action(transparenthelloworld::action::drop));
  run({into_sf(true), out_of_sf(true)});
}

// A reload at home the kernel refuses changes nothing: the action, the log level and the
// code stay, and the refused constant is not loaded by a later reload of the datapath's.
TEST_P(reload_at_home, a_refused_one_changes_nothing) {
  dp().attach(*thw, "sf:p0", {});
  dp().spread_program_loads(1, [](unsigned, std::span<dataplane::bpf_object_file>) -> task<void> {
    co_await yield_now{};
    throw dataplane::bpf_error("the verifier said no");
  });
  const int master = thw->master_fd(PCN_INGRESS);
  EXPECT_THROW(testing::run(thw->set_ingress_action(transparenthelloworld::action::drop)), dataplane::bpf_error);
  EXPECT_THROW(testing::run(thw->set_log_level(log::level::trace)), dataplane::bpf_error);
  EXPECT_EQ(thw->ingress_action(), transparenthelloworld::action::pass);
  EXPECT_EQ(thw->log_level(), log::level::info);
  EXPECT_EQ(thw->master_fd(PCN_INGRESS), master);
  // The refused DROP was dropped, not kept for the next reload.
  dp().spread_program_loads(1, [](unsigned, std::span<dataplane::bpf_object_file> objects) -> task<void> {
    dataplane::load_each(objects);
    co_return;
  });
  testing::run(thw->reload_at_home());
  EXPECT_NE(thw->master_fd(PCN_INGRESS), master);
  run({into_sf(false), out_of_sf()});
  // A constant staged without a reload is not loaded by the datapath's either.
  thw->set_constant("ingress_action", static_cast<uint32_t>(TRANSPARENTHELLOWORLD_DROP));
  dp().detach(*thw);
  dp().attach(*thw, "sf:p0", {});  // the datapath reloads it for its next hops, here
  run({into_sf(false), out_of_sf()});
}

INSTANTIATE_TEST_SUITE_P(types, lifecycle, ::testing::Values(cube_type::xdp_drv, cube_type::tc), type_name);
INSTANTIATE_TEST_SUITE_P(types, reload_at_home, ::testing::Values(cube_type::xdp_drv, cube_type::tc), type_name);
INSTANTIATE_TEST_SUITE_P(types, lifecycle_with_probe_code, ::testing::Values(cube_type::xdp_drv, cube_type::tc), type_name);

}  // namespace
}  // namespace pcn::testing
