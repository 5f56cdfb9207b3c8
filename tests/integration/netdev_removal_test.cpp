// A netdev under a port disappears (ip link del) while a netdev monitor runs on a reactor
// and feeds its removals to the datapath, the way the daemon does: the port goes DOWN with
// its peer reset, the transparent cubes on the netdev are detached, no stale entry stays in
// the framework maps, and a veth re-created under the same name is left alone until it is
// connected again explicitly.
#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bpf/pcn_abi.h"
#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "dataplane/datapath.hpp"
#include "dataplane/netdev_monitor.hpp"
#include "reactor/cancel.hpp"
#include "reactor/reactor.hpp"
#include "reactor/task.hpp"
#include "reactor/task_scope.hpp"
#include "tests/integration/hub.hpp"
#include "tests/support/netns.hpp"
#include "tests/support/probe_cube.hpp"
#include "tests/support/run.hpp"
#include "tests/support/test_datapath.hpp"

namespace pcn {
namespace {

using namespace std::chrono_literals;
using dataplane::chain_position;
using dataplane::cube_type;
using dataplane::link_event;
using dataplane::port_status;
using cubes::simpleforwarder;
using testing::netns;
using testing::ping;
using testing::probe_cube;
using testing::veth_host;

class netdev_removal : public testing::hub_test {};

// What the monitor reported about the netdev under test.
struct observed {
  std::string netdev;
  std::vector<link_event> removed;
  int added_after_removal = 0;
};

void on_link_event(dataplane::datapath& dp, observed& seen, const link_event& e) {
  if (e.what == link_event::kind::removed) {
    dp.netdev_removed(e.ifindex, e.name);
    if (e.name == seen.netdev) seen.removed.push_back(e);
  } else if (e.name == seen.netdev && !seen.removed.empty()) {
    ++seen.added_after_removal;
  }
}

// Waits, a few milliseconds at a time, until `done` holds; false when `limit` passed first.
task<bool> eventually(std::function<bool()> done, clock::duration limit) {
  auto deadline = clock::now() + limit;
  while (!done()) {
    if (clock::now() >= deadline) co_return false;
    co_await sleep_for(10ms);
  }
  co_return true;
}

// With a monitor running: deletes seen.netdev, waits for the datapath to have been told,
// re-creates a veth of the same name (peer `new_peer`) and waits for the monitor to see it.
task<void> delete_and_recreate(dataplane::datapath& dp, observed& seen, std::string new_peer) {
  dataplane::netdev_monitor monitor;
  cancel_source stop;
  task_scope scope("netdev monitor");
  scope.spawn(monitor.run([&dp, &seen](const link_event& e) { on_link_event(dp, seen, e); }, stop));
  std::exception_ptr error;
  try {
    testing::run_command("ip link del " + seen.netdev);
    if (co_await eventually([&seen] { return !seen.removed.empty(); }, 3s)) {
      testing::run_command("ip link add " + seen.netdev + " type veth peer name " + new_peer);
      co_await eventually([&seen] { return seen.added_after_removal > 0; }, 3s);
    }
  } catch (...) {
    error = std::current_exception();
  }
  stop.request_cancel();
  co_await scope.join();
  if (error) std::rethrow_exception(error);
}

TEST_P(netdev_removal, port_goes_down_and_nothing_is_rewired_when_the_name_comes_back) {
  netns h1, h2;
  veth_host a(h1, "10.96.0.1/24"), b(h2, "10.96.0.2/24");
  testing::test_datapath dp;
  simpleforwarder sf(*dp, "sf", type());
  testing::forward_between(*dp, sf, a, b);
  probe_cube t1(*dp, "t1", type(), 0), t2(*dp, "t2", type(), 1);
  dp->attach(t1, a.outside(), {chain_position::kind::last, ""});
  dp->attach(t2, a.outside(), {chain_position::kind::last, ""});
  ASSERT_TRUE(ping(h1, "10.96.0.2"));
  ASSERT_GT(t1.seen(PCN_INGRESS).packets, 0u);
  const int old_ifindex = a.outside_ifindex();

  observed seen{a.outside(), {}, 0};
  const std::string new_peer = testing::unique_name("pb");
  testing::run(delete_and_recreate(*dp, seen, new_peer));
  ASSERT_EQ(seen.removed.size(), 1u) << "the monitor did not report the removal of " << a.outside();
  EXPECT_EQ(seen.removed[0].ifindex, old_ifindex);
  EXPECT_GT(seen.added_after_removal, 0) << "the monitor did not report the re-created " << a.outside();

  // The port lost its netdev; the other one is untouched.
  EXPECT_EQ(sf.find_port("p0")->status(), port_status::down);
  EXPECT_EQ(sf.find_port("p0")->peer(), "");
  EXPECT_EQ(sf.find_port("p1")->status(), port_status::up);
  EXPECT_EQ(sf.find_port("p1")->peer(), b.outside());
  // The transparent cubes on it are detached, their successors back to drop.
  EXPECT_EQ(t1.parent(), "");
  EXPECT_EQ(t2.parent(), "");
  EXPECT_TRUE(dp->chain_of(a.outside()).empty());
  for (const auto* t : {&t1, &t2})
    for (uint32_t direction : {PCN_INGRESS, PCN_EGRESS}) EXPECT_EQ(t->next_hops()[direction].kind, PCN_HOP_DROP) << t->name();
  // Nothing refers to the old or the new netdev; nothing runs on the new one.
  const int new_ifindex = a.outside_ifindex();
  ASSERT_NE(new_ifindex, 0);
  EXPECT_FALSE(dp->entry_hop(a.outside()));
  EXPECT_EQ(dp->netdevs_in_use().count(a.outside()), 0u);
  EXPECT_EQ(testing::hooks_on(new_ifindex), "") << "the re-created " << a.outside() << " was wired silently";

  // Give the new veth the old host's end and address: still no path through sf.
  testing::run_command("ip link set " + new_peer + " netns " + h1.name());
  h1.exec("ip addr add 10.96.0.1/24 dev " + new_peer);
  h1.exec("ip link set " + new_peer + " up");
  h1.exec("ethtool -K " + new_peer + " gro on");
  testing::run_command("ip link set " + a.outside() + " up");
  EXPECT_TRUE(testing::ping_fails(h1, "10.96.0.2")) << "h1 reaches h2 through a port nobody re-connected";
  EXPECT_EQ(testing::hooks_on(new_ifindex), "");

  // Connected again on purpose, it forwards again.
  dp->connect("sf:p0", a.outside());
  EXPECT_EQ(sf.find_port("p0")->status(), port_status::up);
  EXPECT_TRUE(ping(h1, "10.96.0.2")) << "after connecting the re-created netdev";
}

INSTANTIATE_TEST_SUITE_P(types, netdev_removal, ::testing::Values(cube_type::xdp_drv, cube_type::xdp_skb, cube_type::tc),
                         testing::type_name);

}  // namespace
}  // namespace pcn
