// Transparent cubes on a netdev run in the order they were attached in: five probes
// (tests/support/probe.bpf.c count the hops since the netdev entry reset the metadata)
// placed with first/last/before/after, real pings through them, and again after one in the
// middle is detached. Ingress crosses the chain first to last; egress crosses it last to
// first — for TC every frame leaving the netdev, for XDP the frames a cube redirects out.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "bpf/pcn_abi.h"
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
using cubes::simpleforwarder;
using testing::netns;
using testing::ping;
using testing::probe_cube;
using testing::veth_host;

class chain_order : public testing::hub_test {};

const char* direction_name(uint8_t direction) { return direction == PCN_INGRESS ? "ingress" : "egress"; }

// Probes a..e end up in that order on `parent`; they are attached in another order, with
// every kind of position, and their ids (where they record) follow neither.
std::vector<std::unique_ptr<probe_cube>> build_chain(dataplane::datapath& dp, cube_type type, const std::string& parent) {
  auto a = std::make_unique<probe_cube>(dp, "a", type, 3);
  auto b = std::make_unique<probe_cube>(dp, "b", type, 0);
  auto c = std::make_unique<probe_cube>(dp, "c", type, 4);
  auto d = std::make_unique<probe_cube>(dp, "d", type, 1);
  auto e = std::make_unique<probe_cube>(dp, "e", type, 2);
  dp.attach(*c, parent, {chain_position::kind::last, ""});
  dp.attach(*a, parent, {chain_position::kind::first, ""});
  dp.attach(*e, parent, {chain_position::kind::last, ""});
  dp.attach(*b, parent, {chain_position::kind::before, "c"});
  dp.attach(*d, parent, {chain_position::kind::after, "c"});
  std::vector<std::unique_ptr<probe_cube>> out;
  for (auto* p : {&a, &b, &c, &d, &e}) out.push_back(std::move(*p));
  return out;
}

std::vector<std::string> names(const std::vector<dataplane::transparent_cube*>& chain) {
  std::vector<std::string> out;
  for (auto* t : chain) out.push_back(t->name());
  return out;
}

// Every probe of `chain` (in chain order) saw packets in `direction`, the last one at hop
// i of the chain going in, at its mirror going out.
void expect_crossed_in_order(const std::vector<probe_cube*>& chain, uint8_t direction) {
  for (size_t i = 0; i < chain.size(); ++i) {
    probe_seen seen = chain[i]->seen(direction);
    uint32_t want = static_cast<uint32_t>(direction == PCN_INGRESS ? i : chain.size() - 1 - i);
    EXPECT_GT(seen.packets, 0u) << chain[i]->name() << " saw nothing on " << direction_name(direction);
    EXPECT_EQ(seen.position, want) << chain[i]->name() << " on " << direction_name(direction);
    EXPECT_EQ(seen.data1, 0u) << chain[i]->name() << ": the metadata was not reset at the netdev";
  }
}

void expect_unseen(const probe_cube& p, uint8_t direction) {
  EXPECT_EQ(p.seen(direction).packets, 0u) << p.name() << " saw packets on " << direction_name(direction);
}

void clear(const std::vector<std::unique_ptr<probe_cube>>& probes) {
  for (const auto& p : probes) p->clear();
}

TEST_P(chain_order, five_cubes_on_the_netdev_of_a_port_in_both_directions) {
  netns h1, h2;
  veth_host a(h1, "10.92.0.1/24"), b(h2, "10.92.0.2/24");
  testing::test_datapath dp;
  simpleforwarder sf(*dp, "sf", type());
  testing::forward_between(*dp, sf, a, b);
  auto probes = build_chain(*dp, type(), a.outside());
  ASSERT_EQ(names(dp->chain_of(a.outside())), (std::vector<std::string>{"a", "b", "c", "d", "e"}));

  // h1's requests cross the chain going in; h2's replies, redirected out of a.outside by
  // sf, cross it going out.
  ASSERT_TRUE(ping(h1, "10.92.0.2"));
  std::vector<probe_cube*> order{probes[0].get(), probes[1].get(), probes[2].get(), probes[3].get(), probes[4].get()};
  expect_crossed_in_order(order, PCN_INGRESS);
  expect_crossed_in_order(order, PCN_EGRESS);

  dp->detach(*probes[2]);
  EXPECT_EQ(names(dp->chain_of(a.outside())), (std::vector<std::string>{"a", "b", "d", "e"}));
  clear(probes);
  ASSERT_TRUE(ping(h1, "10.92.0.2")) << "after detaching c";
  order = {probes[0].get(), probes[1].get(), probes[3].get(), probes[4].get()};
  expect_crossed_in_order(order, PCN_INGRESS);
  expect_crossed_in_order(order, PCN_EGRESS);
  expect_unseen(*probes[2], PCN_INGRESS);
  expect_unseen(*probes[2], PCN_EGRESS);
}

TEST_P(chain_order, five_cubes_on_a_netdev_that_ends_in_the_stack) {
  netns h1;
  veth_host a(h1, "10.93.0.1/24");
  testing::run_command("ip addr add 10.93.0.254/24 dev " + a.outside());  // the hub's stack answers
  testing::test_datapath dp;
  auto probes = build_chain(*dp, type(), a.outside());
  ASSERT_EQ(names(dp->chain_of(a.outside())), (std::vector<std::string>{"a", "b", "c", "d", "e"}));

  // The hub's replies are generated locally: the TC egress hook takes them through the
  // chain; XDP has no egress hook, so its egress lanes see nothing here.
  auto check_egress = [&](const std::vector<probe_cube*>& order) {
    if (type() == cube_type::tc) expect_crossed_in_order(order, PCN_EGRESS);
    else
      for (auto* p : order) expect_unseen(*p, PCN_EGRESS);
  };
  ASSERT_TRUE(ping(h1, "10.93.0.254"));
  std::vector<probe_cube*> order{probes[0].get(), probes[1].get(), probes[2].get(), probes[3].get(), probes[4].get()};
  expect_crossed_in_order(order, PCN_INGRESS);
  check_egress(order);

  dp->detach(*probes[2]);
  EXPECT_EQ(names(dp->chain_of(a.outside())), (std::vector<std::string>{"a", "b", "d", "e"}));
  clear(probes);
  ASSERT_TRUE(ping(h1, "10.93.0.254")) << "after detaching c";
  order = {probes[0].get(), probes[1].get(), probes[3].get(), probes[4].get()};
  expect_crossed_in_order(order, PCN_INGRESS);
  check_egress(order);
  expect_unseen(*probes[2], PCN_INGRESS);
  expect_unseen(*probes[2], PCN_EGRESS);
}

INSTANTIATE_TEST_SUITE_P(types, chain_order, ::testing::Values(cube_type::xdp_drv, cube_type::xdp_skb, cube_type::tc),
                         testing::type_name);

}  // namespace
}  // namespace pcn
