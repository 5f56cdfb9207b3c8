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

ipv4::prefix prefix_at(const api::json::object& o, std::string_view name, const std::string& path) {
  std::string text = api::string_member(o, name);
  auto p = ipv4::parse_prefix(text);
  if (!p) bad_value(path, text, "an IPv4 address with a prefix length");
  return *p;
}

ipv4::address address_at(const api::json::object& o, std::string_view name, const std::string& path) {
  std::string text = api::string_member(o, name);
  auto a = ipv4::parse_address(text);
  if (!a) bad_value(path, text, "an IPv4 address");
  return *a;
}

ipv4::mac_address mac_at(const api::json::object& o, std::string_view name, const std::string& path) {
  std::string text = api::string_member(o, name);
  auto m = ipv4::parse_mac(text);
  if (!m) bad_value(path, text, "a MAC address");
  return *m;
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
      if (o.contains("ip")) p.ip = prefix_at(o, "ip", path + "ip");
      if (o.contains("mac")) p.mac = mac_at(o, "mac", path + "mac");
      if (const auto* secondary = array_member(o, "secondaryip"))
        for (const auto& s : *secondary) p.secondary.push_back(prefix_at(s.get_object(), "ip", path + "secondaryip"));
      out.ports.push_back(std::move(p));
    }
  if (const auto* routes = array_member(c, "route"))
    for (const auto& e : *routes) {
      const auto& o = e.get_object();
      router::route_config r;
      r.network = prefix_at(o, "network", "route");
      r.nexthop = address_at(o, "nexthop", "route");
      r.interface = api::string_member(o, "interface");
      r.pathcost = static_cast<uint32_t>(number_member(o, "pathcost", 1));
      out.routes.push_back(std::move(r));
    }
  if (const auto* arp = array_member(c, "arp-table"))
    for (const auto& e : *arp) {
      const auto& o = e.get_object();
      out.arp_table.push_back({address_at(o, "address", "arp-table"), mac_at(o, "mac", "arp-table"), api::string_member(o, "interface")});
    }
  out.arp_aging_time = std::chrono::seconds(number_member(c, "arp-aging-time", 300));
  return out;
}

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
    if (auto* ports = view.if_contains("ports"); ports && ports->is_array())
      for (auto& e : ports->get_array()) {
        auto& o = e.get_object();
        if (o.contains("mac")) continue;
        if (auto mac = _cube.mac_of(api::string_member(o, "name"))) o["mac"] = ipv4::to_string(*mac);
      }
    show_routes(view);
    show_learned_neighbours(view);
  }

 private:
  // Static routes with the interface the router chose and their cost; connected networks
  // as routes with next hop 0.0.0.0 and cost 0.
  void show_routes(api::json::object& view) const {
    api::json::array shown;
    if (const auto* configured = array_member(view, "route")) shown = *configured;
    for (const route& r : _cube.routes().all()) {
      if (r.from == route::origin::local) continue;
      api::json::object* same = nullptr;
      for (auto& e : shown) {
        auto& o = e.get_object();
        auto network = ipv4::parse_prefix(api::string_member(o, "network"));
        auto nexthop = ipv4::parse_address(api::string_member(o, "nexthop"));
        if (network && nexthop && *network == r.network && *nexthop == r.nexthop) same = &o;
      }
      if (same) {
        if (!same->contains("interface")) (*same)["interface"] = _cube.port_name(r.port);
        if (!same->contains("pathcost")) (*same)["pathcost"] = r.pathcost;
      } else if (r.from == route::origin::connected) {
        shown.push_back(api::json::object{{"network", ipv4::to_string(r.network)},
                                          {"nexthop", "0.0.0.0"},
                                          {"interface", _cube.port_name(r.port)},
                                          {"pathcost", 0}});
      }
    }
    if (!shown.empty()) view["route"] = std::move(shown);
  }

  void show_learned_neighbours(api::json::object& view) const {
    api::json::array shown;
    if (const auto* configured = array_member(view, "arp-table")) shown = *configured;
    for (const auto& n : _cube.arp_entries())
      if (!n.is_static)
        shown.push_back(api::json::object{
            {"address", ipv4::to_string(n.address)}, {"mac", ipv4::to_string(n.mac)}, {"interface", n.interface}});
    if (!shown.empty()) view["arp-table"] = std::move(shown);
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
