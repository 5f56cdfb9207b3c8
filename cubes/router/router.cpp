#include "cubes/router/router.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <system_error>

#include "base/unique_fd.hpp"
#include "cubes/router/packets.hpp"
#include "cubes/router/router_abi.h"
#include "router_tc.skel.h"
#include "router_xdp.skel.h"

namespace pcn::cubes {

using dataplane::topology_error;
using namespace std::chrono_literals;

namespace {

// The MAC of a netdev of this network namespace, if there is one by that name.
std::optional<ipv4::mac_address> netdev_mac(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) return std::nullopt;
  unique_fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) return std::nullopt;
  ifreq request{};
  std::memcpy(request.ifr_name, name.data(), name.size());
  if (::ioctl(s.get(), SIOCGIFHWADDR, &request) != 0) return std::nullopt;
  ipv4::mac_address mac;
  std::memcpy(mac.data(), request.ifr_hwaddr.sa_data, mac.size());
  return mac;
}

void set_eth_dst(slowpath::packet& pkt, const ipv4::mac_address& mac) { std::memcpy(pkt.data().data(), mac.data(), mac.size()); }

topology_error invalid(std::string message) { return topology_error(topology_error::kind::invalid, std::move(message)); }

}  // namespace

struct router::plan {
  std::map<uint16_t, port_state> ports;
  std::map<std::string, ipv4::mac_address> chosen_macs;  // of ports without a configured one
  routing_table routing;
  std::map<ipv4::address, neighbour> statics;
};

// ---------------------------------------------------------------- port_state

bool router::port_state::owns(ipv4::address a) const {
  return std::any_of(addresses.begin(), addresses.end(), [a](const ipv4::prefix& p) { return p.addr == a; });
}

bool router::port_state::on_link(ipv4::address a) const {
  return std::any_of(addresses.begin(), addresses.end(), [a](const ipv4::prefix& p) { return p.contains(a); });
}

std::optional<ipv4::address> router::port_state::source_for(ipv4::address a) const {
  for (const auto& p : addresses)
    if (p.contains(a)) return p.addr;
  if (addresses.empty()) return std::nullopt;
  return addresses.front().addr;
}

// ---------------------------------------------------------------- life

router::router(dataplane::datapath& dp, std::string name, dataplane::cube_type type, log::level level, router_limits limits)
    : cube(dp, {.name = std::move(name),
                .service = "router",
                .type = type,
                .code = dataplane::fastpath_code::embedded<router_xdp, router_tc>(),
                .log_level = level,
                .constants = {}}),
      _limits(limits) {
  // A cube re-adopted after a restart finds the neighbours its fast path kept: they age
  // from now, as if just learned (the configuration makes the static ones static again).
  auto now = clock::now();
  for (const auto& [address, n] : get_table<uint32_t, router_neighbour>("arp_table").entries()) {
    neighbour entry{{}, n.port, false, now};
    std::memcpy(entry.mac.data(), n.mac, entry.mac.size());
    _neighbours.emplace(ntohl(address), entry);
  }
  if (!_neighbours.empty()) start_aging();
}

router::~router() = default;

void router::on_port_removed(dataplane::port& p) {
  uint16_t index = p.index();
  // A later port at this index starts disabled, with no MAC to inherit.
  get_table<uint32_t, router_port>("router_ports").set(index, router_port{});
  _chosen_macs.erase(p.name());
  if (!_ports.erase(index)) return;
  routing_table kept;
  auto routes = get_table<router_route_key, router_route>("routes");
  for (const auto& r : _routing.all()) {
    if (r.port != index) kept.add(r);
  }
  for (const auto& [key, value] : routes.entries())
    if (value.port == index) routes.remove(key);
  for (const auto& [network, r] : kept.installed()) {
    router_route_key key{network.length, htonl(network.addr)};
    if (!routes.get(key)) routes.set(key, {htonl(r.nexthop), r.port, static_cast<uint16_t>(r.from == route::origin::local ? ROUTER_ROUTE_LOCAL : 0)});
  }
  _routing = std::move(kept);
  std::vector<ipv4::address> gone;
  for (const auto& [address, n] : _neighbours)
    if (n.port == index) gone.push_back(address);
  for (auto a : gone) forget(a);
}

// ---------------------------------------------------------------- configuration

ipv4::mac_address router::default_mac(const port_config& p, uint16_t index) const {
  // Chosen once per port, then kept: hosts cache it, so it must not change with the peer.
  if (auto it = _chosen_macs.find(p.name); it != _chosen_macs.end()) return it->second;
  // A port the fast path had before this process started (re-adopted after a restart)
  // keeps the MAC it had.
  if (!_ports.contains(index))
    if (auto kept = get_table<uint32_t, router_port>("router_ports").get(index); kept && kept->enabled) {
      ipv4::mac_address mac;
      std::memcpy(mac.data(), kept->mac, mac.size());
      return mac;
    }
  if (p.peer.find(':') == std::string::npos)
    if (auto mac = netdev_mac(p.peer)) return *mac;
  // Locally administered, derived from the names (FNV-1a).
  uint64_t h = 14695981039346656037ull;
  for (char c : name() + "/" + p.name) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  ipv4::mac_address mac{0x02};
  for (size_t i = 1; i < mac.size(); ++i) mac[i] = static_cast<uint8_t>(h >> (8 * i));
  return mac;
}

router::plan router::plan_for(const config& c) const {
  plan p;
  std::map<ipv4::address, std::string> owner;  // the router's addresses and their ports
  std::map<std::string, uint16_t> index_of;
  for (const auto& pc : c.ports) {
    dataplane::port* port = find_port(pc.name);
    if (!port)
      throw topology_error(topology_error::kind::not_found, "router " + name() + ": port " + pc.name + " does not exist");
    index_of[pc.name] = port->index();
    port_state s{pc.name, pc.mac ? *pc.mac : default_mac(pc, port->index()), {}};
    if (!pc.mac) p.chosen_macs[pc.name] = s.mac;
    std::vector<ipv4::prefix> addresses;
    if (pc.ip) addresses.push_back(*pc.ip);
    addresses.insert(addresses.end(), pc.secondary.begin(), pc.secondary.end());
    for (const auto& a : addresses) {
      std::string what = "port " + pc.name + ": address " + ipv4::to_string(a);
      if (a.length == 0 || ipv4::is_special(a.addr)) throw invalid(what + ": not an address a router port can have");
      if (a.length <= 30 && (a.addr == a.network() || a.addr == (a.network() | ~a.mask())))
        throw invalid(what + ": the network's own address or its broadcast address, not a host's");
      auto [it, fresh] = owner.emplace(a.addr, pc.name);
      if (!fresh) throw invalid(what + ": " + ipv4::to_string(a.addr) + " is an address of port " + it->second + " already");
      for (const auto& [index, other] : p.ports)
        for (const auto& o : other.addresses)
          if (o.network_prefix() == a.network_prefix())
            throw invalid(what + ": network " + ipv4::to_string(a.network_prefix()) + " is on port " + other.name + " already");
      s.addresses.push_back(a);
    }
    if (s.mac[0] & 1) throw invalid("port " + pc.name + ": mac " + ipv4::to_string(s.mac) + " is a multicast address");
    p.ports.emplace(port->index(), std::move(s));
  }

  for (const auto& [index, s] : p.ports)
    for (const auto& a : s.addresses) {
      p.routing.add({{a.addr, 32}, 0, index, 0, route::origin::local});
      if (a.length < 32) p.routing.add({a.network_prefix(), 0, index, 0, route::origin::connected});
    }

  for (const auto& rc : c.routes) {
    std::string what = "route " + ipv4::to_string(rc.network) + " via " + ipv4::to_string(rc.nexthop);
    if (!rc.network.is_network())
      throw invalid(what + ": the network has host bits set (" + ipv4::to_string(rc.network.network_prefix()) + "?)");
    if (owner.contains(rc.nexthop)) throw invalid(what + ": the next hop is an address of the router");
    std::optional<uint16_t> port;
    if (!rc.interface.empty()) {
      auto it = index_of.find(rc.interface);
      if (it == index_of.end()) throw invalid(what + ": interface " + rc.interface + " is not a port of router " + name());
      if (rc.nexthop && !p.ports.at(it->second).on_link(rc.nexthop))
        throw invalid(what + ": the next hop is on no network of port " + rc.interface);
      port = it->second;
    } else {
      if (!rc.nexthop) throw invalid(what + ": a route without a next hop needs an interface");
      uint8_t longest = 0;
      for (const auto& [index, s] : p.ports)
        for (const auto& a : s.addresses)
          if (a.contains(rc.nexthop) && (!port || a.length > longest)) {
            port = index;
            longest = a.length;
          }
      if (!port) throw invalid(what + ": the next hop is on no network of the router's ports");
    }
    p.routing.add({rc.network, rc.nexthop, *port, rc.pathcost, route::origin::configured});
  }
  if (p.routing.installed().size() > ROUTER_MAX_ROUTES)
    throw invalid("router " + name() + ": more than " + std::to_string(ROUTER_MAX_ROUTES) + " networks in the routing table");

  auto now = clock::now();
  for (const auto& ac : c.arp_table) {
    std::string what = "arp-table " + ipv4::to_string(ac.address);
    auto it = index_of.find(ac.interface);
    if (it == index_of.end()) throw invalid(what + ": interface " + ac.interface + " is not a port of router " + name());
    if (owner.contains(ac.address)) throw invalid(what + ": an address of the router");
    if (ac.mac[0] & 1) throw invalid(what + ": mac " + ipv4::to_string(ac.mac) + " is a multicast address");
    p.statics[ac.address] = neighbour{ac.mac, it->second, true, now};
  }
  if (p.statics.size() > ROUTER_MAX_NEIGHBOURS / 2)
    throw invalid("router " + name() + ": more than " + std::to_string(ROUTER_MAX_NEIGHBOURS / 2) + " static ARP entries");
  return p;
}

void router::configure(const config& c) {
  install(plan_for(c));
  _arp_aging_time = c.arp_aging_time;
}

void router::install(plan p) {
  auto ports = get_table<uint32_t, router_port>("router_ports");
  for (const auto& [index, s] : p.ports) {
    router_port value{};
    std::memcpy(value.mac, s.mac.data(), sizeof value.mac);
    value.enabled = 1;
    ports.set(index, value);
  }
  for (const auto& [index, s] : _ports)
    if (!p.ports.contains(index)) ports.set(index, router_port{});

  // Routes: the new ones first, then away with the old, so that no packet meets a gap.
  auto routes = get_table<router_route_key, router_route>("routes");
  std::map<ipv4::prefix, router_route> present;
  for (const auto& [key, value] : routes.entries()) present[{ntohl(key.network), static_cast<uint8_t>(key.prefixlen)}] = value;
  for (const auto& [network, r] : p.routing.installed()) {
    router_route value{htonl(r.nexthop), r.port, static_cast<uint16_t>(r.from == route::origin::local ? ROUTER_ROUTE_LOCAL : 0)};
    auto it = present.find(network);
    if (it == present.end() || std::memcmp(&it->second, &value, sizeof value) != 0)
      routes.set({network.length, htonl(network.addr)}, value);
  }
  for (const auto& [network, value] : present)
    if (!p.routing.installed().contains(network)) routes.remove({network.length, htonl(network.addr)});

  // Neighbours: static entries as configured; learned ones while their port still has a
  // network holding them.
  std::vector<ipv4::address> gone;
  for (const auto& [address, n] : _neighbours) {
    auto port = p.ports.find(n.port);
    bool keep = n.is_static ? p.statics.contains(address) : port != p.ports.end() && port->second.on_link(address);
    if (!keep) gone.push_back(address);
  }
  for (auto a : gone) forget(a);
  auto arp = get_table<uint32_t, router_neighbour>("arp_table");
  for (const auto& [address, n] : p.statics) {
    router_neighbour value{};
    std::memcpy(value.mac, n.mac.data(), sizeof value.mac);
    value.port = n.port;
    arp.set(htonl(address), value);
    _neighbours[address] = n;
    if (auto r = _resolving.find(address); r != _resolving.end()) r->second->answered.request_cancel();
  }

  _ports = std::move(p.ports);
  _chosen_macs = std::move(p.chosen_macs);
  _routing = std::move(p.routing);
}

// ---------------------------------------------------------------- state

std::optional<ipv4::mac_address> router::mac_of(std::string_view port) const {
  const dataplane::port* p = find_port(port);
  const port_state* s = p ? state_of(p->index()) : nullptr;
  if (!s) return std::nullopt;
  return s->mac;
}

std::string router::port_name(uint16_t index) const {
  const dataplane::port* p = find_port(index);
  return p ? p->name() : std::string();
}

std::vector<router::neighbour_entry> router::arp_entries() const {
  std::vector<neighbour_entry> out;
  auto now = clock::now();
  for (const auto& [address, n] : _neighbours)
    out.push_back({address, n.mac, port_name(n.port), n.is_static,
                   std::chrono::duration_cast<std::chrono::seconds>(now - n.updated)});
  return out;
}

const router::port_state* router::state_of(uint16_t port) const {
  auto it = _ports.find(port);
  return it == _ports.end() ? nullptr : &it->second;
}

bool router::is_local(ipv4::address a) const {
  return std::any_of(_ports.begin(), _ports.end(), [a](const auto& p) { return p.second.owns(a); });
}

// ---------------------------------------------------------------- slow path

task<void> router::packet_in(slowpath::packet pkt) {
  const pcn_metadata md = pkt.metadata();
  switch (md.reason) {
    case ROUTER_REASON_ARP:
      co_await on_arp(std::move(pkt));
      break;
    case ROUTER_REASON_LOCAL:
      co_await on_local(std::move(pkt));
      break;
    case ROUTER_REASON_TTL_EXCEEDED:
      co_await icmp_error(std::move(pkt), packets::icmp::time_exceeded, 0, std::nullopt);
      break;
    case ROUTER_REASON_NO_ROUTE:
      co_await icmp_error(std::move(pkt), packets::icmp::unreachable, packets::icmp::net_unreachable, std::nullopt);
      break;
    case ROUTER_REASON_ARP_MISS:
      co_await transmit(std::move(pkt), ntohl(md.data[0]), static_cast<uint16_t>(md.data[1]));
      break;
    default:
      break;
  }
}

task<void> router::on_arp(slowpath::packet pkt) {
  auto m = packets::parse_arp(pkt.data());
  const port_state* in = state_of(pkt.in_port());
  if (!m || !in || !in->owns(m->target_ip)) co_return;
  if (in->on_link(m->sender_ip) && !ipv4::is_special(m->sender_ip) && !(m->sender_mac[0] & 1))
    learn(m->sender_ip, m->sender_mac, pkt.in_port());
  if (m->op != packets::arp_op::request) co_return;
  packets::make_arp_reply(pkt.data(), in->mac);
  ++_stats.arp_replies_sent;
  uint16_t port = pkt.in_port();
  co_await send_out(std::move(pkt), port);
}

task<void> router::on_local(slowpath::packet pkt) {
  auto info = packets::parse_ipv4(pkt.data());
  if (!info || ipv4::is_special(info->src) || is_local(info->src)) co_return;
  if (info->protocol == packets::protocol_icmp) {
    if (auto length = packets::make_echo_reply(pkt.data())) {
      pkt.resize(static_cast<uint32_t>(*length));
      ++_stats.echo_replies;
      co_await output(std::move(pkt), info->src);
    }
  } else if (info->protocol == packets::protocol_udp) {
    co_await icmp_error(std::move(pkt), packets::icmp::unreachable, packets::icmp::port_unreachable, info->dst);
  }
}

task<void> router::icmp_error(slowpath::packet pkt, uint8_t type, uint8_t code, std::optional<ipv4::address> source) {
  auto info = packets::parse_ipv4(pkt.data());
  if (!info || !packets::may_send_error_about(*info, pkt.data()) || is_local(info->src)) co_return;
  if (!source)
    if (const port_state* in = state_of(pkt.in_port())) source = in->source_for(info->src);
  if (!source) co_return;
  if (!take_icmp_token()) {
    ++_stats.icmp_rate_limited;
    co_return;
  }
  // In place: the datagram stays where it is and the new headers go in front of it.
  size_t quoted = std::min(info->total_size, packets::icmp_error_max_quote);
  auto length = static_cast<uint32_t>(packets::icmp_error_headers + quoted);
  if (!pkt.push_front(packets::icmp_error_headers - packets::eth_size)) {
    std::vector<uint8_t> frame(length);
    std::memcpy(frame.data() + packets::icmp_error_headers, pkt.data().data() + packets::eth_size, quoted);
    pkt = new_packet(frame);
    if (!pkt) co_return;
  }
  pkt.resize(length);
  packets::write_icmp_error(pkt.data(), quoted, type, code, *source, info->src);
  ++_stats.icmp_errors;
  log::debug("router {}: ICMP {}/{} to {} from {}", name(), type, code, ipv4::to_string(info->src), ipv4::to_string(*source));
  co_await output(std::move(pkt), info->src);
}

task<void> router::output(slowpath::packet pkt, ipv4::address dst) {
  const route* r = _routing.lookup(dst);
  if (!r || r->from == route::origin::local) co_return;
  const port_state* out = state_of(r->port);
  if (!out) co_return;
  packets::write_eth(pkt.data(), ipv4::mac_address{}, out->mac, packets::ethertype_ipv4);
  ipv4::address nexthop = r->nexthop ? r->nexthop : dst;
  uint16_t port = r->port;
  co_await transmit(std::move(pkt), nexthop, port);
}

bool router::enqueue(resolution& r, slowpath::packet pkt, uint16_t port) {
  if (r.queue.size() >= _limits.queue_per_neighbour || _queued >= _limits.queue_total) {
    ++_stats.queue_drops;
    return false;
  }
  r.queue.push_back({std::move(pkt), port});
  ++_queued;
  return true;
}

task<void> router::transmit(slowpath::packet pkt, ipv4::address nexthop, uint16_t port) {
  if (auto n = _neighbours.find(nexthop); n != _neighbours.end()) {
    set_eth_dst(pkt, n->second.mac);
    co_await send_out(std::move(pkt), port);
    co_return;
  }
  if (auto r = _resolving.find(nexthop); r != _resolving.end()) {
    enqueue(*r->second, std::move(pkt), port);
    co_return;
  }
  if (!state_of(port)) co_return;
  // The first packet for this next hop: its handler resolves it for every packet that
  // waits meanwhile.
  resolution& r = *_resolving.emplace(nexthop, std::make_unique<resolution>()).first->second;
  r.port = port;
  if (enqueue(r, std::move(pkt), port)) co_await resolve(nexthop, r);
  else _resolving.erase(nexthop);
}

task<void> router::resolve(ipv4::address nexthop, resolution& r) {
  for (unsigned attempt = 0; attempt < _limits.arp_attempts && !_neighbours.contains(nexthop); ++attempt) {
    const port_state* out = state_of(r.port);
    std::optional<ipv4::address> from = out ? out->source_for(nexthop) : std::nullopt;
    if (!from) break;
    std::array<uint8_t, packets::arp_frame_size> frame;
    packets::write_arp_request(frame, out->mac, *from, nexthop);
    if (slowpath::packet request = new_packet(frame)) {
      ++_stats.arp_requests_sent;
      log::debug("router {}: who has {}? tell {} (port {}, attempt {})", name(), ipv4::to_string(nexthop),
                 ipv4::to_string(*from), out->name, attempt + 1);
      co_await send_out(std::move(request), r.port);
    }
    co_await sleep_for(_limits.arp_interval, &r.answered);
  }
  std::unique_ptr<resolution> done = std::move(_resolving.extract(nexthop).mapped());
  _queued -= done->queue.size();
  if (!_neighbours.contains(nexthop)) {
    ++_stats.arp_failures;
    log::debug("router {}: {} did not answer: {} packet(s) dropped", name(), ipv4::to_string(nexthop), done->queue.size());
  }
  for (auto& w : done->queue) {
    // Looked up again for each packet: sending suspends, and the entry may go meanwhile.
    if (auto n = _neighbours.find(nexthop); n != _neighbours.end()) {
      set_eth_dst(w.pkt, n->second.mac);
      co_await send_out(std::move(w.pkt), w.port);
    } else {
      co_await icmp_error(std::move(w.pkt), packets::icmp::unreachable, packets::icmp::host_unreachable, std::nullopt);
    }
  }
}

task<void> router::send_out(slowpath::packet pkt, uint16_t port) {
  if (dataplane::port* p = find_port(port)) co_await p->send(std::move(pkt), dataplane::direction::egress);
}

bool router::take_icmp_token() {
  auto now = clock::now();
  if (_icmp_refill == clock::time_point{}) {
    _icmp_tokens = _limits.icmp_error_burst;
  } else {
    double elapsed = std::chrono::duration<double>(now - _icmp_refill).count();
    _icmp_tokens = std::min(_limits.icmp_error_burst, _icmp_tokens + elapsed * _limits.icmp_errors_per_second);
  }
  _icmp_refill = now;
  if (_icmp_tokens < 1) return false;
  _icmp_tokens -= 1;
  return true;
}

// ---------------------------------------------------------------- ARP table

void router::learn(ipv4::address a, const ipv4::mac_address& mac, uint16_t port) {
  auto now = clock::now();
  auto it = _neighbours.find(a);
  if (it != _neighbours.end() && it->second.is_static) return;
  if (it != _neighbours.end() && it->second.mac == mac && it->second.port == port) {
    it->second.updated = now;
  } else {
    if (it == _neighbours.end() && _neighbours.size() >= ROUTER_MAX_NEIGHBOURS) {
      // Full: the learned entry confirmed longest ago makes room.
      auto oldest = _neighbours.end();
      for (auto n = _neighbours.begin(); n != _neighbours.end(); ++n)
        if (!n->second.is_static && (oldest == _neighbours.end() || n->second.updated < oldest->second.updated)) oldest = n;
      if (oldest == _neighbours.end()) return;
      forget(oldest->first);
    }
    router_neighbour value{};
    std::memcpy(value.mac, mac.data(), sizeof value.mac);
    value.port = port;
    try {
      get_table<uint32_t, router_neighbour>("arp_table").set(htonl(a), value);
    } catch (const std::system_error& e) {
      log::warn("router {}: cannot learn {}: {}", name(), ipv4::to_string(a), e.what());
      return;
    }
    _neighbours[a] = neighbour{mac, port, false, now};
    ++_stats.arp_learned;
    log::debug("router {}: {} is at {} (port {})", name(), ipv4::to_string(a), ipv4::to_string(mac), port_name(port));
  }
  if (auto r = _resolving.find(a); r != _resolving.end()) r->second->answered.request_cancel();
  start_aging();
}

void router::forget(ipv4::address a) {
  try {
    get_table<uint32_t, router_neighbour>("arp_table").remove(htonl(a));
  } catch (const std::system_error& e) {
    log::warn("router {}: cannot forget {}: {}", name(), ipv4::to_string(a), e.what());
  }
  _neighbours.erase(a);
}

void router::expire_neighbours(clock::time_point now) {
  std::vector<ipv4::address> expired;
  for (const auto& [address, n] : _neighbours)
    if (!n.is_static && now - n.updated >= _arp_aging_time) expired.push_back(address);
  for (auto a : expired) {
    log::debug("router {}: {} aged out", name(), ipv4::to_string(a));
    forget(a);
  }
}

void router::start_aging() {
  // A sweep every second whatever the aging time (it is cheap), so that a new aging time
  // takes effect at once. Timers need a reactor: a cube used without one does not age.
  if (_aging || !reactor::current_or_null()) return;
  _aging.emplace(1s, [this] { expire_neighbours(clock::now()); });
}

}  // namespace pcn::cubes
