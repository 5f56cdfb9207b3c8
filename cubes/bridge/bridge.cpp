#include "cubes/bridge/bridge.hpp"

#include <cstring>

#include "dataplane/datapath.hpp"
#include "slowpath/packet.hpp"
#include "bridge_tc.skel.h"
#include "bridge_xdp.skel.h"

namespace pcn::cubes {
namespace {

constexpr std::string_view ports_map = "bridge_ports";
constexpr std::string_view config_map = "bridge_config";

uint8_t kernel_state(stp::port_state s) {
  switch (s) {
    case stp::port_state::disabled: return BRIDGE_PORT_DISABLED;
    case stp::port_state::blocking: return BRIDGE_PORT_BLOCKING;
    case stp::port_state::listening: return BRIDGE_PORT_LISTENING;
    case stp::port_state::learning: return BRIDGE_PORT_LEARNING;
    case stp::port_state::forwarding: return BRIDGE_PORT_FORWARDING;
  }
  return BRIDGE_PORT_DISABLED;
}

bool same(const bridge_port& a, const bridge_port& b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Makes the frame's outer 802.1Q tag `want` (a VLAN id), or none (-1).
bool set_tag(slowpath::packet& pkt, int want) {
  auto d = pkt.data();
  if (d.size() < 14) return false;
  if (d.size() >= 18 && d[12] == 0x81 && d[13] == 0x00) {
    std::memmove(d.data() + 4, d.data(), 12);
    pkt.pull_front(4);
  }
  if (want < 0) return true;
  if (!pkt.push_front(4)) return false;
  auto e = pkt.data();
  std::memmove(e.data(), e.data() + 4, 12);
  e[12] = 0x81;
  e[13] = 0x00;
  e[14] = static_cast<uint8_t>((want >> 8) & 0x0f);
  e[15] = static_cast<uint8_t>(want);
  return true;
}

}  // namespace

bridge::bridge(dataplane::datapath& dp, std::string name, dataplane::cube_type type, log::level level)
    : learning_bridge(dp, {.name = std::move(name),
                           .service = "bridge",
                           .type = type,
                           .code = dataplane::fastpath_code::embedded<bridge_xdp, bridge_tc>(),
                           .log_level = level,
                           .constants = {}}) {
  write_config();
}

void bridge::write_config() {
  bridge_config c{};
  c.stp_enabled = _stp ? 1 : 0;
  get_table<uint32_t, bridge_config>(config_map).set(0, c);
}

// ---------------------------------------------------------------- ports

bridge::port_settings bridge::settings_of(const std::string& port) const {
  auto it = _settings.find(port);
  return it == _settings.end() ? port_settings{} : it->second;
}

void bridge::set_port_settings(const std::string& port, const port_settings& s) {
  auto it = _settings.find(port);
  if (it != _settings.end() && it->second == s) return;
  _settings[port] = s;
  if (dataplane::port* p = find_port(port)) {
    write_port(*p);
    if (_stp) sync_stp(clock::now());
  }
}

void bridge::forget_port_settings(const std::string& port) {
  if (_settings.erase(port) == 0) return;
  if (dataplane::port* p = find_port(port)) write_port(*p);
}

void bridge::write_port(const dataplane::port& p) {
  port_settings s = settings_of(p.name());
  bridge_port v{};
  if (s.mode == port_mode::access) {
    v.untagged_vlan = s.access_vlan;
  } else {
    v.untagged_vlan = s.native_enabled ? s.native_vlan : 0;
    for (uint16_t vlan : s.allowed) v.tagged[vlan >> 6] |= uint64_t{1} << (vlan & 63);
  }
  v.state = _stp ? kernel_state(_stp->state(p.index())) : uint8_t{BRIDGE_PORT_FORWARDING};
  auto it = _written.find(p.index());
  if (it != _written.end() && same(it->second, v)) return;
  get_table<uint32_t, bridge_port>(ports_map).set(p.index(), v);
  _written[p.index()] = v;
}

uint8_t bridge::port_state(uint16_t index) const {
  auto it = _written.find(index);
  return it == _written.end() ? uint8_t{BRIDGE_PORT_DISABLED} : it->second.state;
}

void bridge::on_port_added(dataplane::port& p) {
  learning_bridge::on_port_added(p);
  write_port(p);
  if (_stp) sync_stp(clock::now());
}

void bridge::on_port_removed(dataplane::port& p) {
  learning_bridge::on_port_removed(p);
  get_table<uint32_t, bridge_port>(ports_map).set(p.index(), bridge_port{});
  _written.erase(p.index());
  if (_stp) {
    _stp->remove_port(p.index(), clock::now());
    apply_stp();
  }
}

void bridge::on_topology_changed() {
  learning_bridge::on_topology_changed();
  if (_stp) sync_stp(clock::now());
}

// A copy of a flood in `vlan` for a port towards another cube: tagged as that port carries
// the VLAN, or not at all.
bool bridge::prepare_slowpath_egress(slowpath::packet& pkt, const dataplane::port& p, uint32_t vlan) {
  auto it = _written.find(p.index());
  if (it == _written.end() || it->second.state != BRIDGE_PORT_FORWARDING) return false;
  const bridge_port& v = it->second;
  if (vlan == v.untagged_vlan) return set_tag(pkt, -1);
  if (vlan < 4096 && (v.tagged[vlan >> 6] >> (vlan & 63) & 1)) return set_tag(pkt, static_cast<int>(vlan));
  return false;
}

// ---------------------------------------------------------------- spanning tree

l2::mac_address bridge::mac() const {
  if (_mac) return *_mac;
  // Locally administered, from the name (FNV-1a): the same across restarts.
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : name()) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  l2::mac_address m{0x02};
  for (size_t i = 1; i < 6; ++i) m[i] = static_cast<uint8_t>(h >> (8 * i));
  return m;
}

void bridge::set_mac(std::optional<l2::mac_address> mac) {
  _mac = mac;
  if (_stp) set_stp(true, _stp->parameters(), clock::now());
}

void bridge::set_stp(bool enabled, const stp::bridge_parameters& params, clock::time_point now) {
  if (!enabled) {
    if (!_stp) return;
    _stp.reset();
  } else if (!_stp) {
    _stp.emplace(mac(), params);
  } else {
    _stp->set_bridge(mac(), params, now);
  }
  write_config();
  if (_stp) {
    sync_stp(now);
  } else {
    for (dataplane::port* p : ports()) write_port(*p);
  }
}

void bridge::sync_stp(clock::time_point now) {
  for (dataplane::port* p : ports()) {
    bool connected = owner_datapath().slowpath_target(*p, dataplane::direction::egress).kind != PCN_HOP_DROP;
    _stp->set_port(p->index(), settings_of(p->name()).stp, connected, now);
  }
  apply_stp();
  auto out = _stp->take_outgoing();
  if (!out.empty()) run_in_slowpath(transmit(std::move(out)));
}

void bridge::apply_stp() {
  for (dataplane::port* p : ports()) write_port(*p);
  if (_stp && _stp->take_topology_change()) flush();
}

void bridge::stp_tick(clock::time_point now) {
  if (!_stp) return;
  _stp->tick(now);
  apply_stp();
  auto out = _stp->take_outgoing();
  if (!out.empty()) run_in_slowpath(transmit(std::move(out)));
}

task<void> bridge::other_packet_in(slowpath::packet pkt) {
  if (pkt.reason() != L2_REASON_BPDU || !_stp) co_return;
  _stp->receive(pkt.in_port(), pkt.data(), clock::now());
  apply_stp();
  co_await transmit(_stp->take_outgoing());
}

task<void> bridge::transmit(std::vector<stp::bpdu_out> bpdus) {
  for (auto& b : bpdus) {
    // Looked up for each: sending may wait, and ports may go meanwhile.
    dataplane::port* p = find_port(b.port);
    if (!p) continue;
    if (auto port_mac = settings_of(p->name()).mac) std::memcpy(b.frame.data() + 6, port_mac->data(), 6);
    slowpath::packet pkt = new_packet(b.frame);
    if (!pkt) continue;
    co_await p->send(std::move(pkt), dataplane::direction::egress);
  }
}

}  // namespace pcn::cubes
