#pragma once
// Where the integration tests run: the test thread enters a namespace of its own, the
// "hub", for the whole test. The datapath lives there with the outside ends of the hosts'
// veth pairs, so netdev scans, attachments, netlink notifications and traffic that ends in
// "the stack" stay inside the test's namespaces, apart from the host and other tests.
#include <gtest/gtest.h>

#include <string>

#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "dataplane/datapath.hpp"
#include "dataplane/netdev_hooks.hpp"
#include "dataplane/types.hpp"
#include "tests/support/netns.hpp"

namespace pcn::testing {

class hub_test : public ::testing::TestWithParam<dataplane::cube_type> {
 protected:
  dataplane::cube_type type() const { return GetParam(); }

  netns hub{"hub"};
  entered_netns inside{hub};
};

inline std::string type_name(const ::testing::TestParamInfo<dataplane::cube_type>& info) {
  return std::string(dataplane::to_string(info.param));
}

// The programs attached to a netdev (XDP in either mode, the framework's TC filter either
// way) with their ids, as text for assertions; empty when there are none.
inline std::string hooks_on(int ifindex) {
  using namespace dataplane;
  std::string out;
  auto add = [&out](const char* hook, uint32_t id) {
    if (id) out += std::string(hook) + " " + program_name(id) + " (id " + std::to_string(id) + "); ";
  };
  netdev_programs on = attached_programs(ifindex);
  add("XDP generic", on.xdp_skb);
  add("XDP native", on.xdp_native);
  add("TC ingress", on.tc_ingress);
  add("TC egress", on.tc_egress);
  return out;
}

// The usual path between two hosts: ports p0 and p1 of `sf` connected to their veths,
// forwarding both ways.
inline void forward_between(dataplane::datapath& dp, cubes::simpleforwarder& sf, const veth_host& a, const veth_host& b) {
  sf.add_port("p0");
  sf.add_port("p1");
  dp.connect(sf.name() + ":p0", a.outside());
  dp.connect(sf.name() + ":p1", b.outside());
  sf.set_entry({"p0", cubes::simpleforwarder::action::forward, "p1"});
  sf.set_entry({"p1", cubes::simpleforwarder::action::forward, "p0"});
}

// True when an echo request gets no reply within a second.
inline bool ping_fails(const netns& from, const std::string& address) {
  return !from.succeeds("ping -q -c 1 -W 1 " + address);
}

}  // namespace pcn::testing
