#pragma once
// The probe as a transparent cube for tests; see probe.bpf.c.
#include <optional>

#include "dataplane/cube.hpp"
#include "tests/support/probe_abi.h"

namespace pcn::testing {

class probe_cube final : public dataplane::transparent_cube {
 public:
  probe_cube(dataplane::datapath& dp, std::string name, dataplane::cube_type type, uint32_t id);
  uint32_t id() const { return _id; }
  // What this probe recorded for the direction (PCN_INGRESS / PCN_EGRESS).
  probe_seen seen(uint8_t direction) const;
  void clear();
  // What it tells userspace (enum probe_report); reloads it.
  void set_report(uint32_t report);

 private:
  uint32_t _id;
};

}  // namespace pcn::testing
