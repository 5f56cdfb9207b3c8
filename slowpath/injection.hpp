#pragma once
// The slow path's way back into the datapath: a veth pair of its own in the datapath's
// network namespace. Userspace transmits on the `tx` end (AF_XDP, batched) packets with a
// struct pcn_inject_header in front; on the `rx` end the injection program
// (bpf/inject.bpf.c: native XDP, and TC ingress for TC cubes) strips the header and sends
// the packet where it says: into any cube (through a port or a transparent cube, in a
// direction) or out of a netdev. Created on construction (replacing a leftover of the same
// name), deleted with the object.
#include <string>

#include "dataplane/object.hpp"

namespace pcn::dataplane {
class datapath;
}

namespace pcn::slowpath {

class injection_device {
 public:
  // `name` is a prefix: the ends are <name>t and <name>r (at most 15 characters each).
  injection_device(dataplane::datapath& dp, const std::string& name);
  ~injection_device();
  injection_device(const injection_device&) = delete;
  injection_device& operator=(const injection_device&) = delete;

  const std::string& tx_name() const noexcept { return _tx; }
  const std::string& rx_name() const noexcept { return _rx; }
  int tx_ifindex() const noexcept { return _tx_ifindex; }
  int rx_ifindex() const noexcept { return _rx_ifindex; }
  // The injection program of the XDP family (the measure of the live-frames alternative
  // runs it with BPF_PROG_TEST_RUN).
  int xdp_program_fd() const;

 private:
  std::string _tx, _rx;
  int _tx_ifindex = 0, _rx_ifindex = 0;
  dataplane::bpf_object_file _xdp, _tc;
};

}  // namespace pcn::slowpath
