#include "cubes/helloworld/helloworld.hpp"

#include "cubes/helloworld/helloworld_abi.h"
#include "slowpath/packet.hpp"
#include "helloworld_tc.skel.h"
#include "helloworld_xdp.skel.h"

namespace pcn::cubes {

using dataplane::topology_error;

helloworld::helloworld(dataplane::datapath& dp, std::string name, dataplane::cube_type type, log::level level)
    : cube(dp, {.name = std::move(name),
                .service = "helloworld",
                .type = type,
                .code = dataplane::fastpath_code::embedded<helloworld_xdp, helloworld_tc>(),
                .log_level = level,
                .constants = {}}) {
  write_config();
}

std::string_view helloworld::to_string(action a) {
  switch (a) {
    case action::drop: return "DROP";
    case action::slowpath: return "SLOWPATH";
    case action::forward: return "FORWARD";
  }
  return "?";
}

std::optional<helloworld::action> helloworld::parse_action(std::string_view s) {
  if (s == "DROP") return action::drop;
  if (s == "SLOWPATH") return action::slowpath;
  if (s == "FORWARD") return action::forward;
  return std::nullopt;
}

void helloworld::set_action(action a) {
  _action = a;
  write_config();
}

task<void> helloworld::packet_in(slowpath::packet pkt) {
  // SLOWPATH: out of the other port, as FORWARD does in the fast path.
  uint16_t other = pkt.in_port() == _ports[0] ? _ports[1] : _ports[0];
  if (dataplane::port* out = other == HELLOWORLD_NO_PORT ? nullptr : find_port(other))
    co_await out->send(std::move(pkt), dataplane::direction::egress);
}

void helloworld::on_port_added(dataplane::port& p) {
  if (ports().size() > 2)
    throw topology_error(topology_error::kind::conflict, "helloworld " + name() + " has two ports already: cannot add " + p.name());
  write_config();
}

void helloworld::on_port_removed(dataplane::port& p) { write_config(&p); }

void helloworld::write_config(const dataplane::port* leaving) {
  helloworld_config cfg{};
  cfg.action = static_cast<uint32_t>(_action == action::forward ? HELLOWORLD_FORWARD
                                     : _action == action::slowpath ? HELLOWORLD_SLOWPATH
                                                                   : HELLOWORLD_DROP);
  cfg.ports[0] = cfg.ports[1] = HELLOWORLD_NO_PORT;
  size_t n = 0;
  for (auto* p : ports())
    if (p != leaving && n < 2) cfg.ports[n++] = p->index();
  get_table<uint32_t, helloworld_config>("config").set(0, cfg);
  _ports = {cfg.ports[0], cfg.ports[1]};
}

}  // namespace pcn::cubes
