#pragma once
// Follows netdevs appearing and disappearing through an rtnetlink socket read by the
// reactor, and tells the datapath when one it uses is gone.
#include <functional>
#include <string>

#include "base/unique_fd.hpp"
#include "reactor/cancel.hpp"
#include "reactor/task.hpp"

namespace pcn::dataplane {

struct link_event {
  enum class kind { added_or_changed, removed } what;
  int ifindex = 0;
  std::string name;
};

class netdev_monitor {
 public:
  // Subscribes to link notifications (RTMGRP_LINK) of the current network namespace.
  netdev_monitor();

  // Calls on_event for every notification until `cancel` is requested.
  task<void> run(std::function<void(const link_event&)> on_event, cancel_source& cancel);

  // Decodes the link notifications in one netlink datagram (exposed for tests).
  static std::vector<link_event> decode(const std::byte* data, size_t size);

 private:
  unique_fd _socket;
};

}  // namespace pcn::dataplane
