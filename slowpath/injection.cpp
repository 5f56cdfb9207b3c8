#include "slowpath/injection.hpp"

#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <system_error>
#include <vector>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "dataplane/datapath.hpp"
#include "dataplane/netdev_hooks.hpp"
#include "inject_tc.skel.h"
#include "inject_xdp.skel.h"

namespace pcn::slowpath {
namespace {

// Room for 1514-byte frames and the injection header.
constexpr uint32_t injection_mtu = 2048;

// One rtnetlink request, built attribute by attribute, sent and acknowledged.
class rtnl_request {
 public:
  rtnl_request(uint16_t type, uint16_t flags) {
    auto* h = header();
    h->nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
    h->nlmsg_type = type;
    h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    info()->ifi_family = AF_UNSPEC;
  }
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(_buffer.data()); }
  ifinfomsg* info() { return static_cast<ifinfomsg*>(NLMSG_DATA(header())); }

  void put(uint16_t type, const void* data, size_t length) {
    auto* h = header();
    size_t at = NLMSG_ALIGN(h->nlmsg_len);
    size_t size = RTA_LENGTH(length);
    auto* a = reinterpret_cast<rtattr*>(_buffer.data() + at);
    a->rta_type = type;
    a->rta_len = static_cast<uint16_t>(size);
    if (length) std::memcpy(RTA_DATA(a), data, length);
    h->nlmsg_len = static_cast<uint32_t>(at + RTA_ALIGN(size));
  }
  void put_string(uint16_t type, const std::string& s) { put(type, s.c_str(), s.size() + 1); }
  void put_u32(uint16_t type, uint32_t v) { put(type, &v, sizeof v); }
  // Opens a nested attribute; close it with end(offset).
  size_t begin(uint16_t type) {
    size_t at = NLMSG_ALIGN(header()->nlmsg_len);
    put(type, nullptr, 0);
    return at;
  }
  void end(size_t at) {
    auto* a = reinterpret_cast<rtattr*>(_buffer.data() + at);
    a->rta_len = static_cast<uint16_t>(header()->nlmsg_len - at);
  }
  // Raw bytes inside the message (a nested ifinfomsg).
  void put_raw(const void* data, size_t length) {
    auto* h = header();
    size_t at = NLMSG_ALIGN(h->nlmsg_len);
    std::memcpy(_buffer.data() + at, data, length);
    h->nlmsg_len = static_cast<uint32_t>(at + NLMSG_ALIGN(length));
  }

  // Sends it; returns 0 or the errno the kernel answered.
  int send() {
    unique_fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd) return errno;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd.get(), _buffer.data(), header()->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) return errno;
    std::vector<std::byte> reply(8192);
    ssize_t n = ::recv(fd.get(), reply.data(), reply.size(), 0);
    if (n < 0) return errno;
    auto* h = reinterpret_cast<nlmsghdr*>(reply.data());
    if (!NLMSG_OK(h, static_cast<unsigned>(n)) || h->nlmsg_type != NLMSG_ERROR) return EPROTO;
    return -static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
  }

 private:
  alignas(nlmsghdr) std::array<std::byte, 1024> _buffer{};
};

void delete_link(const std::string& name) {
  rtnl_request r(RTM_DELLINK, 0);
  r.put_string(IFLA_IFNAME, name);
  if (int err = r.send(); err && err != ENODEV)
    log::warn("slow path: removing the leftover netdev {}: {}", name, std::system_category().message(err));
}

void create_veth_pair(const std::string& a, const std::string& b) {
  rtnl_request r(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  r.put_string(IFLA_IFNAME, a);
  r.put_u32(IFLA_MTU, injection_mtu);
  size_t linkinfo = r.begin(IFLA_LINKINFO);
  r.put_string(IFLA_INFO_KIND, "veth");
  size_t data = r.begin(IFLA_INFO_DATA);
  size_t peer = r.begin(VETH_INFO_PEER);
  ifinfomsg peer_info{};
  peer_info.ifi_family = AF_UNSPEC;
  r.put_raw(&peer_info, sizeof peer_info);
  r.put_string(IFLA_IFNAME, b);
  r.put_u32(IFLA_MTU, injection_mtu);
  r.end(peer);
  r.end(data);
  r.end(linkinfo);
  if (int err = r.send(); err != 0)
    throw std::system_error(err, std::system_category(), "create the slow path's injection veth pair " + a + "/" + b);
}

void set_up(const std::string& name, int ifindex) {
  rtnl_request r(RTM_NEWLINK, 0);
  r.info()->ifi_index = ifindex;
  r.info()->ifi_flags = IFF_UP;
  r.info()->ifi_change = IFF_UP;
  if (int err = r.send(); err != 0) throw std::system_error(err, std::system_category(), "set " + name + " up");
}

dataplane::bpf_object_file load(dataplane::datapath& dp, const char* name, dataplane::elf_image image) {
  dataplane::bpf_object_file object(name, image);
  for (const auto& map : object.map_names()) object.reuse_map(map, dp.framework_map_fd(map));
  object.load();
  return object;
}

}  // namespace

injection_device::injection_device(dataplane::datapath& dp, const std::string& name) : _tx(name + "t"), _rx(name + "r") {
  if (_rx.size() >= IFNAMSIZ) throw std::invalid_argument("injection device name " + name + " is too long (at most 14 characters)");
  _xdp = load(dp, "pcn_inject_xdp", dataplane::embedded_object<inject_xdp>());
  _tc = load(dp, "pcn_inject_tc", dataplane::embedded_object<inject_tc>());
  delete_link(_tx);
  delete_link(_rx);
  create_veth_pair(_tx, _rx);
  try {
    _tx_ifindex = static_cast<int>(if_nametoindex(_tx.c_str()));
    _rx_ifindex = static_cast<int>(if_nametoindex(_rx.c_str()));
    if (!_tx_ifindex || !_rx_ifindex) throw std::system_error(errno, std::system_category(), "find the injection veth pair " + _tx + "/" + _rx);
    if (int rc = bpf_xdp_attach(_rx_ifindex, _xdp.program_fd("pcn_inject"), XDP_FLAGS_DRV_MODE, nullptr); rc != 0)
      throw std::system_error(-rc, std::system_category(), "attach the injection program to " + _rx + " (native XDP)");
    dataplane::attach_tc(_rx_ifindex, _rx, dataplane::tc_direction::ingress, _tc.program_fd("pcn_inject"));
    set_up(_rx, _rx_ifindex);
    set_up(_tx, _tx_ifindex);
  } catch (...) {
    delete_link(_tx);
    throw;
  }
}

injection_device::~injection_device() { delete_link(_tx); }

int injection_device::xdp_program_fd() const { return _xdp.program_fd("pcn_inject"); }

}  // namespace pcn::slowpath
