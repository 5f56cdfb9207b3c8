// Packet trace through the real entry program and cubes (BPF_PROG_TEST_RUN): with a trace
// on the netdev or a cube port, a packet's hops reach the ring buffer in order with their
// verdicts, and the trace hub names them; with the trace off (or a filter that does not
// match), nothing.
#include <gtest/gtest.h>

#include <algorithm>

#include "cubes/bridge/bridge.hpp"
#include "cubes/helloworld/helloworld.hpp"
#include "cubes/packetcapture/packetcapture.hpp"
#include "cubes/router/router.hpp"
#include "cubes/simplebridge/simplebridge.hpp"
#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "cubes/transparenthelloworld/transparenthelloworld.hpp"
#include "dataplane/trace.hpp"
#include "slowpath/event_ring.hpp"
#include "tests/bpf/fixture.hpp"
#include "tests/support/run.hpp"

namespace pcn::testing {
namespace {

using cubes::simpleforwarder;
using cubes::transparenthelloworld;

using packet_trace = dataplane_fixture;

struct chain {
  chain(dataplane::datapath& dp, dataplane::cube_type type, const veth_pair& x, const veth_pair& y)
      : sf(dp, "trsf", type), th(dp, "trth", type) {
    sf.add_port("p0");
    sf.add_port("p1");
    dp.connect("trsf:p0", x.name());
    dp.connect("trsf:p1", y.name());
    sf.set_entry({"p0", simpleforwarder::action::forward, "p1"});
    dp.attach(th, x.name(), {});
  }
  simpleforwarder sf;
  transparenthelloworld th;
};

class records {
 public:
  records(int fd, dataplane::trace_hub& hub)
      : _ring(fd, {.on_log = {}, .on_notify = {}, .on_packet = {}, .on_trace = [this, &hub](const pcn_trace_event& e) {
                     _seen.push_back(e);
                     hub.on_event(e);
                   }}) {
    _ring.consume();
    _seen.clear();
  }
  std::vector<pcn_trace_event> take() {
    _ring.consume();
    return std::exchange(_seen, {});
  }

 private:
  std::vector<pcn_trace_event> _seen;
  slowpath::event_ring _ring;
};

TEST_P(packet_trace, hops_in_order_with_their_verdicts_and_none_when_off) {
  const auto& x = veth();
  const auto& y = veth();
  chain c(dp(), type(), x, y);
  dataplane::trace_hub hub(dp());
  records ring(dp().events_fd(), hub);

  send(x.name(), frames::udp_a_to_b());
  EXPECT_TRUE(ring.take().empty()) << "no trace: no record";

  auto session = hub.open(x.name(), dataplane::parse_trace_filter("udp and src 10.0.0.1"));
  ASSERT_TRUE(dp().traced(x.name()));
  run_result r = send(x.name(), frames::udp_a_to_b());
  EXPECT_EQ(verdict_name(r.retval), verdict_name(code(verdict::redirect)));
  auto hops = ring.take();
  ASSERT_EQ(hops.size(), 3u);
  EXPECT_EQ(hops[0].verdict, PCN_TRACE_ENTER);
  EXPECT_EQ(hops[0].hop.kind, PCN_HOP_TRANSPARENT);
  EXPECT_EQ(hops[1].verdict, PCN_TRACE_PASS);
  EXPECT_EQ(hops[1].header.cube, c.th.slot());
  EXPECT_EQ(hops[1].hop.kind, PCN_HOP_CUBE);
  EXPECT_EQ(hops[1].hop.target, c.sf.slot());
  EXPECT_EQ(hops[2].verdict, PCN_TRACE_FORWARD);
  EXPECT_EQ(hops[2].header.cube, c.sf.slot());
  EXPECT_EQ(hops[2].header.port, 0u);
  EXPECT_EQ(hops[2].out_port, 1u);
  EXPECT_EQ(hops[2].hop.kind, PCN_HOP_NETDEV);
  for (const auto& h : hops) EXPECT_EQ(h.cpu, hops[0].cpu);
  for (size_t i = 1; i < hops.size(); ++i) EXPECT_LE(hops[i - 1].timestamp, hops[i].timestamp);

  std::string lines = session->take().bytes;
  EXPECT_NE(lines.find(R"("packet":1,"hop":0)"), std::string::npos) << lines;
  EXPECT_NE(lines.find(R"("cube":"trth","ucube":"master","direction":"ingress","verdict":"pass","to":"trsf:p0")"), std::string::npos) << lines;
  EXPECT_NE(lines.find(R"("cube":"trsf","ucube":"master","port":"p0","direction":"ingress","out_port":"p1","verdict":"forward","to":"netdev )" + y.name()),
            std::string::npos)
      << lines;

  // Dropped by the transparent cube: the trace says who.
  testing::run(c.th.set_ingress_action(transparenthelloworld::action::drop));
  r = send(x.name(), frames::udp_a_to_b());
  EXPECT_EQ(verdict_name(r.retval), verdict_name(code(verdict::drop)));
  hops = ring.take();
  ASSERT_EQ(hops.size(), 2u);
  EXPECT_EQ(hops[1].verdict, PCN_TRACE_DROP);
  EXPECT_EQ(hops[1].header.cube, c.th.slot());
  EXPECT_EQ(hops[1].reason, PCN_DROP_REASON_CUBE);
  lines = session->take().bytes;
  EXPECT_NE(lines.find(R"("cube":"trth","ucube":"master","direction":"ingress","verdict":"drop","reason":"dropped by the cube")"), std::string::npos) << lines;
  testing::run(c.th.set_ingress_action(transparenthelloworld::action::pass));

  // A filter that does not match: nothing.
  send(y.name(), frames::udp_b_to_a());
  EXPECT_TRUE(ring.take().empty()) << "y is not traced";

  hub.close(session);
  EXPECT_FALSE(dp().traced(x.name()));
  send(x.name(), frames::udp_a_to_b());
  EXPECT_TRUE(ring.take().empty()) << "the trace is off again";
}

// Disabled tracing costs nothing: without a trace the cubes are loaded without their hop
// reports (fewer instructions after verification), with one they have them, and after it
// they are as before again.
TEST_P(packet_trace, cubes_carry_hop_reports_only_while_a_trace_runs) {
  const auto& x = veth();
  const auto& y = veth();
  chain c(dp(), type(), x, y);
  dataplane::trace_hub hub(dp());
  auto instructions = [&c] {
    return std::pair{dataplane::verified_instructions(c.th.master_fd()), dataplane::verified_instructions(c.sf.master_fd())};
  };
  auto off = instructions();
  EXPECT_FALSE(dp().tracing_hops());
  auto session = hub.open(x.name(), dataplane::parse_trace_filter(""));
  EXPECT_TRUE(dp().tracing_hops());
  auto on = instructions();
  EXPECT_GT(on.first, off.first) << "transparenthelloworld";
  EXPECT_GT(on.second, off.second) << "simpleforwarder";
  hub.close(session);
  EXPECT_FALSE(dp().tracing_hops());
  EXPECT_EQ(instructions(), off);
}

// Every service's fast path passes the verifier with its hop reports in: a trace started
// anywhere reloads them all.
TEST_P(packet_trace, every_service_loads_with_its_hop_reports) {
  const auto& x = veth();
  const auto& y = veth();
  chain c(dp(), type(), x, y);
  cubes::bridge br(dp(), "trbr", type());
  cubes::simplebridge sb(dp(), "trsb", type());
  cubes::router r(dp(), "trr", type());
  cubes::helloworld hw(dp(), "trhw", type());
  cubes::packetcapture pc(dp(), "trpc", type());
  dataplane::trace_hub hub(dp());
  auto session = hub.open(x.name(), dataplane::parse_trace_filter(""));
  EXPECT_TRUE(dp().tracing_hops());
  hub.close(session);
}

TEST_P(packet_trace, a_filter_that_does_not_match_records_nothing) {
  const auto& x = veth();
  const auto& y = veth();
  chain c(dp(), type(), x, y);
  dataplane::trace_hub hub(dp());
  records ring(dp().events_fd(), hub);
  auto session = hub.open(x.name(), dataplane::parse_trace_filter("icmp"));
  send(x.name(), frames::udp_a_to_b());
  EXPECT_TRUE(ring.take().empty());
  hub.close(session);
}

// Two simpleforwarders in series, x -> s1 -> s2 -> y: s2:p0 is linked to s1:p1, a cube port.
struct series {
  series(dataplane::datapath& dp, dataplane::cube_type type, const veth_pair& x, const veth_pair& y)
      : s1(dp, "trs1", type), s2(dp, "trs2", type) {
    for (simpleforwarder* sf : {&s1, &s2}) {
      sf->add_port("p0");
      sf->add_port("p1");
      sf->set_entry({"p0", simpleforwarder::action::forward, "p1"});
    }
    dp.connect("trs1:p0", x.name());
    dp.connect("trs1:p1", "trs2:p0");
    dp.connect("trs2:p1", y.name());
  }
  simpleforwarder s1, s2;
};

// A trace of a port linked to another cube starts where that port's packets arrive: a tap
// at the head of the port's inbound lane, before the transparent cubes on the port.
TEST_P(packet_trace, a_port_linked_to_a_cube_is_traced_where_its_packets_arrive) {
  const auto& x = veth();
  const auto& y = veth();
  series c(dp(), type(), x, y);
  dataplane::trace_hub hub(dp());
  records ring(dp().events_fd(), hub);
  EXPECT_EQ(dataplane::trace_target_of(dp(), "trs1:p0"), x.name()) << "a port on a netdev is traced at the netdev";
  ASSERT_EQ(dataplane::trace_target_of(dp(), "trs2:p0"), "trs2:p0");

  auto instructions = [&c] {
    return std::pair{dataplane::verified_instructions(c.s1.master_fd()), dataplane::verified_instructions(c.s2.master_fd())};
  };
  auto from_netdev = hub.open(x.name(), dataplane::parse_trace_filter("udp"));
  auto with_hop_reports = instructions();
  hub.close(from_netdev);
  auto session = hub.open("trs2:p0", dataplane::parse_trace_filter("udp"));
  EXPECT_EQ(instructions(), with_hop_reports) << "a tap starts the trace: the cubes carry nothing more for it";
  ring.take();
  EXPECT_THROW(dataplane::trace_target_of(dp(), "trs2:p0"), dataplane::topology_error) << "traced already";
  run_result r = send(x.name(), frames::udp_a_to_b());
  EXPECT_EQ(verdict_name(r.retval), verdict_name(code(verdict::redirect)));
  auto hops = ring.take();
  ASSERT_EQ(hops.size(), 2u) << "s1 forwards an untraced packet: it reports nothing";
  EXPECT_EQ(hops[0].verdict, PCN_TRACE_ENTER);
  EXPECT_EQ(hops[0].reason, PCN_TRACE_NEW_PACKET);
  EXPECT_EQ(hops[0].trace, session->id());
  EXPECT_EQ(hops[0].hop.kind, PCN_HOP_CUBE);
  EXPECT_EQ(hops[0].hop.target, c.s2.slot());
  EXPECT_EQ(hops[1].verdict, PCN_TRACE_FORWARD);
  EXPECT_EQ(hops[1].header.cube, c.s2.slot());
  std::string lines = session->take().bytes;
  EXPECT_NE(lines.find(R"("packet":1,"hop":0,)"), std::string::npos) << lines;
  EXPECT_NE(lines.find(R"("cube":"trs2","port":"p0","direction":"ingress","from":"netdev )" + x.name() + R"(","verdict":"enter","to":"trs2:p0")"),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find(R"("packet":1,"hop":1,)"), std::string::npos) << lines;
  EXPECT_NE(lines.find(R"("cube":"trs2","ucube":"master","port":"p0","direction":"ingress","out_port":"p1","verdict":"forward")"), std::string::npos)
      << lines;

  // The filter applies where the trace starts.
  send(x.name(), frames::echo_a_to_b());
  EXPECT_TRUE(ring.take().empty()) << "icmp does not match udp";

  // A transparent cube on the port: the trace now starts there, and s2 is loaded without.
  transparenthelloworld th(dp(), "trth", type());
  dp().attach(th, "trs2:p0", {});
  send(x.name(), frames::udp_a_to_b());
  hops = ring.take();
  ASSERT_EQ(hops.size(), 3u);
  EXPECT_EQ(hops[0].verdict, PCN_TRACE_ENTER);
  EXPECT_EQ(hops[0].hop.kind, PCN_HOP_TRANSPARENT);
  EXPECT_EQ(hops[0].hop.target, th.panel_slot(PCN_INGRESS));
  EXPECT_EQ(hops[1].verdict, PCN_TRACE_PASS);
  EXPECT_EQ(hops[2].verdict, PCN_TRACE_FORWARD);
  lines = session->take().bytes;
  EXPECT_NE(lines.find(R"("verdict":"enter","to":"trth")"), std::string::npos) << lines;
  EXPECT_NE(lines.find(R"("packet":2,"hop":2,)"), std::string::npos) << lines;
  dp().detach(th);

  // With the netdev traced too, a packet both traces follow is told to each, whole.
  auto from_x = hub.open(x.name(), dataplane::parse_trace_filter(""));
  send(x.name(), frames::udp_a_to_b());
  hops = ring.take();
  ASSERT_EQ(hops.size(), 4u);
  EXPECT_EQ(hops[0].trace, from_x->id());
  EXPECT_EQ(hops[1].verdict, PCN_TRACE_FORWARD);
  EXPECT_EQ(hops[1].header.cube, c.s1.slot());
  EXPECT_EQ(hops[2].verdict, PCN_TRACE_ENTER);
  EXPECT_EQ(hops[2].reason, PCN_TRACE_TRACED_ALREADY);
  lines = from_x->take().bytes;
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 3) << "enter, s1, s2: " << lines;
  lines = session->take().bytes;
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2) << "enter, s2: " << lines;
  EXPECT_NE(lines.find(R"("packet":3,"hop":0,)"), std::string::npos) << lines;
  hub.close(from_x);

  // The port goes: so does its trace.
  dp().disconnect("trs1:p1", "trs2:p0");
  c.s2.remove_port("p0");
  EXPECT_FALSE(dp().traced("trs2:p0"));
  hub.reap();
  EXPECT_TRUE(session->ended());
  hub.close(session);
  EXPECT_FALSE(dp().tracing_hops());
}

TEST(trace_filter, bad_filters_say_what_is_wrong) {
  EXPECT_THROW(dataplane::parse_trace_filter("host"), std::invalid_argument);
  EXPECT_THROW(dataplane::parse_trace_filter("src 10.0.0"), std::invalid_argument);
  EXPECT_THROW(dataplane::parse_trace_filter("icmp udp"), std::invalid_argument);
  EXPECT_THROW(dataplane::parse_trace_filter("frobnicate"), std::invalid_argument);
  EXPECT_THROW(dataplane::parse_trace_filter("port 70000"), std::invalid_argument);
  pcn_trace_filter f = dataplane::parse_trace_filter("tcp and port 80 and dst 10.0.0.2");
  EXPECT_EQ(f.l4proto, 6);
  EXPECT_EQ(f.port, htons(80));
  EXPECT_EQ(f.dst, htonl(0x0a000002));
}

INSTANTIATE_TEST_SUITE_P(types, packet_trace, ::testing::Values(dataplane::cube_type::xdp_drv, dataplane::cube_type::tc),
                         [](const auto& info) { return std::string(dataplane::to_string(info.param)); });

}  // namespace
}  // namespace pcn::testing
