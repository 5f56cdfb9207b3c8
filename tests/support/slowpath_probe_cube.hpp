#pragma once
// The slow-path probe as a standard cube for tests; see slowpath_probe.bpf.c. Its handler
// records what it received (and the notifications) and, as told, sends the packet out of the other port (egress),
// into the cube through the other port (ingress), or holds it a while and drops it.
#include <chrono>
#include <vector>

#include "dataplane/cube.hpp"
#include "slowpath/packet.hpp"
#include "tests/support/slowpath_probe_abi.h"

namespace pcn::testing {

class slowpath_probe_cube final : public dataplane::cube {
 public:
  enum class mode { egress_other, ingress_other, hold };

  slowpath_probe_cube(dataplane::datapath& dp, std::string name, dataplane::cube_type type, log::level level = log::level::warn);

  void set_mode(mode m, std::chrono::milliseconds hold = {}) {
    _mode = m;
    _hold = hold;
  }

  struct received {
    pcn_metadata metadata;
    uint32_t size;
  };
  const std::vector<received>& seen() const { return _seen; }
  const std::vector<dataplane::notification>& notifications() const { return _notifications; }

  task<void> packet_in(slowpath::packet pkt) override;
  void on_notify(const dataplane::notification& n) override {
    if (_notifications.size() < 10'000) _notifications.push_back(n);
  }

 private:
  mode _mode = mode::egress_other;
  std::chrono::milliseconds _hold{};
  std::vector<received> _seen;
  std::vector<dataplane::notification> _notifications;
};

}  // namespace pcn::testing
