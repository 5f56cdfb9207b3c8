#include "cubes/l2/learning_bridge.hpp"

#include <linux/bpf.h>
#include <time.h>

#include <algorithm>
#include <cstring>

#include "dataplane/datapath.hpp"
#include "slowpath/packet.hpp"

namespace pcn::cubes::l2 {
namespace {

using dataplane::topology_error;

constexpr std::string_view fdb_map = "fdb";
constexpr std::string_view config_map = "l2_config";
constexpr std::string_view devmap_map = "l2_flood_devmap";
constexpr std::string_view ifindex_port_map = "l2_ifindex_port";
constexpr std::string_view flood_ports_map = "l2_flood_ports";
constexpr std::string_view devmap_program = "l2_flood_egress_prog";

l2_fdb_key key_of(const fdb_address& a) {
  l2_fdb_key k{};
  std::memcpy(k.mac, a.mac.data(), 6);
  k.vlan = a.vlan;
  return k;
}

fdb_address address_of(const l2_fdb_key& k) {
  fdb_address a;
  std::memcpy(a.mac.data(), k.mac, 6);
  a.vlan = k.vlan;
  return a;
}

}  // namespace

learning_bridge::learning_bridge(dataplane::datapath& dp, dataplane::cube_options options) : cube(dp, std::move(options)) {
  // A re-adopted cube keeps what it learned, but its flooding plan is made again.
  if (family() == dataplane::hook_family::xdp) {
    auto devmap = get_table<uint32_t, bpf_devmap_val>(devmap_map);
    for (const auto& [ifindex, v] : devmap.entries()) devmap.remove(ifindex);
    auto ports = get_table<uint32_t, uint32_t>(ifindex_port_map);
    for (const auto& [ifindex, port] : ports.entries()) ports.remove(ifindex);
  }
  write_config();
}

uint32_t learning_bridge::now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint32_t>(ts.tv_sec);
}

void learning_bridge::write_config() {
  l2_config c{};
  c.aging_time = _aging_time;
  c.flood = _flood;
  c.flood_count = static_cast<uint32_t>(_kernel_ports.size());
  get_table<uint32_t, l2_config>(config_map).set(0, c);
}

void learning_bridge::set_aging_time(uint32_t seconds) {
  _aging_time = seconds;
  write_config();
}

// ---------------------------------------------------------------- static entries

void learning_bridge::write_static(const fdb_address& a, const dataplane::port* leaving) {
  auto fdb = get_table<l2_fdb_key, l2_fdb_entry>(fdb_map);
  auto it = _static.find(a);
  dataplane::port* p = it == _static.end() ? nullptr : find_port(it->second);
  if (!p || p == leaving) {
    fdb.remove(key_of(a));
    return;
  }
  l2_fdb_entry e{};
  e.port = p->index();
  e.timestamp = now();
  e.flags = L2_FDB_STATIC;
  fdb.set(key_of(a), e);
}

void learning_bridge::set_static_entry(const fdb_address& a, const std::string& port) {
  if (!find_port(port))
    throw topology_error(topology_error::kind::not_found,
                         name() + ": fdb entry " + to_string(a.mac) + ": port " + port + " does not exist");
  _static[a] = port;
  write_static(a);
}

void learning_bridge::remove_static_entry(const fdb_address& a) {
  if (_static.erase(a) == 0) return;
  write_static(a);
}

// ---------------------------------------------------------------- the database

std::vector<fdb_row> learning_bridge::fdb_entries() const {
  std::vector<fdb_row> rows;
  uint32_t t = now();
  for (const auto& [k, v] : get_table<l2_fdb_key, l2_fdb_entry>(fdb_map).entries()) {
    bool is_static = v.flags & L2_FDB_STATIC;
    uint32_t age = is_static || v.timestamp > t ? 0 : t - v.timestamp;
    if (!is_static && age > _aging_time) continue;
    const dataplane::port* p = find_port(static_cast<uint16_t>(v.port));
    if (!p) continue;
    rows.push_back({address_of(k), p->name(), age, is_static});
  }
  std::sort(rows.begin(), rows.end(), [](const fdb_row& a, const fdb_row& b) {
    return std::tie(a.address.vlan, a.address.mac) < std::tie(b.address.vlan, b.address.mac);
  });
  return rows;
}

namespace {
// Removes the learned entries for which `drop(entry)` holds; how many went.
template <typename Predicate>
size_t remove_learned(dataplane::table<l2_fdb_key, l2_fdb_entry> fdb, Predicate drop) {
  std::vector<l2_fdb_key> keys;
  for (const auto& [k, v] : fdb.entries())
    if (!(v.flags & L2_FDB_STATIC) && drop(v)) keys.push_back(k);
  fdb.remove_batch(keys);
  return keys.size();
}
}  // namespace

size_t learning_bridge::flush() {
  return remove_learned(get_table<l2_fdb_key, l2_fdb_entry>(fdb_map), [](const l2_fdb_entry&) { return true; });
}

size_t learning_bridge::sweep() {
  uint32_t t = now();
  return remove_learned(get_table<l2_fdb_key, l2_fdb_entry>(fdb_map), [&](const l2_fdb_entry& e) {
    return e.timestamp > t || t - e.timestamp > _aging_time;
  });
}

void learning_bridge::forget_port(uint16_t index) {
  remove_learned(get_table<l2_fdb_key, l2_fdb_entry>(fdb_map), [&](const l2_fdb_entry& e) { return e.port == index; });
}

// ---------------------------------------------------------------- ports

void learning_bridge::on_port_added(dataplane::port& p) {
  for (const auto& [a, port] : _static)
    if (port == p.name()) write_static(a);
}

void learning_bridge::on_port_removed(dataplane::port& p) {
  // Its index may come back as another port: nothing may lead there any more.
  forget_port(p.index());
  for (const auto& [a, port] : _static)
    if (port == p.name()) write_static(a, &p);
}

// ---------------------------------------------------------------- flooding

void learning_bridge::on_topology_changed() {
  std::map<uint16_t, uint32_t> kernel;
  std::vector<uint16_t> slow;
  for (dataplane::port* p : ports()) {
    pcn_hop h = owner_datapath().slowpath_target(*p, dataplane::direction::egress);
    if (h.kind == PCN_HOP_NETDEV) kernel[p->index()] = h.target;
    else if (h.kind == PCN_HOP_CUBE) slow.push_back(p->index());
  }
  _slowpath_ports = std::move(slow);
  uint32_t flood = (kernel.empty() ? 0u : L2_FLOOD_KERNEL) | (_slowpath_ports.empty() ? 0u : L2_FLOOD_SLOWPATH);
  if (kernel == _kernel_ports && flood == _flood) return;

  if (kernel != _kernel_ports) {
    if (family() == dataplane::hook_family::xdp) {
      auto devmap = get_table<uint32_t, bpf_devmap_val>(devmap_map);
      auto by_ifindex = get_table<uint32_t, uint32_t>(ifindex_port_map);
      for (const auto& [port, ifindex] : _kernel_ports) {
        auto it = kernel.find(port);
        if (it != kernel.end() && it->second == ifindex) continue;
        devmap.remove(ifindex);
        by_ifindex.remove(ifindex);
      }
      int program = program_fd(devmap_program);
      for (const auto& [port, ifindex] : kernel) {
        by_ifindex.set(ifindex, port);
        bpf_devmap_val v{};
        v.ifindex = ifindex;
        v.bpf_prog.fd = program;
        devmap.set(ifindex, v);
      }
    } else {
      auto list = get_table<uint32_t, l2_flood_port>(flood_ports_map);
      uint32_t i = 0;
      for (const auto& [port, ifindex] : kernel) list.set(i++, l2_flood_port{port, ifindex});
    }
    _kernel_ports = std::move(kernel);
  }
  _flood = flood;
  write_config();
}

task<void> learning_bridge::packet_in(slowpath::packet pkt) {
  if (pkt.reason() == L2_REASON_FLOOD) return flood(std::move(pkt));
  return other_packet_in(std::move(pkt));
}

task<void> learning_bridge::other_packet_in(slowpath::packet) { co_return; }

bool learning_bridge::prepare_slowpath_egress(slowpath::packet&, const dataplane::port&, uint32_t) { return true; }

// The slow path's half of a flood: a copy out of each port leading into another cube.
task<void> learning_bridge::flood(slowpath::packet pkt) {
  const uint16_t in = pkt.in_port();
  const uint32_t vlan = pkt.metadata().data[0];
  std::vector<uint16_t> targets;
  for (uint16_t i : _slowpath_ports)
    if (i != in) targets.push_back(i);
  for (size_t n = 0; n < targets.size(); ++n) {
    // Looked up again after every send: a handler may wait, and ports may go meanwhile.
    dataplane::port* p = find_port(targets[n]);
    if (!p) continue;
    slowpath::packet copy = n + 1 == targets.size() ? std::move(pkt) : pkt.clone();
    if (!copy || !prepare_slowpath_egress(copy, *p, vlan)) continue;
    co_await p->send(std::move(copy), dataplane::direction::egress);
  }
}

}  // namespace pcn::cubes::l2
