#pragma once
// TC entry programs attached by TCX links (kernel 6.6+) instead of clsact filters.
//
// Why: attaching a clsact filter needs the netdev's clsact qdisc, and creating one walks a
// kernel list with an entry per clsact qdisc of the system (flow_indr_dev_setup_offload).
// At 1000 cubes that made each create 1.5 ms slower than at 100. A TCX link needs no qdisc.
//
// A link is pinned as <dir>/<ifindex>-ingress (or -egress): like a clsact filter, it keeps
// the netdev forwarding after the daemon exits, and the next run finds it there. Nothing
// holds a link's descriptor between calls. Unpinning a link (or removing the directory)
// detaches its program; a link whose netdev was deleted is detached by the kernel and only
// its pin is left, which scan() removes.
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/netdev_hooks.hpp"

namespace pcn::dataplane {

class tcx_links {
 public:
  // Whether this kernel attaches TC programs by TCX links (probed once per process).
  static bool supported();

  // Creates `dir` if needed. Throws bpf_error when it cannot.
  explicit tcx_links(std::string dir);

  // Runs prog_fd on the netdev's hook: a new link at the head of its TCX chain, or an atomic
  // replacement of the program our link runs there. Throws bpf_error naming the netdev.
  void attach(int ifindex, const std::string& ifname, tc_direction direction, int prog_fd) const;
  // Stops our link on the hook, if any; a netdev that is gone is not an error.
  void detach(int ifindex, tc_direction direction) const;
  // The programs our links run, one record per netdev (tc_ingress, tc_egress; the XDP fields
  // are zero). The pins of links whose netdev is gone are removed.
  std::vector<netdev_programs> scan() const;

 private:
  std::string pin_path(int ifindex, tc_direction direction) const;

  std::string _dir;
};

// The program of the netdev's TCX chain that runs first (0: none): what tests check.
uint32_t first_tcx_program(int ifindex, tc_direction direction);

}  // namespace pcn::dataplane
