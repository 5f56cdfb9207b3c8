#include "tests/support/slowpath_probe_cube.hpp"

#include "reactor/reactor.hpp"
#include "slowpath_probe_tc.skel.h"
#include "slowpath_probe_xdp.skel.h"

namespace pcn::testing {

slowpath_probe_cube::slowpath_probe_cube(dataplane::datapath& dp, std::string name, dataplane::cube_type type, log::level level)
    : cube(dp, {.name = std::move(name),
                .service = "slowpath_probe",
                .type = type,
                .code = dataplane::fastpath_code::embedded<slowpath_probe_xdp, slowpath_probe_tc>(),
                .log_level = level,
                .constants = {}}) {}

task<void> slowpath_probe_cube::packet_in(slowpath::packet pkt) {
  if (_seen.size() < 10'000) _seen.push_back({pkt.metadata(), pkt.size()});
  dataplane::port* other = find_port(static_cast<uint16_t>(pkt.in_port() ^ 1));
  switch (_mode) {
    case mode::egress_other:
      if (other) co_await other->send(std::move(pkt), dataplane::direction::egress);
      break;
    case mode::ingress_other:
      if (other) co_await other->send(std::move(pkt), dataplane::direction::ingress);
      break;
    case mode::hold:
      co_await sleep_for(_hold);
      break;
  }
}

}  // namespace pcn::testing
