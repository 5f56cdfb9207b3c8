#include "cubes/l2/fdb_control.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include "api/schema/error.hpp"
#include "api/service.hpp"

namespace pcn::cubes::l2 {
namespace {

// Aged entries are ignored by the fast path at once; the sweep only reclaims their room.
clock::duration sweep_period(uint32_t aging_time) {
  return std::chrono::seconds(std::clamp<uint32_t>(aging_time / 2, 1, 30));
}

const json::object* member_object(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

}  // namespace

fdb_control::fdb_control(learning_bridge& bridge, model m)
    : _bridge(bridge), _model(m), _sweeper(sweep_period(bridge.aging_time()), [this] { _bridge.sweep(); }) {}

void fdb_control::apply(const json::object& config) {
  const json::object* fdb = member_object(config, "fdb");
  uint32_t aging = learning_bridge::default_aging_time;
  if (const json::value* a = fdb ? fdb->if_contains("aging-time") : nullptr; a && a->is_number())
    aging = a->to_number<uint32_t>();
  if (aging != _bridge.aging_time()) {
    _bridge.set_aging_time(aging);
    _sweeper.set_period(sweep_period(aging));
  }

  std::map<fdb_address, std::string> wanted;
  if (const json::value* entries = fdb ? fdb->if_contains("entry") : nullptr; entries && entries->is_array())
    for (const auto& e : entries->get_array()) {
      if (!e.is_object()) continue;
      const json::object& o = e.get_object();
      fdb_address a;
      auto mac = parse_mac(api::string_member(o, _model == model::bridge ? "mac" : "address"));
      if (!mac) continue;  // validated by the model already
      a.mac = *mac;
      if (_model == model::bridge)
        if (const json::value* v = o.if_contains("vlan"); v && v->is_number()) a.vlan = v->to_number<uint16_t>();
      wanted[a] = api::string_member(o, "port");
    }
  std::vector<fdb_address> gone;
  for (const auto& [a, port] : _bridge.static_entries())
    if (!wanted.contains(a)) gone.push_back(a);
  for (const auto& a : gone) _bridge.remove_static_entry(a);
  for (const auto& [a, port] : wanted) {
    auto it = _bridge.static_entries().find(a);
    if (it != _bridge.static_entries().end() && it->second == port) continue;
    try {
      _bridge.set_static_entry(a, port);
    } catch (const dataplane::topology_error& e) {
      std::string key = _model == model::bridge ? std::to_string(a.vlan) + "/" + to_string(a.mac) : to_string(a.mac);
      throw schema::request_error(400, "fdb/entry/" + key + "/port", e.what());
    }
  }
}

json::object fdb_control::entry_json(const fdb_row& row) const {
  json::object o;
  if (_model == model::bridge) {
    o["vlan"] = row.address.vlan;
    o["mac"] = to_string(row.address.mac);
    o["type"] = row.is_static ? "static" : "dynamic";
  } else {
    o["address"] = to_string(row.address.mac);
  }
  o["port"] = row.port;
  o["age"] = row.age;
  return o;
}

void fdb_control::fill_state(json::object& view) const {
  json::value& fdb = view["fdb"];
  if (!fdb.is_object()) fdb = json::object();
  json::value& entries = fdb.get_object()["entry"];
  if (!entries.is_array()) entries = json::array();
  json::array& list = entries.get_array();
  // Configured entries stay as configured (also while their port is missing); the kernel
  // adds their age and type, and the learned ones.
  std::set<fdb_address> configured;
  for (auto& e : list) {
    if (!e.is_object()) continue;
    json::object& o = e.get_object();
    auto mac = parse_mac(api::string_member(o, _model == model::bridge ? "mac" : "address"));
    if (!mac) continue;
    fdb_address a{*mac, 0};
    if (_model == model::bridge) {
      if (const json::value* v = o.if_contains("vlan"); v && v->is_number()) a.vlan = v->to_number<uint16_t>();
      o["type"] = "static";
    }
    o["age"] = 0;
    configured.insert(a);
  }
  for (const fdb_row& row : _bridge.fdb_entries())
    if (!configured.contains(row.address)) list.push_back(entry_json(row));
}

}  // namespace pcn::cubes::l2
