#pragma once
// bridge: the learning switch of cubes/l2 with 802.1Q VLANs — access ports (one VLAN,
// untagged), trunk ports (allowed VLANs tagged, a native VLAN untagged), learning and
// flooding per VLAN — and the spanning tree (stp.hpp) run in the slow path: BPDUs come up
// from the fast path, the tree's timers tick from the control plane, and the port states
// it decides are what the fast path obeys.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cubes/bridge/bridge_abi.h"
#include "cubes/bridge/stp.hpp"
#include "cubes/l2/learning_bridge.hpp"

namespace pcn::cubes {

class bridge final : public l2::learning_bridge {
 public:
  enum class port_mode { access, trunk };
  struct port_settings {
    port_mode mode = port_mode::access;
    uint16_t access_vlan = 1;
    std::set<uint16_t> allowed;  // trunk: tagged VLANs
    bool native_enabled = true;  // trunk: untagged frames carried, in native_vlan
    uint16_t native_vlan = 1;
    stp::port_parameters stp;
    std::optional<l2::mac_address> mac;  // source of its BPDUs (default: the bridge's)
    bool operator==(const port_settings&) const = default;
  };

  bridge(dataplane::datapath& dp, std::string name, dataplane::cube_type type, log::level level = log::level::info);

  // A port's settings, by name: kept, and in force while a port of that name exists.
  void set_port_settings(const std::string& port, const port_settings& s);
  void forget_port_settings(const std::string& port);
  port_settings settings_of(const std::string& port) const;

  // The bridge's address (spanning tree identifier, BPDU source): configured, or derived
  // from its name.
  l2::mac_address mac() const;
  void set_mac(std::optional<l2::mac_address> mac);

  // Turns the spanning tree on (ports start blocking, then listen, learn and forward as it
  // decides) or off (every port forwards).
  void set_stp(bool enabled, const stp::bridge_parameters& params, clock::time_point now = clock::now());
  bool stp_enabled() const noexcept { return _stp.has_value(); }
  const stp::spanning_tree* spanning_tree() const noexcept { return _stp ? &*_stp : nullptr; }
  // The spanning tree's timers; the BPDUs due go out through the slow path.
  void stp_tick(clock::time_point now = clock::now());
  // What the fast path holds for a port (BRIDGE_PORT_*).
  uint8_t port_state(uint16_t index) const;

 private:
  task<void> other_packet_in(slowpath::packet pkt) override;
  bool prepare_slowpath_egress(slowpath::packet& pkt, const dataplane::port& p, uint32_t vlan) override;
  void on_port_added(dataplane::port& p) override;
  void on_port_removed(dataplane::port& p) override;
  void on_topology_changed() override;

  void write_port(const dataplane::port& p);
  void write_config();
  // Brings the spanning tree's ports in line with the cube's, writes the states it decided
  // and flushes learned addresses after a topology change.
  void sync_stp(clock::time_point now);
  void apply_stp();
  task<void> transmit(std::vector<stp::bpdu_out> bpdus);

  std::map<std::string, port_settings> _settings;  // by port name
  std::map<uint16_t, bridge_port> _written;        // by port index, as the kernel holds it
  std::optional<l2::mac_address> _mac;
  std::optional<stp::spanning_tree> _stp;
};

}  // namespace pcn::cubes
