#include "dataplane/rtnetlink_query.hpp"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <string_view>
#include <system_error>

#include "base/unique_fd.hpp"

namespace pcn::dataplane {
namespace {

using clock = std::chrono::steady_clock;

std::system_error netlink_error(int err, const std::string& what) {
  return std::system_error(err, std::system_category(), "rtnetlink: " + what);
}

// One request at a time on a socket of our own; answers of other requests are ignored.
class rtnetlink_socket {
 public:
  rtnetlink_socket() : _fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) {
    if (!_fd) throw netlink_error(errno, "open a socket");
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    socklen_t len = sizeof addr;
    if (::bind(_fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(_fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw netlink_error(errno, "bind a socket");
    _port = addr.nl_pid;
  }

  // Sends the request and hands every message of its answer to on_message, until the end of
  // a dump, the single answer of a request, or an error (thrown, as is a late answer).
  void exchange(nlmsghdr& request, const std::string& what, const std::function<void(const nlmsghdr&)>& on_message) {
    request.nlmsg_seq = ++_seq;
    request.nlmsg_pid = 0;
    if (::send(_fd.get(), &request, request.nlmsg_len, 0) < 0) throw netlink_error(errno, what);
    auto deadline = clock::now() + rtnetlink_timeout;
    for (;;) {
      int n = receive(deadline, what);
      int remaining = n;
      for (auto* h = reinterpret_cast<const nlmsghdr*>(_buffer.data()); NLMSG_OK(h, static_cast<unsigned>(remaining));
           h = NLMSG_NEXT(h, remaining)) {
        if (h->nlmsg_seq != request.nlmsg_seq || h->nlmsg_pid != _port) continue;
        if (h->nlmsg_type == NLMSG_DONE) return;
        if (h->nlmsg_type == NLMSG_ERROR) {
          int err = static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
          if (err == 0) return;  // an acknowledgement
          throw netlink_error(-err, what);
        }
        on_message(*h);
        if (!(h->nlmsg_flags & NLM_F_MULTI)) return;
      }
    }
  }

 private:
  int receive(clock::time_point deadline, const std::string& what) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - clock::now());
      if (left.count() <= 0)
        throw netlink_error(ETIMEDOUT, what + ": no answer from the kernel within " +
                                           std::to_string(std::chrono::seconds(rtnetlink_timeout).count()) + " s");
      timeval tv{static_cast<time_t>(left.count() / 1000000), static_cast<suseconds_t>(left.count() % 1000000)};
      ::setsockopt(_fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ssize_t n = ::recv(_fd.get(), _buffer.data(), _buffer.size(), MSG_TRUNC);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (n < 0) throw netlink_error(errno, what);
      if (static_cast<size_t>(n) > _buffer.size()) throw netlink_error(EMSGSIZE, what + ": an answer larger than our buffer");
      return static_cast<int>(n);
    }
  }

  unique_fd _fd;
  uint32_t _port = 0;
  uint32_t _seq = 0;
  std::vector<std::byte> _buffer = std::vector<std::byte>(1 << 20);
};

// A request: the netlink header and the family header, no attributes.
template <typename FamilyHeader>
struct request {
  nlmsghdr header;
  FamilyHeader body;
};

template <typename FamilyHeader>
request<FamilyHeader> make_request(uint16_t type, uint16_t flags, const FamilyHeader& body) {
  request<FamilyHeader> r{};
  r.header.nlmsg_len = NLMSG_LENGTH(sizeof(FamilyHeader));
  r.header.nlmsg_type = type;
  r.header.nlmsg_flags = NLM_F_REQUEST | flags;
  r.body = body;
  return r;
}

// Calls on_attribute(type, attribute) for each attribute in [first, first + length).
template <typename F>
void for_each_attribute(const rtattr* first, int length, F on_attribute) {
  for (auto* a = first; RTA_OK(a, length); a = RTA_NEXT(a, length)) on_attribute(a->rta_type & NLA_TYPE_MASK, *a);
}

template <typename FamilyHeader>
const rtattr* first_attribute(const nlmsghdr& h) {
  return reinterpret_cast<const rtattr*>(reinterpret_cast<const char*>(NLMSG_DATA(&h)) + NLMSG_ALIGN(sizeof(FamilyHeader)));
}

template <typename FamilyHeader>
int attributes_length(const nlmsghdr& h) {
  return static_cast<int>(h.nlmsg_len) - static_cast<int>(NLMSG_LENGTH(sizeof(FamilyHeader)));
}

uint32_t u32_of(const rtattr& a) {
  uint32_t v = 0;
  if (RTA_PAYLOAD(&a) >= sizeof v) std::memcpy(&v, RTA_DATA(&a), sizeof v);
  return v;
}

std::string_view string_of(const rtattr& a) {
  return {static_cast<const char*>(RTA_DATA(&a)), ::strnlen(static_cast<const char*>(RTA_DATA(&a)), RTA_PAYLOAD(&a))};
}

// A link message's name and XDP program ids.
netdev_programs decode_link(const nlmsghdr& h) {
  netdev_programs p;
  if (h.nlmsg_type != RTM_NEWLINK || h.nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) return p;
  p.ifindex = static_cast<const ifinfomsg*>(NLMSG_DATA(&h))->ifi_index;
  for_each_attribute(first_attribute<ifinfomsg>(h), attributes_length<ifinfomsg>(h), [&](int type, const rtattr& a) {
    if (type == IFLA_IFNAME) p.name = string_of(a);
    if (type != IFLA_XDP) return;
    for_each_attribute(static_cast<const rtattr*>(RTA_DATA(&a)), static_cast<int>(RTA_PAYLOAD(&a)), [&](int xdp, const rtattr& x) {
      if (xdp == IFLA_XDP_SKB_PROG_ID) p.xdp_skb = u32_of(x);
      if (xdp == IFLA_XDP_DRV_PROG_ID) p.xdp_native = u32_of(x);
    });
  });
  return p;
}

// The program id of the framework's filter on one clsact hook of the netdev (0: none).
uint32_t framework_filter_program(rtnetlink_socket& nl, int ifindex, bool ingress, tc_filter_id id) {
  tcmsg query{};
  query.tcm_family = AF_UNSPEC;
  query.tcm_ifindex = ifindex;
  query.tcm_parent = TC_H_MAKE(TC_H_CLSACT, ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
  auto r = make_request(RTM_GETTFILTER, NLM_F_DUMP, query);
  uint32_t program = 0;
  std::string what = "list the TC " + std::string(ingress ? "ingress" : "egress") + " filters of ifindex " + std::to_string(ifindex);
  try {
    nl.exchange(r.header, what, [&](const nlmsghdr& h) {
      if (h.nlmsg_type != RTM_NEWTFILTER || h.nlmsg_len < NLMSG_LENGTH(sizeof(tcmsg))) return;
      auto* t = static_cast<const tcmsg*>(NLMSG_DATA(&h));
      if (t->tcm_handle != id.handle || TC_H_MAJ(t->tcm_info) >> 16 != id.priority) return;
      for_each_attribute(first_attribute<tcmsg>(h), attributes_length<tcmsg>(h), [&](int type, const rtattr& a) {
        if (type != TCA_OPTIONS) return;
        for_each_attribute(static_cast<const rtattr*>(RTA_DATA(&a)), static_cast<int>(RTA_PAYLOAD(&a)), [&](int o, const rtattr& x) {
          if (o == TCA_BPF_ID) program = u32_of(x);
        });
      });
    });
  } catch (const std::system_error& e) {
    // No clsact qdisc (any more), or the netdev is gone: nothing of ours there.
    if (e.code().value() != EINVAL && e.code().value() != ENOENT && e.code().value() != ENODEV) throw;
  }
  return program;
}

void add_tc_programs(rtnetlink_socket& nl, netdev_programs& p, tc_filter_id id) {
  p.tc_ingress = framework_filter_program(nl, p.ifindex, true, id);
  p.tc_egress = framework_filter_program(nl, p.ifindex, false, id);
}

}  // namespace

std::vector<netdev_programs> scan_netdev_programs(tc_filter_id framework_filter) {
  rtnetlink_socket nl;
  std::map<int, netdev_programs> found;
  auto links = make_request(RTM_GETLINK, NLM_F_DUMP, ifinfomsg{});
  nl.exchange(links.header, "list the netdevs", [&](const nlmsghdr& h) {
    netdev_programs p = decode_link(h);
    if (p.ifindex > 0) found[p.ifindex] = std::move(p);
  });
  std::vector<int> with_clsact;
  auto qdiscs = make_request(RTM_GETQDISC, NLM_F_DUMP, tcmsg{});
  nl.exchange(qdiscs.header, "list the qdiscs", [&](const nlmsghdr& h) {
    if (h.nlmsg_type != RTM_NEWQDISC || h.nlmsg_len < NLMSG_LENGTH(sizeof(tcmsg))) return;
    int ifindex = static_cast<const tcmsg*>(NLMSG_DATA(&h))->tcm_ifindex;
    for_each_attribute(first_attribute<tcmsg>(h), attributes_length<tcmsg>(h), [&](int type, const rtattr& a) {
      if (type == TCA_KIND && string_of(a) == "clsact") with_clsact.push_back(ifindex);
    });
  });
  for (int ifindex : with_clsact)
    if (auto it = found.find(ifindex); it != found.end()) add_tc_programs(nl, it->second, framework_filter);
  std::vector<netdev_programs> out;
  out.reserve(found.size());
  for (auto& [ifindex, p] : found) out.push_back(std::move(p));
  return out;
}

netdev_programs netdev_programs_of(int ifindex, std::optional<tc_filter_id> framework_filter) {
  rtnetlink_socket nl;
  ifinfomsg which{};
  which.ifi_index = ifindex;
  auto link = make_request(RTM_GETLINK, 0, which);
  netdev_programs p;
  try {
    nl.exchange(link.header, "read netdev " + std::to_string(ifindex), [&](const nlmsghdr& h) { p = decode_link(h); });
  } catch (const std::system_error& e) {
    if (e.code().value() == ENODEV) {
      p.ifindex = ifindex;
      return p;
    }
    throw;
  }
  p.ifindex = ifindex;
  if (framework_filter) add_tc_programs(nl, p, *framework_filter);
  return p;
}

}  // namespace pcn::dataplane
