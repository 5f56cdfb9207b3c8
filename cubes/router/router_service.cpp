// router's control plane: the configuration (ports' addresses and MACs, routes, static ARP
// entries, aging) applied whole to the cube; GET shows what the router chose and learned
// besides (MACs it picked, connected routes, learned ARP entries).
#include "api/schema/error.hpp"
#include "api/service.hpp"
#include "cubes/builtin.hpp"
#include "cubes/router/router.hpp"
#include "pcn_cube_router_yang.hpp"

namespace pcn::cubes {
namespace {

const api::json::array* array_member(const api::json::object& o, std::string_view name) {
  const api::json::value* v = o.if_contains(name);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

uint64_t number_member(const api::json::object& o, std::string_view name, uint64_t fallback) {
  const api::json::value* v = o.if_contains(name);
  if (v && v->is_uint64()) return v->get_uint64();
  if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  return fallback;
}

// The model has checked every value's form; what is left is what libyang's types allow and
// the router does not (a prefix length on an address leaf...).
[[noreturn]] void bad_value(const std::string& path, const std::string& value, const char* what) {
  throw schema::request_error(400, path, value + " is not " + what);
}

// The value at `name` in `o`, parsed.
template <typename T>
T value_at(const api::json::object& o, std::string_view name, const std::string& path, std::optional<T> (*parse)(std::string_view),
           const char* what) {
  std::string text = api::string_member(o, name);
  auto v = parse(text);
  if (!v) bad_value(path, text, what);
  return *v;
}

ipv4::mac_address mac_at(const api::json::object& o, std::string_view name, const std::string& path) {
  return value_at<ipv4::mac_address>(o, name, path, ipv4::parse_mac, "a MAC address");
}

// A route of either family: the network says which, the next hop must be of the same.
void add_route(router::config& out, const api::json::object& o) {
  std::string network = api::string_member(o, "network"), nexthop = api::string_member(o, "nexthop");
  std::string interface = api::string_member(o, "interface");
  auto pathcost = static_cast<uint32_t>(number_member(o, "pathcost", 1));
  if (auto n4 = ipv4::parse_prefix(network)) {
    auto h = ipv4::parse_address(nexthop);
    if (!h) bad_value("route", nexthop, "an IPv4 address (the network is IPv4)");
    out.routes.push_back({*n4, *h, interface, pathcost});
  } else if (auto n6 = ipv6::parse_prefix(network)) {
    auto h = ipv6::parse_address(nexthop);
    if (!h) bad_value("route", nexthop, "an IPv6 address (the network is IPv6)");
    out.routes6.push_back({*n6, *h, interface, pathcost});
  } else {
    bad_value("route", network, "an IPv4 or IPv6 network");
  }
}

router::config parse_config(const api::json::object& c) {
  router::config out;
  if (const auto* ports = array_member(c, "ports"))
    for (const auto& e : *ports) {
      const auto& o = e.get_object();
      router::port_config p;
      p.name = api::string_member(o, "name");
      p.peer = api::string_member(o, "peer");
      std::string path = "ports/" + p.name + "/";
      if (o.contains("ip")) p.ip = value_at<ipv4::prefix>(o, "ip", path + "ip", ipv4::parse_prefix, "an IPv4 address with a prefix length");
      if (o.contains("ipv6"))
        p.ipv6 = value_at<ipv6::prefix>(o, "ipv6", path + "ipv6", ipv6::parse_prefix, "an IPv6 address with a prefix length");
      if (o.contains("mac")) p.mac = mac_at(o, "mac", path + "mac");
      if (const auto* secondary = array_member(o, "secondaryip"))
        for (const auto& s : *secondary)
          p.secondary.push_back(value_at<ipv4::prefix>(s.get_object(), "ip", path + "secondaryip", ipv4::parse_prefix,
                                                       "an IPv4 address with a prefix length"));
      out.ports.push_back(std::move(p));
    }
  if (const auto* routes = array_member(c, "route"))
    for (const auto& e : *routes) add_route(out, e.get_object());
  if (const auto* arp = array_member(c, "arp-table"))
    for (const auto& e : *arp) {
      const auto& o = e.get_object();
      out.arp_table.push_back({value_at<ipv4::address>(o, "address", "arp-table", ipv4::parse_address, "an IPv4 address"),
                               mac_at(o, "mac", "arp-table"), api::string_member(o, "interface")});
    }
  if (const auto* ndp = array_member(c, "ndp-table"))
    for (const auto& e : *ndp) {
      const auto& o = e.get_object();
      out.ndp_table.push_back({value_at<ipv6::address>(o, "address", "ndp-table", ipv6::parse_address, "an IPv6 address"),
                               mac_at(o, "mac", "ndp-table"), api::string_member(o, "interface")});
    }
  out.arp_aging_time = std::chrono::seconds(number_member(c, "arp-aging-time", 300));
  return out;
}

std::string address_text(ipv4::address a) { return ipv4::to_string(a); }
std::string address_text(ipv6::address a) { return ipv6::to_string(a); }

class router_control final : public api::managed_cube {
 public:
  explicit router_control(const api::cube_setup& s) : _cube(s.datapath, s.name, s.type, s.level) {}

  dataplane::cube_base& fastpath() override { return _cube; }

  task<void> apply(const api::json::object&, const api::json::object& after) override {
    // configure() checks everything before it changes anything.
    _cube.configure(parse_config(after));
    co_return;
  }

  void read_state(api::json::object& view) const override {
    record_choices(view);
    show_routes(view);
    show_learned_neighbours(view);
  }

  // A port's MAC, unless configured, is chosen when the port is configured (its netdev's,
  // or derived from the names) and kept: hosts cache it.
  void record_choices(api::json::object& config) const override {
    if (auto* ports = config.if_contains("ports"); ports && ports->is_array())
      for (auto& e : ports->get_array()) {
        auto& o = e.get_object();
        if (o.contains("mac")) continue;
        if (auto mac = _cube.mac_of(api::string_member(o, "name"))) o["mac"] = ipv4::to_string(*mac);
      }
  }

 private:
  // Static routes with the interface the router chose and their cost; connected networks
  // as routes with next hop 0.0.0.0 (::) and cost 0.
  void show_routes(api::json::object& view) const {
    api::json::array shown;
    if (const auto* configured = array_member(view, "route")) shown = *configured;
    show_routes_of(_cube.routes(), shown, ipv4::parse_prefix, ipv4::parse_address);
    show_routes_of(_cube.routes6(), shown, ipv6::parse_prefix, ipv6::parse_address);
    if (!shown.empty()) view["route"] = std::move(shown);
  }

  template <typename Table, typename ParsePrefix, typename ParseAddress>
  void show_routes_of(const Table& table, api::json::array& shown, ParsePrefix parse_prefix, ParseAddress parse_address) const {
    for (const auto& r : table.all()) {
      if (r.from == route_origin::local) continue;
      api::json::object* same = nullptr;
      for (auto& e : shown) {
        auto& o = e.get_object();
        auto network = parse_prefix(api::string_member(o, "network"));
        auto nexthop = parse_address(api::string_member(o, "nexthop"));
        if (network && nexthop && *network == r.network && *nexthop == r.nexthop) same = &o;
      }
      if (same) {
        if (!same->contains("interface")) (*same)["interface"] = _cube.port_name(r.port);
        if (!same->contains("pathcost")) (*same)["pathcost"] = r.pathcost;
      } else if (r.from == route_origin::connected) {
        shown.push_back(api::json::object{{"network", to_string(r.network)},
                                          {"nexthop", address_text(r.nexthop)},
                                          {"interface", _cube.port_name(r.port)},
                                          {"pathcost", 0}});
      }
    }
  }

  void show_learned_neighbours(api::json::object& view) const {
    show_learned(view, "arp-table", _cube.arp_entries());
    show_learned(view, "ndp-table", _cube.ndp_entries());
  }

  template <typename Entry>
  static void show_learned(api::json::object& view, std::string_view list, const std::vector<Entry>& entries) {
    api::json::array shown;
    if (const auto* configured = array_member(view, list)) shown = *configured;
    for (const auto& n : entries)
      if (!n.is_static)
        shown.push_back(api::json::object{{"address", address_text(n.address)}, {"mac", ipv4::to_string(n.mac)}, {"interface", n.interface}});
    if (!shown.empty()) view[list] = std::move(shown);
  }

  router _cube;
};

}  // namespace

api::service_definition router_service() {
  return {.name = "router",
          .modules = schema::embedded::pcn_cube_router(),
          .create = [](const api::cube_setup& s) { return std::make_unique<router_control>(s); }};
}

}  // namespace pcn::cubes
