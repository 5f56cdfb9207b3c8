#pragma once
// What programs are attached to netdevs, read through rtnetlink on a socket of our own with
// a receive timeout. libbpf's queries (bpf_xdp_query, bpf_tc_query) wait for the kernel's
// answer without a limit; at start, with test harnesses creating and deleting veths around
// us, that wait was seen never to end. Here a missing answer is an error after a while.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pcn::dataplane {

// The programs on one netdev's XDP and TC (clsact) hooks; 0 is "none".
struct netdev_programs {
  int ifindex = 0;
  std::string name;
  uint32_t xdp_skb = 0;
  uint32_t xdp_native = 0;
  uint32_t tc_ingress = 0;  // the filter with the framework's handle and priority only
  uint32_t tc_egress = 0;
};

struct tc_filter_id {
  uint32_t handle = 0;
  uint32_t priority = 0;
};

constexpr auto rtnetlink_timeout = std::chrono::seconds(2);

// Every netdev of the current network namespace, with what its hooks run: a link dump, a
// qdisc dump, and a filter dump for each netdev that has a clsact qdisc. Throws
// std::system_error naming the request that failed or got no answer in time.
std::vector<netdev_programs> scan_netdev_programs(tc_filter_id framework_filter);

// The same for one netdev, its TC hooks only when a filter is given; all zero when it is gone.
netdev_programs netdev_programs_of(int ifindex, std::optional<tc_filter_id> framework_filter);

}  // namespace pcn::dataplane
