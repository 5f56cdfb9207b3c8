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
                            .constants = {}}) {}

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

task<void> transparenthelloworld::set_ingress_action(action a) { return apply("ingress_action", _ingress, a); }

task<void> transparenthelloworld::set_egress_action(action a) { return apply("egress_action", _egress, a); }

// The actions are constants of the fast path: a change reloads it (atomically); a reload
// the kernel refuses leaves the previous action in force (and drops the staged constant).
task<void> transparenthelloworld::apply(const char* constant, action& current, action wanted) {
  if (wanted == action::slowpath)
    throw topology_error(topology_error::kind::invalid,
                         "transparenthelloworld " + name() + ": action SLOWPATH needs the slow path, which this build does not have yet");
  auto value_of = [](action a) { return static_cast<uint32_t>(a == action::drop ? TRANSPARENTHELLOWORLD_DROP : TRANSPARENTHELLOWORLD_PASS); };
  set_constant(constant, value_of(wanted));
  co_await reload_at_home();
  current = wanted;
}

}  // namespace pcn::cubes
