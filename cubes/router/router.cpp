#include "cubes/router/router.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <system_error>
#include <type_traits>

#include "base/unique_fd.hpp"
#include "cubes/router/packets.hpp"
#include "cubes/router/packets6.hpp"
#include "cubes/router/router_abi.h"
#include "router_tc.skel.h"
#include "router_xdp.skel.h"

namespace pcn::cubes {

using dataplane::topology_error;
using namespace std::chrono_literals;

namespace {

template <typename A>
constexpr bool is_v6 = std::is_same_v<A, ipv6::address>;

template <typename A>
std::string text(A a) {
  if constexpr (is_v6<A>) return ipv6::to_string(a);
  else return ipv4::to_string(a);
}

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

bool is_ipv6_frame(const slowpath::packet& pkt) {
  return pkt.size() >= packets::eth_size && packets::field::get16(pkt.data(), 12) == packets::ethertype_ipv6;
}

topology_error invalid(std::string message) { return topology_error(topology_error::kind::invalid, std::move(message)); }

// The kernel's forms of routes and addresses.
router_route_key key_of(const ipv4::prefix& p) { return {p.length, htonl(p.addr)}; }
router_route value_of(const route& r) {
  return {htonl(r.nexthop), r.port, static_cast<uint16_t>(r.from == route_origin::local ? ROUTER_ROUTE_LOCAL : 0)};
}
ipv4::prefix prefix_of(const router_route_key& k) { return {ntohl(k.network), static_cast<uint8_t>(k.prefixlen)}; }

router_address6 key_of(ipv6::address a) {
  router_address6 k;
  ipv6::bytes b = ipv6::to_bytes(a);
  std::memcpy(k.bytes, b.data(), b.size());
  return k;
}
router_route6_key key_of(const ipv6::prefix& p) {
  router_route6_key k{p.length, {}};
  std::memcpy(k.network, key_of(p.addr).bytes, sizeof k.network);
  return k;
}
router_route6 value_of(const route6& r) {
  router_route6 v{};
  std::memcpy(v.nexthop, key_of(r.nexthop).bytes, sizeof v.nexthop);
  v.port = r.port;
  v.flags = static_cast<uint16_t>(r.from == route_origin::local ? ROUTER_ROUTE_LOCAL : 0);
  return v;
}
ipv6::prefix prefix_of(const router_route6_key& k) { return {ipv6::from_bytes(k.network), static_cast<uint8_t>(k.prefixlen)}; }

// The kernel's neighbour tables: by IPv4 address in network order, by the 16 bytes of an
// IPv6 address.
uint32_t neighbour_key(ipv4::address a) { return htonl(a); }
router_address6 neighbour_key(ipv6::address a) { return key_of(a); }
const char* neighbour_map(ipv4::address) { return "arp_table"; }
const char* neighbour_map(ipv6::address) { return "nd_table"; }

// Makes an LPM map hold exactly the installed routes of `table`: the new ones first, then
// away with the old, so that no packet meets a gap.
template <typename Prefix, typename Key, typename Value>
void sync_routes(dataplane::table<Key, Value> map, const basic_routing_table<Prefix>& table) {
  std::map<Prefix, Value> present;
  for (const auto& [key, value] : map.entries()) present[prefix_of(key)] = value;
  for (const auto& [network, r] : table.installed()) {
    Value value = value_of(r);
    auto it = present.find(network);
    if (it == present.end() || std::memcmp(&it->second, &value, sizeof value) != 0) map.set(key_of(network), value);
  }
  for (const auto& [network, value] : present)
    if (!table.installed().contains(network)) map.remove(key_of(network));
}

}  // namespace

struct router::plan {
  std::map<uint16_t, port_state> ports;
  std::map<std::string, ipv4::mac_address> chosen_macs;  // of ports without a configured one
  routing_table routing;
  routing_table6 routing6;
  std::map<ipv4::address, neighbour> statics;
  std::map<ipv6::address, neighbour> statics6;
};

// ---------------------------------------------------------------- port_state

template <typename A>
bool router::port_state::owns(A a) const {
  const auto& all = of(a);
  return std::any_of(all.begin(), all.end(), [a](const auto& p) { return p.addr == a; });
}

template <typename A>
bool router::port_state::on_link(A a) const {
  const auto& all = of(a);
  return std::any_of(all.begin(), all.end(), [a](const auto& p) { return p.contains(a); });
}

template <typename A>
std::optional<A> router::port_state::source_for(A a) const {
  const auto& all = of(a);
  for (const auto& p : all)
    if (p.contains(a)) return p.addr;
  if (all.empty()) return std::nullopt;
  return all.front().addr;
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
  auto adopt = [now](ipv4::mac_address& mac, const router_neighbour& n) {
    std::memcpy(mac.data(), n.mac, mac.size());
    return neighbour{mac, n.port, false, now};
  };
  ipv4::mac_address mac;
  for (const auto& [address, n] : get_table<uint32_t, router_neighbour>("arp_table").entries())
    _arp.entries.emplace(ntohl(address), adopt(mac, n));
  for (const auto& [address, n] : get_table<router_address6, router_neighbour>("nd_table").entries())
    _nd.entries.emplace(ipv6::from_bytes(address.bytes), adopt(mac, n));
  if (!_arp.entries.empty() || !_nd.entries.empty()) start_aging();
}

router::~router() = default;

void router::on_port_removed(dataplane::port& p) {
  uint16_t index = p.index();
  _chosen_macs.erase(p.name());
  if (!_ports.contains(index)) {
    // A later port at this index starts disabled, with no MAC to inherit.
    get_table<uint32_t, router_port>("router_ports").set(index, router_port{});
    return;
  }
  // What is configured, less the port and what goes through it.
  plan without;
  for (const auto& [i, s] : _ports)
    if (i != index) without.ports.emplace(i, s);
  without.chosen_macs = _chosen_macs;
  for (const auto& r : _routing.all())
    if (r.port != index) without.routing.add(r);
  for (const auto& r : _routing6.all())
    if (r.port != index) without.routing6.add(r);
  for (const auto& [a, n] : _arp.entries)
    if (n.is_static && n.port != index) without.statics.emplace(a, n);
  for (const auto& [a, n] : _nd.entries)
    if (n.is_static && n.port != index) without.statics6.emplace(a, n);
  install(std::move(without));
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

namespace {

// What plan_for() checks of one family's addresses, routes and static neighbours.
template <typename Prefix>
struct family_plan {
  using address = typename Prefix::address_type;
  std::map<address, std::string> owner;  // the router's addresses and their ports
  std::map<Prefix, std::string> networks;

  void add_address(const Prefix& a, const std::string& port) {
    std::string what = "port " + port + ": address " + to_string(a);
    bool special;
    if constexpr (std::is_same_v<Prefix, ipv6::prefix>) special = ipv6::is_special(a.addr);
    else special = ipv4::is_special(a.addr);
    if (a.length == 0 || special) throw invalid(what + ": not an address a router port can have");
    if constexpr (std::is_same_v<Prefix, ipv4::prefix>)
      if (a.length <= 30 && (a.addr == a.network() || a.addr == (a.network() | ~a.mask())))
        throw invalid(what + ": the network's own address or its broadcast address, not a host's");
    auto [it, fresh] = owner.emplace(a.addr, port);
    if (!fresh) throw invalid(what + ": " + text(a.addr) + " is an address of port " + it->second + " already");
    auto [net, new_network] = networks.emplace(a.network_prefix(), port);
    if (!new_network && net->second != port)
      throw invalid(what + ": network " + to_string(a.network_prefix()) + " is on port " + net->second + " already");
  }
};

}  // namespace

router::plan router::plan_for(const config& c) const {
  plan p;
  family_plan<ipv4::prefix> v4;
  family_plan<ipv6::prefix> v6;
  std::map<std::string, uint16_t> index_of;
  for (const auto& pc : c.ports) {
    dataplane::port* port = find_port(pc.name);
    if (!port)
      throw topology_error(topology_error::kind::not_found, "router " + name() + ": port " + pc.name + " does not exist");
    index_of[pc.name] = port->index();
    port_state s{pc.name, pc.mac ? *pc.mac : default_mac(pc, port->index()), {}, {}};
    if (!pc.mac) p.chosen_macs[pc.name] = s.mac;
    if (s.mac[0] & 1) throw invalid("port " + pc.name + ": mac " + ipv4::to_string(s.mac) + " is a multicast address");
    if (pc.ip) s.addresses.push_back(*pc.ip);
    s.addresses.insert(s.addresses.end(), pc.secondary.begin(), pc.secondary.end());
    if (pc.ipv6) s.addresses6.push_back(*pc.ipv6);
    for (const auto& a : s.addresses) v4.add_address(a, pc.name);
    for (const auto& a : s.addresses6) v6.add_address(a, pc.name);
    p.ports.emplace(port->index(), std::move(s));
  }

  auto add_local = [&p](auto& routing, const auto& addresses, uint16_t index) {
    for (const auto& a : addresses) {
      using prefix = std::decay_t<decltype(a)>;
      routing.add({{a.addr, prefix::bits}, 0, index, 0, route_origin::local});
      if (a.length < prefix::bits) routing.add({a.network_prefix(), 0, index, 0, route_origin::connected});
    }
  };
  for (const auto& [index, s] : p.ports) {
    add_local(p.routing, s.addresses, index);
    add_local(p.routing6, s.addresses6, index);
  }

  auto add_routes = [&](auto& routing, const auto& configured, const auto& owner) {
    for (const auto& rc : configured) {
      std::string what = "route " + to_string(rc.network) + " via " + text(rc.nexthop);
      if (!rc.network.is_network())
        throw invalid(what + ": the network has host bits set (" + to_string(rc.network.network_prefix()) + "?)");
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
          for (const auto& a : s.of(rc.nexthop))
            if (a.contains(rc.nexthop) && (!port || a.length > longest)) {
              port = index;
              longest = a.length;
            }
        if (!port) throw invalid(what + ": the next hop is on no network of the router's ports");
      }
      routing.add({rc.network, rc.nexthop, *port, rc.pathcost, route_origin::configured});
    }
    if (routing.installed().size() > ROUTER_MAX_ROUTES)
      throw invalid("router " + name() + ": more than " + std::to_string(ROUTER_MAX_ROUTES) + " networks in a routing table");
  };
  add_routes(p.routing, c.routes, v4.owner);
  add_routes(p.routing6, c.routes6, v6.owner);

  auto now = clock::now();
  auto add_statics = [&](auto& statics, const auto& configured, const auto& owner, const char* table) {
    for (const auto& nc : configured) {
      std::string what = std::string(table) + " " + text(nc.address);
      auto it = index_of.find(nc.interface);
      if (it == index_of.end()) throw invalid(what + ": interface " + nc.interface + " is not a port of router " + name());
      if (owner.contains(nc.address)) throw invalid(what + ": an address of the router");
      if (nc.mac[0] & 1) throw invalid(what + ": mac " + ipv4::to_string(nc.mac) + " is a multicast address");
      statics[nc.address] = neighbour{nc.mac, it->second, true, now};
    }
    if (statics.size() > ROUTER_MAX_NEIGHBOURS / 2)
      throw invalid("router " + name() + ": more than " + std::to_string(ROUTER_MAX_NEIGHBOURS / 2) + " static entries in the " +
                    table);
  };
  add_statics(p.statics, c.arp_table, v4.owner, "arp-table");
  add_statics(p.statics6, c.ndp_table, v6.owner, "ndp-table");
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

  sync_routes(get_table<router_route_key, router_route>("routes"), p.routing);
  sync_routes(get_table<router_route6_key, router_route6>("routes6"), p.routing6);

  // Neighbours: static entries as configured; learned ones while their port still has a
  // network holding them.
  auto sync_neighbours = [&](auto& table, const auto& statics) {
    std::vector<typename std::decay_t<decltype(statics)>::key_type> gone;
    for (const auto& [address, n] : table.entries) {
      auto port = p.ports.find(n.port);
      bool keep = n.is_static ? statics.contains(address) : port != p.ports.end() && port->second.on_link(address);
      if (!keep) gone.push_back(address);
    }
    for (auto a : gone) forget(a);
    for (const auto& [address, n] : statics) {
      write_neighbour(address, n);
      table.entries[address] = n;
      if (auto r = table.resolving.find(address); r != table.resolving.end()) r->second->answered.request_cancel();
    }
  };
  sync_neighbours(_arp, p.statics);
  sync_neighbours(_nd, p.statics6);

  _ports = std::move(p.ports);
  _chosen_macs = std::move(p.chosen_macs);
  _routing = std::move(p.routing);
  _routing6 = std::move(p.routing6);
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

std::vector<router::neighbour_entry> router::arp_entries() const { return entries_of(_arp); }
std::vector<router::neighbour6_entry> router::ndp_entries() const { return entries_of(_nd); }

template <typename A>
std::vector<router::basic_neighbour_entry<A>> router::entries_of(const neighbour_table<A>& t) const {
  std::vector<basic_neighbour_entry<A>> out;
  auto now = clock::now();
  for (const auto& [address, n] : t.entries)
    out.push_back({address, n.mac, port_name(n.port), n.is_static, std::chrono::duration_cast<std::chrono::seconds>(now - n.updated)});
  return out;
}

const router::port_state* router::state_of(uint16_t port) const {
  auto it = _ports.find(port);
  return it == _ports.end() ? nullptr : &it->second;
}

template <typename A>
bool router::is_local(A a) const {
  return std::any_of(_ports.begin(), _ports.end(), [a](const auto& p) { return p.second.owns(a); });
}

// ---------------------------------------------------------------- slow path

task<void> router::packet_in(slowpath::packet pkt) {
  const pcn_metadata md = pkt.metadata();
  bool v6 = is_ipv6_frame(pkt);
  switch (md.reason) {
    case ROUTER_REASON_ARP:
      co_await on_arp(std::move(pkt));
      break;
    case ROUTER_REASON_NDP:
      co_await on_nd(std::move(pkt));
      break;
    case ROUTER_REASON_LOCAL:
      if (v6) co_await on_local6(std::move(pkt));
      else co_await on_local(std::move(pkt));
      break;
    case ROUTER_REASON_TTL_EXCEEDED:
      if (v6) co_await icmp_error<ipv6::address>(std::move(pkt), packets::icmp6::time_exceeded, 0, std::nullopt);
      else co_await icmp_error<ipv4::address>(std::move(pkt), packets::icmp::time_exceeded, 0, std::nullopt);
      break;
    case ROUTER_REASON_NO_ROUTE:
      if (v6) co_await icmp_error<ipv6::address>(std::move(pkt), packets::icmp6::unreachable, packets::icmp6::no_route, std::nullopt);
      else co_await icmp_error<ipv4::address>(std::move(pkt), packets::icmp::unreachable, packets::icmp::net_unreachable, std::nullopt);
      break;
    case ROUTER_REASON_ARP_MISS:
      co_await transmit(std::move(pkt), ntohl(md.data[0]), static_cast<uint16_t>(md.data[1]));
      break;
    case ROUTER_REASON_ND_MISS:
      // The next hop did not fit in the metadata: the same lookup the fast path made.
      if (auto info = packets::parse_ipv6(pkt.data()))
        if (const route6* r = _routing6.lookup(info->dst)) {
          ipv6::address nexthop = r->nexthop ? r->nexthop : info->dst;
          co_await transmit(std::move(pkt), nexthop, static_cast<uint16_t>(md.data[1]));
        }
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

task<void> router::on_nd(slowpath::packet pkt) {
  auto m = packets::parse_nd(pkt.data());
  const port_state* in = state_of(pkt.in_port());
  if (!m || !in) co_return;
  uint16_t port = pkt.in_port();
  if (m->type == packets::icmp6::neighbour_advertisement) {
    // A neighbour telling where its address is (the answer to a solicitation, most often).
    ipv4::mac_address mac = m->link_address.value_or(packets::eth_src(pkt.data()));
    if (in->on_link(m->target) && !ipv6::is_special(m->target) && !(mac[0] & 1)) learn(m->target, mac, port);
    co_return;
  }
  if (!in->owns(m->target)) co_return;
  // A solicitation: learn the asker (if it said its MAC), answer it. One from :: is a host
  // checking that an address is free (duplicate address detection): not answered.
  if (m->src == 0) co_return;
  ipv4::mac_address asker = m->link_address.value_or(packets::eth_src(pkt.data()));
  if (m->link_address && in->on_link(m->src) && !(asker[0] & 1)) learn(m->src, asker, port);
  std::array<uint8_t, packets::nd_frame_size> frame;
  packets::write_neighbour_advertisement(frame, in->mac, m->target, asker, m->src);
  if (slowpath::packet answer = new_packet(frame)) {
    ++_stats.arp_replies_sent;
    co_await send_out(std::move(answer), port);
  }
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
    co_await icmp_error<ipv4::address>(std::move(pkt), packets::icmp::unreachable, packets::icmp::port_unreachable, info->dst);
  }
}

task<void> router::on_local6(slowpath::packet pkt) {
  auto info = packets::parse_ipv6(pkt.data());
  if (!info || ipv6::is_special(info->src) || is_local(info->src)) co_return;
  if (info->next_header == packets::protocol_icmpv6) {
    if (auto length = packets::make_echo6_reply(pkt.data())) {
      pkt.resize(static_cast<uint32_t>(*length));
      ++_stats.echo_replies;
      co_await output(std::move(pkt), info->src);
    }
  } else if (info->next_header == packets::protocol_udp) {
    co_await icmp_error<ipv6::address>(std::move(pkt), packets::icmp6::unreachable, packets::icmp6::port_unreachable, info->dst);
  }
}

namespace {
// Pushes `headers` - 14 bytes in front of the packet's datagram (the Ethernet header is
// rewritten) and cuts it to `length`; in a new frame, the datagram copied, when the frame
// has no room in front. False when no frame is free.
template <typename NewPacket>
bool make_room(slowpath::packet& pkt, size_t headers, size_t quoted, NewPacket new_packet) {
  auto length = static_cast<uint32_t>(headers + quoted);
  if (!pkt.push_front(static_cast<uint32_t>(headers - packets::eth_size))) {
    std::vector<uint8_t> frame(length);
    std::memcpy(frame.data() + headers, pkt.data().data() + packets::eth_size, quoted);
    pkt = new_packet(frame);
    if (!pkt) return false;
  }
  return pkt.resize(length);
}
}  // namespace

namespace {
// What differs between ICMP and ICMPv6 errors.
template <typename A>
struct icmp_family;
template <>
struct icmp_family<ipv4::address> {
  static constexpr const char* name = "ICMP";
  static constexpr size_t headers = packets::icmp_error_headers, max_quote = packets::icmp_error_max_quote;
  static auto parse(std::span<const uint8_t> f) { return packets::parse_ipv4(f); }
  static bool allowed(const packets::ipv4_info& i, std::span<const uint8_t> f) { return packets::may_send_error_about(i, f); }
  static constexpr auto write = packets::write_icmp_error;
};
template <>
struct icmp_family<ipv6::address> {
  static constexpr const char* name = "ICMPv6";
  static constexpr size_t headers = packets::icmp6_error_headers, max_quote = packets::icmp6_error_max_quote;
  static auto parse(std::span<const uint8_t> f) { return packets::parse_ipv6(f); }
  static bool allowed(const packets::ipv6_info& i, std::span<const uint8_t> f) { return packets::may_send_error6_about(i, f); }
  static constexpr auto write = packets::write_icmp6_error;
};
}  // namespace

template <typename A>
task<void> router::icmp_error(slowpath::packet pkt, uint8_t type, uint8_t code, std::optional<A> source) {
  using family = icmp_family<A>;
  auto info = family::parse(pkt.data());
  if (!info || !family::allowed(*info, pkt.data()) || is_local(info->src)) co_return;
  if (!source)
    if (const port_state* in = state_of(pkt.in_port())) source = in->source_for(info->src);
  if (!source) co_return;
  if (!take_icmp_token()) {
    ++_stats.icmp_rate_limited;
    co_return;
  }
  // In place: the datagram stays where it is and the new headers go in front of it.
  size_t quoted = std::min(info->total_size, family::max_quote);
  if (!make_room(pkt, family::headers, quoted, [this](std::span<const uint8_t> f) { return new_packet(f); })) co_return;
  family::write(pkt.data(), quoted, type, code, *source, info->src);
  ++_stats.icmp_errors;
  log::debug("router {}: {} {}/{} to {} from {}", name(), family::name, type, code, text(info->src), text(*source));
  co_await output(std::move(pkt), info->src);
}

template <typename A>
task<void> router::output(slowpath::packet pkt, A dst) {
  const auto* r = routing_of(dst).lookup(dst);
  if (!r || r->from == route_origin::local) co_return;
  const port_state* out = state_of(r->port);
  if (!out) co_return;
  packets::write_eth(pkt.data(), ipv4::mac_address{}, out->mac, is_v6<A> ? packets::ethertype_ipv6 : packets::ethertype_ipv4);
  A nexthop = r->nexthop ? r->nexthop : dst;
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

template <typename A>
task<void> router::transmit(slowpath::packet pkt, A nexthop, uint16_t port) {
  auto& table = table_of(nexthop);
  if (auto n = table.entries.find(nexthop); n != table.entries.end()) {
    set_eth_dst(pkt, n->second.mac);
    co_await send_out(std::move(pkt), port);
    co_return;
  }
  if (auto r = table.resolving.find(nexthop); r != table.resolving.end()) {
    enqueue(*r->second, std::move(pkt), port);
    co_return;
  }
  if (!state_of(port)) co_return;
  // The first packet for this next hop: its handler resolves it for every packet that
  // waits meanwhile.
  resolution& r = *table.resolving.emplace(nexthop, std::make_unique<resolution>()).first->second;
  r.port = port;
  if (enqueue(r, std::move(pkt), port)) co_await resolve(nexthop, r);
  else table.resolving.erase(nexthop);
}

template <typename A>
task<void> router::resolve(A nexthop, resolution& r) {
  auto& table = table_of(nexthop);
  for (unsigned attempt = 0; attempt < _limits.arp_attempts && !table.entries.contains(nexthop); ++attempt) {
    const port_state* out = state_of(r.port);
    std::optional<A> from = out ? out->source_for(nexthop) : std::nullopt;
    if (!from) break;
    slowpath::packet request;
    if constexpr (is_v6<A>) {
      std::array<uint8_t, packets::nd_frame_size> frame;
      packets::write_neighbour_solicitation(frame, out->mac, *from, nexthop);
      request = new_packet(frame);
    } else {
      std::array<uint8_t, packets::arp_frame_size> frame;
      packets::write_arp_request(frame, out->mac, *from, nexthop);
      request = new_packet(frame);
    }
    if (request) {
      ++_stats.arp_requests_sent;
      log::debug("router {}: who has {}? tell {} (port {}, attempt {})", name(), text(nexthop), text(*from), out->name, attempt + 1);
      co_await send_out(std::move(request), r.port);
    }
    co_await sleep_for(_limits.arp_interval, &r.answered);
  }
  std::unique_ptr<resolution> done = std::move(table.resolving.extract(nexthop).mapped());
  _queued -= done->queue.size();
  if (!table.entries.contains(nexthop)) {
    ++_stats.arp_failures;
    log::debug("router {}: {} did not answer: {} packet(s) dropped", name(), text(nexthop), done->queue.size());
  }
  for (auto& w : done->queue) {
    // Looked up again for each packet: sending suspends, and the entry may go meanwhile.
    if (auto n = table.entries.find(nexthop); n != table.entries.end()) {
      set_eth_dst(w.pkt, n->second.mac);
      co_await send_out(std::move(w.pkt), w.port);
    } else if constexpr (is_v6<A>) {
      co_await icmp_error<ipv6::address>(std::move(w.pkt), packets::icmp6::unreachable, packets::icmp6::address_unreachable, std::nullopt);
    } else {
      co_await icmp_error<ipv4::address>(std::move(w.pkt), packets::icmp::unreachable, packets::icmp::host_unreachable, std::nullopt);
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

// ---------------------------------------------------------------- neighbours

template <typename A>
void router::write_neighbour(A a, const neighbour& n) {
  router_neighbour value{};
  std::memcpy(value.mac, n.mac.data(), sizeof value.mac);
  value.port = n.port;
  get_table<decltype(neighbour_key(a)), router_neighbour>(neighbour_map(a)).set(neighbour_key(a), value);
}

template <typename A>
void router::erase_neighbour(A a) {
  get_table<decltype(neighbour_key(a)), router_neighbour>(neighbour_map(a)).remove(neighbour_key(a));
}

template <typename A>
void router::learn(A a, const ipv4::mac_address& mac, uint16_t port) {
  auto& table = table_of(a);
  auto now = clock::now();
  auto it = table.entries.find(a);
  if (it != table.entries.end() && it->second.is_static) return;
  if (it != table.entries.end() && it->second.mac == mac && it->second.port == port) {
    it->second.updated = now;
  } else {
    if (it == table.entries.end() && table.entries.size() >= ROUTER_MAX_NEIGHBOURS) {
      // Full: the learned entry confirmed longest ago makes room.
      auto oldest = table.entries.end();
      for (auto n = table.entries.begin(); n != table.entries.end(); ++n)
        if (!n->second.is_static && (oldest == table.entries.end() || n->second.updated < oldest->second.updated)) oldest = n;
      if (oldest == table.entries.end()) return;
      forget(oldest->first);
    }
    neighbour n{mac, port, false, now};
    try {
      write_neighbour(a, n);
    } catch (const std::system_error& e) {
      log::warn("router {}: cannot learn {}: {}", name(), text(a), e.what());
      return;
    }
    table.entries[a] = n;
    ++_stats.arp_learned;
    log::debug("router {}: {} is at {} (port {})", name(), text(a), ipv4::to_string(mac), port_name(port));
  }
  if (auto r = table.resolving.find(a); r != table.resolving.end()) r->second->answered.request_cancel();
  start_aging();
}

template <typename A>
void router::forget(A a) {
  try {
    erase_neighbour(a);
  } catch (const std::system_error& e) {
    log::warn("router {}: cannot forget {}: {}", name(), text(a), e.what());
  }
  table_of(a).entries.erase(a);
}

void router::expire_neighbours(clock::time_point now) {
  auto expire = [&](auto& table) {
    std::vector<typename std::decay_t<decltype(table.entries)>::key_type> expired;
    for (const auto& [address, n] : table.entries)
      if (!n.is_static && now - n.updated >= _arp_aging_time) expired.push_back(address);
    for (auto a : expired) {
      log::debug("router {}: {} aged out", name(), text(a));
      forget(a);
    }
  };
  expire(_arp);
  expire(_nd);
}

void router::start_aging() {
  // A sweep every second whatever the aging time (it is cheap), so that a new aging time
  // takes effect at once. Timers need a reactor: a cube used without one does not age.
  if (_aging || !reactor::current_or_null()) return;
  _aging.emplace(1s, [this] { expire_neighbours(clock::now()); });
}

}  // namespace pcn::cubes
