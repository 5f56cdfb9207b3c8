// What a transparent cube tells userspace names the cube and the direction it serves,
// although no hop into a transparent cube writes either into the metadata (its direction
// is a load-time constant of the instance in each of its two panel slots): log messages
// and notifications through the ring buffer, packets to the slow path with their metadata.
#include <gtest/gtest.h>

#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "slowpath/event_ring.hpp"
#include "slowpath/log_format.hpp"
#include "tests/bpf/fixture.hpp"
#include "tests/support/probe_cube.hpp"

namespace pcn::testing {
namespace {

using cubes::simpleforwarder;
using dataplane::hook_family;

using transparent_events = dataplane_fixture;

// What reached the ring buffer.
struct events {
  std::vector<pcn_event_header> logs, notifications, packets;
  std::vector<std::string> texts;
  std::vector<pcn_notify_event> notified;
  std::vector<pcn_metadata> packet_metadata;
};

class recorder {
 public:
  explicit recorder(int fd)
      : _ring(fd, {.on_log =
                       [this](const pcn_log_event& e) {
                         _seen.logs.push_back(e.header);
                         _seen.texts.push_back(slowpath::format_fastpath_log(e));
                       },
                   .on_notify =
                       [this](const pcn_notify_event& e) {
                         _seen.notifications.push_back(e.header);
                         _seen.notified.push_back(e);
                       },
                   .on_packet =
                       [this](const pcn_packet_event& e) {
                         _seen.packets.push_back(e.header);
                         _seen.packet_metadata.push_back(e.metadata);
                       },
                   .on_trace = {}}) {
    _ring.consume();
  }
  // What arrived since the last call.
  events take() {
    _ring.consume();
    return std::exchange(_seen, events{});
  }

 private:
  events _seen;
  slowpath::event_ring _ring;
};

// sf forwards between x (p0) and y (p1); the chain on p0 is [quiet, t]. From x a packet
// crosses quiet then t inbound (t at position 1), from y it leaves sf by p0 and crosses t
// then quiet outbound (t at position 0).
class transparent_events_topology {
 public:
  transparent_events_topology(dataplane::datapath& dp, dataplane::cube_type type, const veth_pair& x, const veth_pair& y)
      : sf(dp, "sf", type), quiet(dp, "quiet", type, 0), t(dp, "t", type, 1) {
    sf.add_port("p0");
    sf.add_port("p1");
    dp.connect("sf:p0", x.name());
    dp.connect("sf:p1", y.name());
    sf.set_entry({"p0", simpleforwarder::action::forward, "p1"});
    sf.set_entry({"p1", simpleforwarder::action::forward, "p0"});
    dp.attach(quiet, "sf:p0", {});
    dp.attach(t, "sf:p0", {});
  }
  simpleforwarder sf;
  probe_cube quiet, t;
};

TEST_P(transparent_events, logs_and_notifications_name_the_cube_and_its_direction) {
  const auto& x = veth();
  const auto& y = veth();
  transparent_events_topology topo(dp(), type(), x, y);
  probe_cube& t = topo.t;
  ASSERT_NE(t.panel_slot(PCN_INGRESS), t.panel_slot(PCN_EGRESS)) << "a transparent cube has a slot per direction";
  ASSERT_EQ(t.slot(), t.panel_slot(PCN_INGRESS));
  t.set_report(PROBE_LOG_AND_NOTIFY);
  recorder ring(dp().events_fd());
  uint8_t family_code = family() == hook_family::xdp ? PCN_FAMILY_XDP : PCN_FAMILY_TC;

  struct expectation {
    const char* description;
    const veth_pair& from;
    uint8_t direction;
    uint32_t position;
  };
  for (const expectation& e : {expectation{"into sf through p0: t inbound", x, PCN_INGRESS, 1},
                               expectation{"out of sf through p0: t outbound", y, PCN_EGRESS, 0}}) {
    SCOPED_TRACE(e.description);
    run_result r = send(e.from.name(), e.from.name() == x.name() ? frames::udp_a_to_b() : frames::udp_b_to_a());
    EXPECT_EQ(verdict_name(r.retval), verdict_name(code(verdict::redirect)));
    events seen = ring.take();
    ASSERT_EQ(seen.logs.size(), 1u);
    ASSERT_EQ(seen.notifications.size(), 1u);
    EXPECT_TRUE(seen.packets.empty());
    for (const pcn_event_header& h : {seen.logs[0], seen.notifications[0]}) {
      EXPECT_EQ(h.family, family_code);
      EXPECT_EQ(h.cube, t.slot()) << "events name a transparent cube by its first slot, whatever the direction";
      EXPECT_EQ(dp().find_cube(family(), h.cube), &t);
      EXPECT_EQ(h.direction, e.direction);
      EXPECT_EQ(h.port, 0u) << "a transparent cube has no ports";
    }
    EXPECT_EQ(seen.texts[0], "probe 1 at " + std::to_string(e.position));
    EXPECT_EQ(seen.notified[0].reason, uint32_t{PROBE_REASON});
    EXPECT_EQ(seen.notified[0].data[0], 1u);
    EXPECT_EQ(seen.notified[0].data[1], e.position);
  }
}

// The slow path gets complete metadata: XDP in the metadata area in front of the frame,
// exactly one pcn_metadata whatever the area held (what AF_XDP hands over; with no socket
// listening here the packet is dropped and the area can be read from the test run), TC in
// the packet event.
TEST_P(transparent_events, a_packet_to_the_slow_path_carries_the_cube_and_its_direction) {
  const auto& x = veth();
  const auto& y = veth();
  transparent_events_topology topo(dp(), type(), x, y);
  probe_cube& t = topo.t;
  t.set_report(PROBE_TO_SLOWPATH);
  recorder ring(dp().events_fd());

  auto check = [&](const pcn_metadata& md, uint8_t direction, uint32_t position) {
    EXPECT_EQ(md.cube, t.slot());
    EXPECT_EQ(md.direction, direction);
    EXPECT_EQ(md.in_port, 0u) << "not the port sf received the packet on";
    EXPECT_EQ(md.reason, uint8_t{PROBE_REASON});
    EXPECT_EQ(md.data[0], 1u);
    EXPECT_EQ(md.data[1], position);
  };
  std::vector<fixture> table = {
      {.description = "into sf through p0: t inbound sends it up",
       .netdev = x.name(),
       .input = frames::udp_a_to_b(),
       .expected = verdict::drop,
       .probes = {{"quiet", PCN_INGRESS, 0}, {"t", PCN_INGRESS, 1}},
       .metadata = family() == hook_family::xdp ? bytes(32, 0xcd) : bytes{},
       .check = [&](const run_result& r) {
         if (family() != hook_family::xdp) return;
         auto md = slowpath_metadata_of(r);
         ASSERT_TRUE(md) << "no metadata in front of the frame";
         check(*md, PCN_INGRESS, 1);
       }},
      {.description = "out of sf through p0 (received on p1): t outbound sends it up",
       .netdev = y.name(),
       .input = frames::udp_b_to_a(),
       .expected = verdict::drop,
       .counters = {{"sf:p1", 1, 0}, {"sf:p0", 0, 1}},
       .probes = {{"t", PCN_EGRESS, 0}},
       .check = [&](const run_result& r) {
         if (family() != hook_family::xdp) return;
         auto md = slowpath_metadata_of(r);
         ASSERT_TRUE(md) << "no metadata in front of the frame";
         check(*md, PCN_EGRESS, 0);
       }},
  };
  for (const fixture& f : table) {
    SCOPED_TRACE(f.description);
    run({f});
    events seen = ring.take();
    if (family() == hook_family::xdp) {
      EXPECT_TRUE(seen.packets.empty()) << "XDP hands packets to the slow path over AF_XDP";
      continue;
    }
    ASSERT_EQ(seen.packets.size(), 1u);
    uint8_t direction = f.netdev == x.name() ? PCN_INGRESS : PCN_EGRESS;
    EXPECT_EQ(seen.packets[0].cube, t.slot());
    EXPECT_EQ(seen.packets[0].direction, direction);
    EXPECT_EQ(seen.packets[0].port, 0u);
    check(seen.packet_metadata[0], direction, direction == PCN_INGRESS ? 1 : 0);
  }
}

INSTANTIATE_TEST_SUITE_P(types, transparent_events, ::testing::Values(dataplane::cube_type::xdp_drv, dataplane::cube_type::tc),
                         type_name);

}  // namespace
}  // namespace pcn::testing
