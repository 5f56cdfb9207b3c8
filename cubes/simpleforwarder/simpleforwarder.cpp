#include "cubes/simpleforwarder/simpleforwarder.hpp"

#include "cubes/simpleforwarder/simpleforwarder_abi.h"
#include "simpleforwarder_tc.skel.h"
#include "simpleforwarder_xdp.skel.h"

namespace pcn::cubes {

using dataplane::topology_error;

simpleforwarder::simpleforwarder(dataplane::datapath& dp, std::string name, dataplane::cube_type type, log::level level)
    : cube(dp, {.name = std::move(name),
                .service = "simpleforwarder",
                .type = type,
                .code = dataplane::fastpath_code::embedded<simpleforwarder_xdp, simpleforwarder_tc>(),
                .log_level = level,
                .constants = {}}) {}

std::string_view simpleforwarder::to_string(action a) {
  switch (a) {
    case action::drop: return "DROP";
    case action::slowpath: return "SLOWPATH";
    case action::forward: return "FORWARD";
  }
  return "?";
}

std::optional<simpleforwarder::action> simpleforwarder::parse_action(std::string_view s) {
  if (s == "DROP") return action::drop;
  if (s == "SLOWPATH") return action::slowpath;
  if (s == "FORWARD") return action::forward;
  return std::nullopt;
}

void simpleforwarder::set_entry(const entry& e) {
  std::string what = "simpleforwarder " + name() + ": actions " + e.inport;
  if (!find_port(e.inport)) throw topology_error(topology_error::kind::not_found, what + ": port " + e.inport + " does not exist");
  if (e.what == action::forward && e.outport.empty())
    throw topology_error(topology_error::kind::invalid, what + ": FORWARD needs an outport");
  if (e.what == action::forward && !find_port(e.outport))
    throw topology_error(topology_error::kind::not_found, what + ": outport " + e.outport + " does not exist");
  if (e.what == action::slowpath)
    throw topology_error(topology_error::kind::invalid, what + ": action SLOWPATH needs the slow path, which this build does not have yet");
  write(e);
  _entries[e.inport] = e;
}

void simpleforwarder::remove_entry(const std::string& inport) {
  auto it = _entries.find(inport);
  if (it == _entries.end())
    throw topology_error(topology_error::kind::not_found, "simpleforwarder " + name() + ": no action for port " + inport);
  if (auto* p = find_port(inport)) get_table<uint32_t, simpleforwarder_entry>("actions").set(p->index(), {});
  _entries.erase(it);
}

std::vector<simpleforwarder::entry> simpleforwarder::entries() const {
  std::vector<entry> out;
  for (const auto& [port, e] : _entries) out.push_back(e);
  return out;
}

// The kernel entry of an action: what it says while both its ports exist, DROP otherwise.
void simpleforwarder::write(const entry& e, const dataplane::port* leaving) {
  auto* in = find_port(e.inport);
  if (!in || in == leaving) return;
  simpleforwarder_entry value{};
  auto* out = e.what == action::forward ? find_port(e.outport) : nullptr;
  if (out && out != leaving) {
    value.action = SIMPLEFORWARDER_FORWARD;
    value.out_port = out->index();
  }
  get_table<uint32_t, simpleforwarder_entry>("actions").set(in->index(), value);
}

void simpleforwarder::on_port_added(dataplane::port& p) {
  // A port at a reused index starts with no action; entries naming it come back to life.
  get_table<uint32_t, simpleforwarder_entry>("actions").set(p.index(), {});
  for (const auto& [inport, e] : _entries)
    if (e.inport == p.name() || e.outport == p.name()) write(e);
}

void simpleforwarder::on_port_removed(dataplane::port& p) {
  for (const auto& [inport, e] : _entries)
    if (e.outport == p.name()) write(e, &p);
  get_table<uint32_t, simpleforwarder_entry>("actions").set(p.index(), {});
}

}  // namespace pcn::cubes
