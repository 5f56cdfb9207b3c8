#pragma once
// Attaching the framework's entry programs to netdevs: XDP through libxdp (so that other
// XDP users of the netdev coexist where the kernel allows libxdp's dispatcher), TC through
// libbpf's clsact API. Errors say which netdev, which hook and why.
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/rtnetlink_query.hpp"

namespace pcn::dataplane {

enum class xdp_mode { skb, native };
enum class tc_direction { ingress, egress };

struct xdp_attachment {
  bool dispatcher = false;  // attached through libxdp's multi-program dispatcher (else alone)
};

xdp_attachment attach_xdp(int ifindex, const std::string& ifname, int prog_fd, xdp_mode mode);
// Detaches prog_fd if it is what runs on the netdev; a netdev that is gone is not an error.
void detach_xdp(int ifindex, int prog_fd, xdp_mode mode);
// The id of the XDP program attached to the netdev in that mode (0: none).
uint32_t attached_xdp_program(int ifindex, xdp_mode mode);
// Atomically replaces the program `old_id` attached to the netdev with prog_fd.
void replace_xdp(int ifindex, const std::string& ifname, uint32_t old_id, int prog_fd, xdp_mode mode);

// Attaches (or atomically replaces) the framework's filter on the netdev's clsact hook.
void attach_tc(int ifindex, const std::string& ifname, tc_direction direction, int prog_fd);
void detach_tc(int ifindex, tc_direction direction);
// What runs on the netdev's hooks (for TC, the framework's filter only).
netdev_programs attached_programs(int ifindex);
// What runs on the hooks of every netdev (for TC, the framework's filter only).
std::vector<netdev_programs> scan_attached_programs();

// The name of the program with this id ("" if it is gone), for re-adoption checks.
std::string program_name(uint32_t id);

}  // namespace pcn::dataplane
