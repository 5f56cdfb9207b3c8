#include "cubes/transparenthelloworld/transparenthelloworld.hpp"

#include "bpf/pcn_abi.h"
#include "cubes/transparenthelloworld/transparenthelloworld_abi.h"
#include "transparenthelloworld_tc.skel.h"
#include "transparenthelloworld_xdp.skel.h"

namespace pcn::cubes {

using dataplane::topology_error;

transparenthelloworld::transparenthelloworld(dataplane::datapath& dp, std::string name, dataplane::cube_type type,
                                             log::level level)
    : transparent_cube(dp, {.name = std::move(name),
                            .service = "transparenthelloworld",
                            .type = type,
                            .code = dataplane::fastpath_code::embedded<transparenthelloworld_xdp, transparenthelloworld_tc>(),
                            .log_level = level,
                            .constants = {}}) {
  write(PCN_INGRESS, _ingress);
  write(PCN_EGRESS, _egress);
}

std::string_view transparenthelloworld::to_string(action a) {
  switch (a) {
    case action::pass: return "PASS";
    case action::drop: return "DROP";
    case action::slowpath: return "SLOWPATH";
  }
  return "?";
}

std::optional<transparenthelloworld::action> transparenthelloworld::parse_action(std::string_view s) {
  if (s == "PASS") return action::pass;
  if (s == "DROP") return action::drop;
  if (s == "SLOWPATH") return action::slowpath;
  return std::nullopt;
}

void transparenthelloworld::set_ingress_action(action a) {
  write(PCN_INGRESS, a);
  _ingress = a;
}

void transparenthelloworld::set_egress_action(action a) {
  write(PCN_EGRESS, a);
  _egress = a;
}

void transparenthelloworld::write(uint32_t direction, action a) {
  if (a == action::slowpath)
    throw topology_error(topology_error::kind::invalid,
                         "transparenthelloworld " + name() + ": action SLOWPATH needs the slow path, which this build does not have yet");
  uint32_t value = a == action::drop ? TRANSPARENTHELLOWORLD_DROP : TRANSPARENTHELLOWORLD_PASS;
  get_table<uint32_t, uint32_t>("config").set(direction, value);
}

}  // namespace pcn::cubes
