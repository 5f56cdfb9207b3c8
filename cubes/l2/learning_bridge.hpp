#pragma once
// What simplebridge and bridge share in their control planes: the filtering database
// (aging, static entries, flush, the table as GET shows it) and the flooding plan — which
// ports a flood reaches in the kernel (netdev ports: the XDP devmap, the TC clone list)
// and which through the slow path (ports whose lane leads into another cube), redone on
// every change of the topology — with the slow path's half of a flood.
//
// The fast path's half is cubes/l2/l2.bpf.h; both use the maps declared there.
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "cubes/l2/l2_abi.h"
#include "cubes/l2/mac.hpp"
#include "dataplane/cube.hpp"

namespace pcn::cubes::l2 {

// An address in a VLAN (0 for a bridge without VLANs).
struct fdb_address {
  mac_address mac{};
  uint16_t vlan = 0;
  auto operator<=>(const fdb_address&) const = default;
};

// One entry of the filtering database as the kernel holds it.
struct fdb_row {
  fdb_address address;
  std::string port;
  uint32_t age = 0;  // seconds since last seen (0 for static entries)
  bool is_static = false;
};

class learning_bridge : public dataplane::cube {
 public:
  static constexpr uint32_t default_aging_time = 300;

  uint32_t aging_time() const noexcept { return _aging_time; }
  void set_aging_time(uint32_t seconds);

  // A configured entry: written while its port exists (and again when a port of that name
  // comes back). Throws topology_error when the port does not exist now.
  void set_static_entry(const fdb_address& a, const std::string& port);
  void remove_static_entry(const fdb_address& a);
  const std::map<fdb_address, std::string>& static_entries() const noexcept { return _static; }

  // The database, learned entries that aged out left out.
  std::vector<fdb_row> fdb_entries() const;
  // Forgets every learned entry (static ones stay); how many went.
  size_t flush();
  // Forgets the learned entries that aged out; how many went.
  size_t sweep();

  // The ports a flood reaches through the slow path (their lanes lead into other cubes),
  // and those it reaches in the kernel (netdev ports), as of the last topology change.
  const std::vector<uint16_t>& slowpath_flood_ports() const noexcept { return _slowpath_ports; }
  const std::map<uint16_t, uint32_t>& kernel_flood_ports() const noexcept { return _kernel_ports; }

  // Seconds of CLOCK_MONOTONIC: the clock of the fast path's timestamps.
  static uint32_t now();

 protected:
  learning_bridge(dataplane::datapath& dp, dataplane::cube_options options);

  // Subclasses overriding these call them.
  task<void> packet_in(slowpath::packet pkt) override;
  void on_port_added(dataplane::port& p) override;
  void on_port_removed(dataplane::port& p) override;
  void on_topology_changed() override;

  // Packets for the slow path other than floods. The default drops them.
  virtual task<void> other_packet_in(slowpath::packet pkt);
  // A copy of a flood in `vlan` about to leave by port p through the slow path: adapt it
  // (tags), or answer false to leave p out. The default sends it as it is.
  virtual bool prepare_slowpath_egress(slowpath::packet& pkt, const dataplane::port& p, uint32_t vlan);

  // Learned entries behind the port with this index are forgotten.
  void forget_port(uint16_t index);

 private:
  void write_config();
  void write_static(const fdb_address& a, const dataplane::port* leaving = nullptr);
  task<void> flood(slowpath::packet pkt);

  uint32_t _aging_time = default_aging_time;
  std::map<fdb_address, std::string> _static;  // configured entries, by address
  uint32_t _flood = 0;                         // l2_config.flood as written
  std::vector<uint16_t> _slowpath_ports;
  std::map<uint16_t, uint32_t> _kernel_ports;  // port index -> ifindex, as written
};

}  // namespace pcn::cubes::l2
