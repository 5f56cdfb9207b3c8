// The fast path talking to userspace: pcn_log messages travel through the ring buffer and
// come out formatted with their cube and level; below the cube's level they are compiled
// out (the verified program is shorter).
#include <gtest/gtest.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <array>

#include "cubes/helloworld/helloworld.hpp"
#include "slowpath/event_ring.hpp"
#include "slowpath/log_format.hpp"
#include "tests/support/run.hpp"
#include "tests/support/test_run.hpp"
#include "tests/support/test_datapath.hpp"
#include "tests/support/xdp_metadata.hpp"

namespace pcn {
namespace {

using dataplane::cube_type;

std::array<unsigned char, 64> frame() {
  std::array<unsigned char, 64> f{};
  f[12] = 0x08;
  return f;
}

// Runs a cube's master once, as if it had entered through port `port` (metadata in the
// CPU's XDP metadata, or in skb->cb for TC).
int run_master(const dataplane::cube_base& c, uint16_t port) {
  pcn_metadata md{};
  md.cube = static_cast<uint16_t>(c.slot());
  md.in_port = port;
  auto f = frame();
  if (c.family() == dataplane::hook_family::xdp) {
    testing::xdp_metadata_slot slot(c.owner_datapath());
    slot.set(md);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.data(), .data_size_in = static_cast<__u32>(f.size()), .repeat = 1);
    EXPECT_EQ(testing::test_run_program(c.master_fd(), &opts), 0) << std::strerror(errno);
    return static_cast<int>(opts.retval);
  }
  __sk_buff skb{};
  std::memcpy(skb.cb, &md, sizeof md);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.data(), .data_size_in = static_cast<__u32>(f.size()), .ctx_in = &skb,
              .ctx_size_in = sizeof skb, .repeat = 1);
  EXPECT_EQ(testing::test_run_program(c.master_fd(), &opts), 0) << std::strerror(errno);
  return static_cast<int>(opts.retval);
}

class fastpath_events : public ::testing::TestWithParam<cube_type> {};

TEST_P(fastpath_events, log_messages_arrive_formatted_with_their_cube) {
  testing::test_datapath dp;
  cubes::helloworld hw(*dp, "hwlog", GetParam(), log::level::trace);
  hw.add_port("a");
  std::vector<std::string> messages;
  std::vector<uint32_t> levels;
  slowpath::event_ring ring(dp->events_fd(), {.on_log = [&](const pcn_log_event& e) {
                                                auto* c = dp->find_cube(e.header.family == PCN_FAMILY_TC ? dataplane::hook_family::tc : dataplane::hook_family::xdp, e.header.cube);
                                                messages.push_back((c ? c->name() : "?") + ": " + slowpath::format_fastpath_log(e));
                                                levels.push_back(e.level);
                                              },
                                              .on_notify = {},
                                              .on_packet = {},
                                              .on_trace = {}});
  ring.consume();  // whatever an earlier test left
  messages.clear();
  run_master(hw, 0);
  EXPECT_EQ(ring.consume(), 1u);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], "hwlog: helloworld: packet on port 0, action 0");
  EXPECT_EQ(levels[0], static_cast<uint32_t>(PCN_LOG_TRACE));
}

TEST_P(fastpath_events, messages_below_the_level_are_compiled_out) {
  testing::test_datapath dp;
  cubes::helloworld hw(*dp, "hwlvl", GetParam(), log::level::trace);
  hw.add_port("a");
  uint32_t with_trace = dataplane::verified_instructions(hw.master_fd());
  testing::run(hw.set_log_level(log::level::info));
  uint32_t at_info = dataplane::verified_instructions(hw.master_fd());
  EXPECT_LT(at_info, with_trace) << "the TRACE message must disappear from the program at INFO";
  ::testing::Test::RecordProperty("instructions_trace", static_cast<int>(with_trace));
  ::testing::Test::RecordProperty("instructions_info", static_cast<int>(at_info));
  int seen = 0;
  slowpath::event_ring ring(dp->events_fd(), {.on_log = [&](const pcn_log_event&) { ++seen; }, .on_notify = {}, .on_packet = {},
                                              .on_trace = {}});
  ring.consume();
  seen = 0;
  run_master(hw, 0);
  ring.consume();
  EXPECT_EQ(seen, 0);
}

INSTANTIATE_TEST_SUITE_P(types, fastpath_events, ::testing::Values(cube_type::xdp_drv, cube_type::tc),
                         [](const auto& info) { return std::string(dataplane::to_string(info.param)); });

TEST(log_format, network_conversions) {
  uint64_t ip = 0x0100000a;  // 10.0.0.1 as read from a packet on a little-endian host
  uint64_t mac = 0x0242ac110002;
  uint64_t port = 0x5000;    // 80 in network order
  uint64_t args[] = {ip, mac, port, static_cast<uint64_t>(-3)};
  EXPECT_EQ(slowpath::format_fastpath_log("%I %M %P %d %%", args), "10.0.0.1 02:42:ac:11:00:02 80 -3 %");
  EXPECT_EQ(slowpath::format_fastpath_log("%u %u", std::span<const uint64_t>(args, 1)), "16777226 ?");
  EXPECT_EQ(slowpath::format_fastpath_log("%q", {}), "%q");
}

}  // namespace
}  // namespace pcn
