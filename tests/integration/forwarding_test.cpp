// Real traffic through cubes: namespaced hosts joined by veth pairs to cube ports.
#include <gtest/gtest.h>

#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "tests/integration/hub.hpp"
#include "tests/support/netns.hpp"
#include "tests/support/test_datapath.hpp"

namespace pcn {
namespace {

using dataplane::cube_type;
using cubes::simpleforwarder;
using testing::netns;
using testing::ping;
using testing::veth_host;

class forwarding : public ::testing::TestWithParam<cube_type> {};

TEST_P(forwarding, two_hosts_ping_both_ways_through_simpleforwarder) {
  netns h1, h2;
  veth_host a(h1, "10.91.0.1/24"), b(h2, "10.91.0.2/24");
  testing::test_datapath dp;
  simpleforwarder sf(*dp, "sf", GetParam());
  testing::forward_between(*dp, sf, a, b);

  EXPECT_TRUE(ping(h1, "10.91.0.2")) << "h1 -> h2";
  EXPECT_TRUE(ping(h2, "10.91.0.1")) << "h2 -> h1";
  auto in = sf.find_port("p0")->counters();
  auto out = sf.find_port("p1")->counters();
  EXPECT_GE(in.rx_packets, 6u);
  EXPECT_GE(out.tx_packets, 6u);
  EXPECT_EQ(sf.find_port("p0")->status(), dataplane::port_status::up);
}

INSTANTIATE_TEST_SUITE_P(types, forwarding, ::testing::Values(cube_type::xdp_drv, cube_type::xdp_skb, cube_type::tc), testing::type_name);

}  // namespace
}  // namespace pcn
