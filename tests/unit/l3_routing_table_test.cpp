// The router's routing table: which route of a network the fast path holds, and what a
// lookup answers (longest prefix, then path cost; local addresses always win).
#include <gtest/gtest.h>

#include "cubes/router/routing_table.hpp"

namespace pcn::cubes {
namespace {

ipv4::prefix net(const char* text) { return *ipv4::parse_prefix(text); }
ipv4::address addr(const char* text) { return *ipv4::parse_address(text); }

route configured(const char* network, const char* nexthop, uint16_t port, uint32_t cost) {
  return {net(network), addr(nexthop), port, cost, route_origin::configured};
}

TEST(routing_table, longest_prefix_wins) {
  routing_table t;
  t.add(configured("0.0.0.0/0", "10.0.0.1", 0, 1));
  t.add(configured("10.1.0.0/16", "10.0.0.2", 1, 1));
  t.add(configured("10.1.2.0/24", "10.0.0.3", 2, 1));
  t.add(configured("10.1.2.128/25", "10.0.0.4", 3, 1));
  struct {
    const char* destination;
    const char* nexthop;
  } cases[] = {{"10.1.2.200", "10.0.0.4"}, {"10.1.2.1", "10.0.0.3"}, {"10.1.3.1", "10.0.0.2"},
               {"192.168.1.1", "10.0.0.1"}, {"10.1.2.128", "10.0.0.4"}, {"10.1.255.255", "10.0.0.2"}};
  for (const auto& c : cases) {
    const route* r = t.lookup(addr(c.destination));
    ASSERT_NE(r, nullptr) << c.destination;
    EXPECT_EQ(ipv4::to_string(r->nexthop), c.nexthop) << c.destination;
  }
}

TEST(routing_table, no_default_route_no_answer) {
  routing_table t;
  t.add(configured("10.1.0.0/16", "10.0.0.2", 1, 1));
  EXPECT_EQ(t.lookup(addr("10.2.0.1")), nullptr);
  EXPECT_EQ(t.installed().size(), 1u);
}

TEST(routing_table, equal_prefixes_lowest_pathcost_then_first_added) {
  routing_table t;
  t.add(configured("10.3.0.0/24", "10.0.0.2", 1, 10));
  t.add(configured("10.3.0.0/24", "10.0.0.3", 2, 5));
  t.add(configured("10.3.0.0/24", "10.0.0.4", 3, 5));
  ASSERT_EQ(t.installed().size(), 1u);
  EXPECT_EQ(ipv4::to_string(t.lookup(addr("10.3.0.7"))->nexthop), "10.0.0.3");
  EXPECT_EQ(t.all().size(), 3u);
}

TEST(routing_table, connected_routes_beat_costlier_static_ones_and_local_addresses_beat_all) {
  routing_table t;
  t.add(configured("10.0.1.0/24", "10.0.2.1", 1, 1));
  t.add({net("10.0.1.0/24"), 0, 0, 0, route_origin::connected});
  t.add(configured("10.0.1.254/32", "10.0.2.1", 1, 0));
  t.add({net("10.0.1.254/32"), 0, 0, 0, route_origin::local});
  EXPECT_EQ(t.lookup(addr("10.0.1.5"))->from, route_origin::connected);
  EXPECT_EQ(t.lookup(addr("10.0.1.254"))->from, route_origin::local);
}

TEST(ipv4_text, prefixes_addresses_and_macs) {
  auto p = ipv4::parse_prefix("10.0.1.254/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(ipv4::to_string(p->network_prefix()), "10.0.1.0/24");
  EXPECT_FALSE(p->is_network());
  EXPECT_TRUE(p->contains(addr("10.0.1.1")));
  EXPECT_FALSE(p->contains(addr("10.0.2.1")));
  EXPECT_EQ(ipv4::parse_prefix("0.0.0.0/0")->mask(), 0u);
  for (const char* bad : {"10.0.1.1", "10.0.1.1/33", "10.0.1.1/", "10.0.1/24", "10.0.1.1/2x", "x/1"})
    EXPECT_FALSE(ipv4::parse_prefix(bad)) << bad;
  EXPECT_EQ(ipv4::to_string(*ipv4::parse_mac("02:AB:00:00:00:0a")), "02:ab:00:00:00:0a");
  EXPECT_FALSE(ipv4::parse_mac("02:ab:00:00:00:0a:"));
  EXPECT_TRUE(ipv4::is_special(addr("127.0.0.1")));
  EXPECT_TRUE(ipv4::is_special(addr("224.0.0.5")));
  EXPECT_TRUE(ipv4::is_special(addr("255.255.255.255")));
  EXPECT_FALSE(ipv4::is_special(addr("10.0.0.1")));
}

}  // namespace
}  // namespace pcn::cubes
