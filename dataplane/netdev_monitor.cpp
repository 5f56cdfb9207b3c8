#include "dataplane/netdev_monitor.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <system_error>
#include <vector>

#include "base/log.hpp"
#include "reactor/io.hpp"

namespace pcn::dataplane {

netdev_monitor::netdev_monitor() : _socket(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE)) {
  if (!_socket) throw std::system_error(errno, std::system_category(), "open rtnetlink socket");
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = RTMGRP_LINK;
  if (::bind(_socket.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::system_error(errno, std::system_category(), "bind rtnetlink socket to link notifications");
}

std::vector<link_event> netdev_monitor::decode(const std::byte* data, size_t size) {
  std::vector<link_event> events;
  int remaining = static_cast<int>(size);
  for (auto* h = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(h, static_cast<unsigned>(remaining)); h = NLMSG_NEXT(h, remaining)) {
    if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) continue;
    auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
    link_event e{h->nlmsg_type == RTM_DELLINK ? link_event::kind::removed : link_event::kind::added_or_changed, info->ifi_index, {}};
    int attr_len = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof(ifinfomsg)));
    for (auto* a = IFLA_RTA(info); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len))
      if (a->rta_type == IFLA_IFNAME) e.name = static_cast<const char*>(RTA_DATA(a));
    events.push_back(std::move(e));
  }
  return events;
}

task<void> netdev_monitor::run(std::function<void(const link_event&)> on_event, cancel_source& cancel) {
  std::vector<std::byte> buffer(64 * 1024);
  while (!cancel.cancel_requested()) {
    io_result r = co_await io::recv(_socket.get(), buffer, {.cancel = &cancel});
    if (r.error() == ECANCELED) break;
    if (r.error() == ENOBUFS) {
      // The kernel dropped notifications: we may have missed a removal. Say so; the
      // datapath notices missing netdevs on its next change.
      log::warn("netdev monitor: rtnetlink notifications were lost (ENOBUFS)");
      continue;
    }
    r.value();
    for (const auto& e : decode(buffer.data(), r.result)) on_event(e);
  }
}

}  // namespace pcn::dataplane
