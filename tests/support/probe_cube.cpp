#include "tests/support/probe_cube.hpp"

#include "bpf/pcn_abi.h"
#include "probe_tc.skel.h"
#include "probe_xdp.skel.h"

namespace pcn::testing {

probe_cube::probe_cube(dataplane::datapath& dp, std::string name, dataplane::cube_type type, uint32_t id)
    : transparent_cube(dp, {.name = std::move(name),
                            .service = "probe",
                            .type = type,
                            .code = dataplane::fastpath_code::embedded<probe_xdp, probe_tc>(),
                            .log_level = log::level::info,
                            .constants = {dataplane::load_constant::of("probe_id", id)}}),
      _id(id) {
  clear();
}

probe_seen probe_cube::seen(uint8_t direction) const {
  auto t = get_table<uint32_t, probe_seen>("public_probe_seen");
  return t.get(_id + (direction == PCN_EGRESS ? PROBE_SLOTS : 0)).value_or(probe_seen{});
}

void probe_cube::set_report(uint32_t report) {
  set_constant("probe_report", report);
  reload();
}

void probe_cube::clear() {
  auto t = get_table<uint32_t, probe_seen>("public_probe_seen");
  t.set(_id, probe_seen{});
  t.set(_id + PROBE_SLOTS, probe_seen{});
}

}  // namespace pcn::testing
