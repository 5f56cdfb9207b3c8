#pragma once
// What runs on a netdev's hooks, as text for assertions: XDP in either mode, the
// framework's clsact filters, and the heads of the TCX chains, each with its program's name
// and id ("TC ingress (TCX) pcn_netdev_ingr (id 42); "); empty when nothing runs.
#include <string>

#include "dataplane/netdev_hooks.hpp"
#include "dataplane/tcx_links.hpp"

namespace pcn::testing {

inline std::string hooks_on(int ifindex) {
  using namespace dataplane;
  std::string out;
  auto add = [&out](const char* hook, uint32_t id) {
    if (id) out += std::string(hook) + " " + program_name(id) + " (id " + std::to_string(id) + "); ";
  };
  netdev_programs on = attached_programs(ifindex);
  add("XDP generic", on.xdp_skb);
  add("XDP native", on.xdp_native);
  add("TC ingress (clsact)", on.tc_ingress);
  add("TC egress (clsact)", on.tc_egress);
  add("TC ingress (TCX)", first_tcx_program(ifindex, tc_direction::ingress));
  add("TC egress (TCX)", first_tcx_program(ifindex, tc_direction::egress));
  return out;
}

}  // namespace pcn::testing
