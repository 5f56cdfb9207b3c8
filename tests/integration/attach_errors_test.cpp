// A netdev that cannot take the requested hook: a clear error, and nothing changed.
#include <gtest/gtest.h>

#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "tests/integration/hub.hpp"
#include "tests/support/test_datapath.hpp"

namespace pcn {
namespace {

using dataplane::cube_type;

class attach_errors : public testing::hub_test {};

// A Linux bridge device has no native XDP (no ndo_bpf; the kernel here has no netdev
// driver): connecting an XDP_DRV cube to it fails with the netdev and the mode named, and
// the port stays unconnected.
TEST_P(attach_errors, native_xdp_on_a_netdev_without_it_is_refused_whole) {
  std::string netdev = testing::unique_name("pbr");
  testing::run_command("ip link add " + netdev + " type bridge && ip link set " + netdev + " up");
  testing::test_datapath dp;
  cubes::simpleforwarder sf(*dp, "sf", cube_type::xdp_drv);
  sf.add_port("p0");
  std::string message;
  try {
    dp->connect("sf:p0", netdev);
  } catch (const std::exception& e) {
    message = e.what();
  }
  EXPECT_NE(message.find(netdev), std::string::npos) << message;
  ::testing::Test::RecordProperty("message", message);
  EXPECT_NE(message.find("native"), std::string::npos) << message;
  EXPECT_EQ(sf.find_port("p0")->peer(), "") << "a refused connect must change nothing";
  EXPECT_EQ(sf.find_port("p0")->status(), dataplane::port_status::down);
  EXPECT_EQ(dp->netdevs_in_use().count(netdev), 0u);
  EXPECT_EQ(testing::hooks_on(static_cast<int>(if_nametoindex(netdev.c_str()))), "");
  EXPECT_FALSE(dp->entry_hop(netdev));

  // The same netdev takes a cube of a type it supports.
  cubes::simpleforwarder generic(*dp, "generic", cube_type::xdp_skb);
  generic.add_port("p0");
  EXPECT_NO_THROW(dp->connect("generic:p0", netdev));
  EXPECT_EQ(generic.find_port("p0")->status(), dataplane::port_status::up);
}

// Instantiated once: the hub_test fixture is parameterised, the refusal is about XDP_DRV.
INSTANTIATE_TEST_SUITE_P(xdp_drv, attach_errors, ::testing::Values(cube_type::xdp_drv), testing::type_name);

}  // namespace
}  // namespace pcn
