// Cube-to-cube links: host1 - sf1 - sf2 - host2, where sf1:p1 and sf2:p0 are peers and a
// packet crosses from one cube to the other by a tail call. Then one of the two cubes is
// deleted while wired to both a netdev and the other cube.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "dataplane/datapath.hpp"
#include "tests/integration/hub.hpp"
#include "tests/support/netns.hpp"
#include "tests/support/probe_cube.hpp"
#include "tests/support/test_datapath.hpp"

namespace pcn {
namespace {

using dataplane::chain_position;
using dataplane::cube_type;
using dataplane::port_status;
using cubes::simpleforwarder;
using testing::netns;
using testing::ping;
using testing::veth_host;

class cube_links : public testing::hub_test {};

// A simpleforwarder with ports p0 and p1 that forwards each to the other.
std::unique_ptr<simpleforwarder> forwarder(dataplane::datapath& dp, const std::string& name, cube_type type) {
  auto sf = std::make_unique<simpleforwarder>(dp, name, type);
  sf->add_port("p0");
  sf->add_port("p1");
  sf->set_entry({"p0", simpleforwarder::action::forward, "p1"});
  sf->set_entry({"p1", simpleforwarder::action::forward, "p0"});
  return sf;
}

TEST_P(cube_links, two_forwarders_in_series_carry_pings_both_ways) {
  netns h1, h2;
  veth_host a(h1, "10.94.0.1/24"), b(h2, "10.94.0.2/24");
  testing::test_datapath dp;
  auto sf1 = forwarder(*dp, "sf1", type());
  auto sf2 = forwarder(*dp, "sf2", type());
  dp->connect("sf1:p0", a.outside());
  dp->connect("sf1:p1", "sf2:p0");
  dp->connect("sf2:p1", b.outside());
  EXPECT_EQ(sf1->find_port("p1")->peer(), "sf2:p0");
  EXPECT_EQ(sf2->find_port("p0")->peer(), "sf1:p1");

  EXPECT_TRUE(ping(h1, "10.94.0.2")) << "h1 -> h2";
  EXPECT_TRUE(ping(h2, "10.94.0.1")) << "h2 -> h1";
  // Six echo requests and six replies (and ARP) crossed every port each way.
  for (auto* p : {sf1->find_port("p0"), sf1->find_port("p1"), sf2->find_port("p0"), sf2->find_port("p1")}) {
    auto c = p->counters();
    EXPECT_GE(c.rx_packets, 6u) << p->path();
    EXPECT_GE(c.tx_packets, 6u) << p->path();
    EXPECT_GE(c.rx_bytes, 6u * 98) << p->path();
    EXPECT_GE(c.tx_bytes, 6u * 98) << p->path();
    EXPECT_EQ(p->status(), port_status::up) << p->path();
  }
}

TEST_P(cube_links, deleting_a_wired_cube_takes_its_links_down) {
  netns h1, h2;
  veth_host a(h1, "10.94.1.1/24"), b(h2, "10.94.1.2/24");
  testing::test_datapath dp;
  auto sf1 = forwarder(*dp, "sf1", type());
  auto sf2 = forwarder(*dp, "sf2", type());
  dp->connect("sf1:p0", a.outside());
  dp->connect("sf1:p1", "sf2:p0");
  dp->connect("sf2:p1", b.outside());
  testing::probe_cube probe(*dp, "probe", type(), 0);  // on a port of the cube that goes
  dp->attach(probe, "sf1:p1", {chain_position::kind::last, ""});
  ASSERT_TRUE(ping(h1, "10.94.1.2"));
  ASSERT_NE(testing::hooks_on(a.outside_ifindex()), "");
  uint32_t slot = sf1->slot();

  sf1.reset();

  EXPECT_EQ(dp->find_cube("sf1"), nullptr);
  EXPECT_EQ(sf2->find_port("p0")->status(), port_status::down);
  EXPECT_EQ(sf2->find_port("p0")->peer(), "");
  EXPECT_EQ(sf2->find_port("p1")->status(), port_status::up) << "the other port of sf2 is still wired to " << b.outside();
  EXPECT_EQ(probe.parent(), "") << "a transparent cube on a deleted port is detached";
  EXPECT_TRUE(dp->chain_of("sf1:p1").empty());
  EXPECT_EQ(testing::hooks_on(a.outside_ifindex()), "") << a.outside() << " still runs a program of the deleted cube's netdev entry";
  EXPECT_FALSE(dp->entry_hop(a.outside()));
  EXPECT_NE(testing::hooks_on(b.outside_ifindex()), "") << b.outside() << " is still used by sf2";
  EXPECT_FALSE(std::filesystem::exists(dp.root() + "/cubes/sf1")) << "the deleted cube's pins remain";
  EXPECT_EQ(dp->netdevs_in_use().count(a.outside()), 0u);

  EXPECT_TRUE(testing::ping_fails(h1, "10.94.1.2")) << "h1 still reaches h2 with sf1 gone";
  EXPECT_TRUE(testing::ping_fails(h2, "10.94.1.1")) << "h2 still reaches h1 with sf1 gone";

  // The freed slot and the port work again for a cube created in its place.
  auto again = forwarder(*dp, "sf1", type());
  EXPECT_EQ(again->slot(), slot);
  dp->connect("sf1:p0", a.outside());
  dp->connect("sf1:p1", "sf2:p0");
  EXPECT_TRUE(ping(h1, "10.94.1.2")) << "after re-creating sf1";
}

INSTANTIATE_TEST_SUITE_P(types, cube_links, ::testing::Values(cube_type::xdp_drv, cube_type::xdp_skb, cube_type::tc),
                         testing::type_name);

}  // namespace
}  // namespace pcn
