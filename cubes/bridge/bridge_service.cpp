// bridge's control plane: ports' VLAN and spanning tree settings, the bridge's spanning
// tree, the `fdb` container (cubes/l2/fdb_control.hpp); the tree's timers tick here.
#include <chrono>

#include "api/schema/error.hpp"
#include "api/service.hpp"
#include "cubes/bridge/bridge.hpp"
#include "cubes/builtin.hpp"
#include "cubes/l2/fdb_control.hpp"
#include "cubes/l2/ticker.hpp"
#include "pcn_cube_bridge_yang.hpp"

namespace pcn::cubes {
namespace {

namespace json = api::json;
using schema::request_error;

// Fine enough for timers counted in seconds.
constexpr auto stp_tick = std::chrono::milliseconds(250);

const json::object* object_member(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_object() ? &v->get_object() : nullptr;
}
const json::array* array_member(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_array() ? &v->get_array() : nullptr;
}
template <typename T>
T number_member(const json::object& o, std::string_view name, T fallback) {
  const json::value* v = o.if_contains(name);
  return v && v->is_number() ? v->to_number<T>() : fallback;
}
bool bool_member(const json::object& o, std::string_view name, bool fallback) {
  const json::value* v = o.if_contains(name);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

// The one entry of an `stp` list (one spanning tree serves every VLAN), or null.
const json::object* single_stp_entry(const json::object& o, const std::string& path) {
  const json::array* list = array_member(o, "stp");
  if (!list || list->empty()) return nullptr;
  if (list->size() > 1)
    throw request_error(400, path, "one spanning tree (802.1D) serves every VLAN: configure it in one stp entry");
  return list->front().is_object() ? &list->front().get_object() : nullptr;
}

bridge::port_settings port_settings_of(const json::object& entry, const std::string& path) {
  bridge::port_settings s;
  s.mode = api::string_member(entry, "mode", "access") == "trunk" ? bridge::port_mode::trunk : bridge::port_mode::access;
  if (const json::object* access = object_member(entry, "access")) s.access_vlan = number_member<uint16_t>(*access, "vlanid", 1);
  if (const json::object* trunk = object_member(entry, "trunk")) {
    s.native_enabled = bool_member(*trunk, "native-vlan-enabled", true);
    s.native_vlan = number_member<uint16_t>(*trunk, "native-vlan", 1);
    if (const json::array* allowed = array_member(*trunk, "allowed"))
      for (const auto& a : *allowed)
        if (a.is_object()) s.allowed.insert(number_member<uint16_t>(a.get_object(), "vlanid", 0));
    s.allowed.erase(0);
  }
  if (const json::object* stp = single_stp_entry(entry, path + "/stp")) {
    s.stp.path_cost = number_member<uint32_t>(*stp, "path-cost", 4);
    s.stp.priority = number_member<uint8_t>(*stp, "port-priority", 128);
  }
  if (std::string mac = api::string_member(entry, "mac"); !mac.empty()) s.mac = l2::parse_mac(mac);
  return s;
}

class bridge_control final : public api::managed_cube {
 public:
  explicit bridge_control(const api::cube_setup& s)
      : _cube(s.datapath, s.name, s.type, s.level),
        _fdb(_cube, l2::fdb_control::model::bridge),
        _stp_timer(stp_tick, [this] { _cube.stp_tick(); }) {}

  dataplane::cube_base& fastpath() override { return _cube; }

  task<void> apply(const json::object& before, const json::object& after) override {
    try {
      sync(after);
    } catch (...) {
      sync(before);
      throw;
    }
    co_return;
  }

  void read_state(json::object& view) const override {
    _fdb.fill_state(view);
    const stp::spanning_tree* tree = _cube.spanning_tree();
    if (json::value* ports = view.if_contains("ports"); ports && ports->is_array())
      for (auto& e : ports->get_array()) {
        if (!e.is_object()) continue;
        json::object& entry = e.get_object();
        const dataplane::port* p = _cube.find_port(api::string_member(entry, "name"));
        if (!p) continue;
        json::value& list = entry["stp"];
        if (!list.is_array() || list.get_array().empty()) {
          auto s = _cube.settings_of(p->name()).stp;
          list = json::array{json::object{{"vlan", 1}, {"path-cost", s.path_cost}, {"port-priority", s.priority}}};
        }
        json::object& stp_entry = list.get_array().front().as_object();
        stp_entry["state"] = stp::to_string(tree ? tree->state(p->index()) : stp::port_state::forwarding);
      }
    if (!tree) return;
    json::value& list = view["stp"];
    if (!list.is_array() || list.get_array().empty()) {
      const auto& params = tree->parameters();
      list = json::array{json::object{{"vlan", 1},
                                      {"priority", params.priority},
                                      {"forward-delay", params.forward_delay.count()},
                                      {"hello-time", params.hello_time.count()},
                                      {"max-message-age", params.max_age.count()}}};
    }
    json::object& entry = list.get_array().front().as_object();
    entry["root"] = stp::spanning_tree::format_id(tree->root_id());
    entry["root-path-cost"] = tree->root_path_cost();
    const dataplane::port* root_port = tree->root_port() ? _cube.find_port(*tree->root_port()) : nullptr;
    entry["root-port"] = root_port ? root_port->name() : "";
  }

  task<json::value> run_action(const schema::resolved_path& action, const json::value& input) override {
    if (action.target->schema_path() != "fdb/flush") co_return co_await managed_cube::run_action(action, input);
    _fdb.flush();
    co_return nullptr;
  }

 private:
  void sync(const json::object& config) {
    std::set<std::string> named;
    if (const json::array* ports = array_member(config, "ports"))
      for (const auto& e : *ports) {
        if (!e.is_object()) continue;
        std::string name = api::string_member(e.get_object(), "name");
        _cube.set_port_settings(name, port_settings_of(e.get_object(), "ports/" + name));
        named.insert(name);
      }
    for (const dataplane::port* p : _cube.ports())
      if (!named.contains(p->name())) _cube.forget_port_settings(p->name());

    std::optional<l2::mac_address> mac;
    if (std::string text = api::string_member(config, "mac"); !text.empty()) mac = l2::parse_mac(text);
    if (mac != _mac) {
      _cube.set_mac(mac);
      _mac = mac;
    }
    stp::bridge_parameters params;
    if (const json::object* stp = single_stp_entry(config, "stp")) {
      params.priority = number_member<uint16_t>(*stp, "priority", 32768);
      params.forward_delay = stp::seconds(number_member<uint32_t>(*stp, "forward-delay", 10));
      params.hello_time = stp::seconds(number_member<uint32_t>(*stp, "hello-time", 2));
      params.max_age = stp::seconds(number_member<uint32_t>(*stp, "max-message-age", 20));
    } else {
      params.forward_delay = stp::seconds(10);
    }
    bool enabled = bool_member(config, "stp-enabled", false);
    if (enabled != _cube.stp_enabled() || (enabled && !(params == _cube.spanning_tree()->parameters())))
      _cube.set_stp(enabled, params);
    _fdb.apply(config);
  }

  bridge _cube;
  l2::fdb_control _fdb;
  l2::ticker _stp_timer;
  std::optional<l2::mac_address> _mac;
};

}  // namespace

api::service_definition bridge_service() {
  return {.name = "bridge",
          .modules = schema::embedded::pcn_cube_bridge(),
          .create = [](const api::cube_setup& s) { return std::make_unique<bridge_control>(s); }};
}

}  // namespace pcn::cubes
