#pragma once
// The harness of the data plane fixture tests: cubes loaded and wired through the real
// control plane (cube classes, datapath::connect/attach), packets run with
// BPF_PROG_TEST_RUN through the datapath's own netdev entry programs — the way a packet
// arriving on (or, at TC egress, leaving by) a netdev goes through the pipeline — and
// compared against fixture tables: verdict, output bytes, port counters, probe records.
//
// Every test runs once per hook family (XDP_DRV and TC; XDP_SKB runs the same programs as
// XDP_DRV). The process works in a network namespace of its own, entered before the first
// test (fixture.cpp): the veth pairs the tests create live there, and nothing touches the
// host's network. bpffs is not namespaced, so each test's datapath pins under a root of
// its own (testing::test_datapath).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bpf/pcn_abi.h"
#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "dataplane/datapath.hpp"
#include "tests/support/packet_builder.hpp"
#include "tests/support/test_datapath.hpp"
#include "tests/support/test_run.hpp"
#include "tests/support/xdp_metadata.hpp"

namespace pcn::testing {

// Why the tests cannot run here (not root, no BPF...), or empty when they can.
const std::string& isolation_problem();

// A veth pair in the test's namespace, both ends up; deleted with the object.
class veth_pair {
 public:
  veth_pair();
  ~veth_pair();
  veth_pair(const veth_pair&) = delete;
  veth_pair& operator=(const veth_pair&) = delete;

  // The end the tests use as a cube port's peer; the other end is left alone.
  const std::string& name() const { return _name; }
  uint32_t ifindex() const { return _ifindex; }

 private:
  std::string _name, _peer;
  uint32_t _ifindex = 0;
};

// What a program decided, independent of the hook family.
enum class verdict { pass, drop, redirect, aborted };
// Which of the netdev's entry programs the packet goes through (egress: TC only).
enum class hook { ingress, egress };

// Packets counted on one port ("cube:port") by one fixture; bytes follow from the frame size.
struct port_delta {
  std::string port;
  uint64_t rx = 0, tx = 0;
};

// A probe (tests/support/probe.bpf.c) that saw the packet once, in this direction, at this
// position of the pipeline (hops since the netdev entry reset the metadata).
struct probe_record {
  std::string probe;
  uint8_t direction = PCN_INGRESS;
  uint32_t position = 0;
};

struct fixture {
  std::string description;
  std::string netdev;  // the packet arrives on (or, hook::egress, leaves by) this netdev
  bytes input;
  verdict expected;
  std::vector<port_delta> counters = {};  // every other port of every cube: unchanged
  std::vector<probe_record> probes = {};  // every other probe and direction: saw nothing
  hook entry = hook::ingress;
  // Already there: XDP: what a previous packet left in the CPU's metadata, and bytes in
  // the metadata area in front of the frame; TC: skb->cb.
  bytes metadata = {};
  std::optional<bytes> output = {};       // the frame that comes out; default: the input, untouched
  std::function<void(const run_result&)> check = {};  // more to check on the result
};

class dataplane_fixture : public ::testing::TestWithParam<dataplane::cube_type> {
 protected:
  void SetUp() override;

  dataplane::cube_type type() const { return GetParam(); }
  dataplane::hook_family family() const { return dataplane::family_of(GetParam()); }
  dataplane::datapath& dp() { return **_dp; }
  // A new veth pair, alive until the end of the test.
  const veth_pair& veth();
  // Ports p0 and p1 of `sf` on the veths a and b, forwarding p0 -> p1 (and back).
  void forward_between(cubes::simpleforwarder& sf, const veth_pair& a, const veth_pair& b, bool both_ways = true);

  // Runs one packet through the entry program of `netdev`.
  run_result send(const std::string& netdev, const bytes& frame, hook entry = hook::ingress, const bytes& metadata = {},
                  uint32_t repeat = 1);
  // Runs every fixture of the table in order, checking each against what it expects.
  void run(const std::vector<fixture>& table);

  int code(verdict v) const;
  std::string verdict_name(int retval) const;

 private:
  void run_one(const fixture& f);

  std::vector<std::unique_ptr<veth_pair>> _veths;  // outlive the datapath
  std::optional<test_datapath> _dp;
};

// Frames between two hosts, A (02:00:00:00:00:0a, 10.0.0.1) and B (02:00:00:00:00:0b,
// 10.0.0.2). The cubes under test forward them untouched.
namespace frames {
inline bytes udp_a_to_b() {
  return packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").ipv4("10.0.0.1", "10.0.0.2", 64).udp(40000, 53).payload(22);
}
inline bytes udp_b_to_a() {
  return packet().eth("02:00:00:00:00:0b", "02:00:00:00:00:0a").ipv4("10.0.0.2", "10.0.0.1", 64).udp(53, 40000).payload(40);
}
inline bytes echo_a_to_b() {
  return packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").ipv4("10.0.0.1", "10.0.0.2", 64).icmp_echo(0x1234, 1).payload(56);
}
inline bytes tagged_a_to_b(uint16_t vid) {
  return packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").vlan(vid).ipv4("10.0.0.1", "10.0.0.2", 64).udp(40000, 53).payload(18);
}
}  // namespace frames

// "XDP_DRV", "TC": names of the parameterised tests.
std::string type_name(const ::testing::TestParamInfo<dataplane::cube_type>& info);

// The metadata as the pipeline left it (XDP: the CPU's; TC: skb->cb).
pcn_metadata metadata_of(const run_result& r);
// XDP: what AF_XDP would hand the slow path with the packet, a copy in the metadata area
// (which must then hold exactly one pcn_metadata); nothing when the area is empty.
std::optional<pcn_metadata> slowpath_metadata_of(const run_result& r);

}  // namespace pcn::testing
