// ns/packet of each service's fast path, run by BPF_PROG_TEST_RUN with repeat (the
// kernel measures): a UDP frame entering the cube through its first port, forwarded out
// of the second (connected to a veth, so the redirect is the real one), per hook family.
// The process runs in a network namespace of its own; its veths vanish with it.
#include <benchmark/benchmark.h>
#include <sched.h>

#include <cstring>
#include <memory>
#include <optional>

#include "cubes/helloworld/helloworld.hpp"
#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "cubes/transparenthelloworld/transparenthelloworld.hpp"
#include "tests/support/netns.hpp"
#include "tests/support/packet_builder.hpp"
#include "tests/support/test_datapath.hpp"
#include "tests/support/xdp_metadata.hpp"
#include "tests/support/test_run.hpp"

namespace pcn {
namespace {

using dataplane::cube_type;

constexpr uint32_t repeat = 100'000;

struct environment {
  std::string out0 = "pcnmb0", in0 = "pcnmb1";
  std::unique_ptr<testing::test_datapath> dp;

  environment() {
    if (::unshare(CLONE_NEWNET) != 0) throw std::runtime_error("micro_fastpath: run as root (unshare CLONE_NEWNET)");
    testing::run_command("ip link set lo up");
    testing::run_command("ip link add " + out0 + " type veth peer name " + in0);
    testing::run_command("ip link set " + out0 + " up && ip link set " + in0 + " up");
    dp = std::make_unique<testing::test_datapath>();
  }
};

environment& env() {
  static environment e;
  return e;
}

std::vector<uint8_t> udp_frame() {
  return testing::packet().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.99.0.1", "10.99.0.2", 64).udp(12345, 53).payload(18);
}

// Runs the cube's master on `frame` with `md` (TC: in skb->cb; XDP: set in the CPU's slot
// beforehand, see report()); returns the kernel's ns/packet.
uint32_t run(const dataplane::cube_base& c, const pcn_metadata& md, const std::vector<uint8_t>& frame) {
  if (c.family() == dataplane::hook_family::xdp) return testing::run_xdp(c.master_fd(), frame, {}, repeat).ns_per_packet;
  testing::tc_input in;
  std::memcpy(in.cb.data(), &md, sizeof md);
  return testing::run_tc(c.master_fd(), frame, in, repeat).ns_per_packet;
}

// The cube entered through `in_port`. XDP: the metadata is set once, in the slot of the CPU
// the thread stays on while measuring (the cubes measured here do not change it).
void report(benchmark::State& state, const dataplane::cube_base& c, uint16_t in_port) {
  auto frame = udp_frame();
  pcn_metadata md{};
  md.cube = static_cast<uint16_t>(c.slot());
  md.in_port = in_port;
  std::optional<testing::xdp_metadata_slot> slot;
  if (c.family() == dataplane::hook_family::xdp) {
    slot.emplace(c.owner_datapath());
    slot->set(md);
  }
  uint64_t total = 0, samples = 0;
  for (auto _ : state) {
    total += run(c, md, frame);
    ++samples;
  }
  state.counters["ns_per_packet"] = static_cast<double>(total) / static_cast<double>(samples);
  state.SetItemsProcessed(static_cast<int64_t>(samples * repeat));
}

cube_type type_of(const benchmark::State& state) { return state.range(0) == 0 ? cube_type::xdp_drv : cube_type::tc; }

void simpleforwarder_forward(benchmark::State& state) {
  auto& e = env();
  cubes::simpleforwarder sf(**e.dp, "mb_sf", type_of(state));
  sf.add_port("a");
  sf.add_port("b");
  (*e.dp)->connect("mb_sf:b", e.out0);
  sf.set_entry({"a", cubes::simpleforwarder::action::forward, "b"});
  report(state, sf, 0);
}

void helloworld_forward(benchmark::State& state) {
  auto& e = env();
  cubes::helloworld hw(**e.dp, "mb_hw", type_of(state));
  hw.add_port("a");
  hw.add_port("b");
  (*e.dp)->connect("mb_hw:b", e.out0);
  hw.set_action(cubes::helloworld::action::forward);
  report(state, hw, 0);
}

void helloworld_drop(benchmark::State& state) {
  auto& e = env();
  cubes::helloworld hw(**e.dp, "mb_hwd", type_of(state));
  hw.add_port("a");
  report(state, hw, 0);
}

void transparenthelloworld_pass(benchmark::State& state) {
  auto& e = env();
  cubes::transparenthelloworld t(**e.dp, "mb_th", type_of(state));
  (*e.dp)->attach(t, e.out0, {});
  report(state, t, 0);
}

// Arg 0: XDP, 1: TC.
BENCHMARK(simpleforwarder_forward)->Arg(0)->Arg(1)->ArgName("tc");
BENCHMARK(helloworld_forward)->Arg(0)->Arg(1)->ArgName("tc");
BENCHMARK(helloworld_drop)->Arg(0)->Arg(1)->ArgName("tc");
BENCHMARK(transparenthelloworld_pass)->Arg(0)->Arg(1)->ArgName("tc");

}  // namespace
}  // namespace pcn

BENCHMARK_MAIN();
