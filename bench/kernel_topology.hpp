#pragma once
// What the suites that push packets through the kernel share: a network namespace of
// their own, ownership of libbpf skeletons, and the valid 64-byte UDP frame they send.
#include <fcntl.h>
#include <sched.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <string>
#include <memory>
#include <stdexcept>
#include <vector>

#include "base/unique_fd.hpp"
#include "dataplane/types.hpp"
#include "tests/support/netns.hpp"

namespace pcn::bench {

template <typename Skeleton>
struct skeleton_ptr {
  struct deleter {
    void operator()(Skeleton* s) const { Skeleton::destroy(s); }
  };
  using type = std::unique_ptr<Skeleton, deleter>;
};

// The suite's own network namespace: entered on construction (by the calling thread, and
// the threads it starts afterwards), left on destruction, and so destroyed with
// everything in it.
class private_netns {
 public:
  explicit private_netns(const char* suite) : _home(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) {
    if (!_home || ::unshare(CLONE_NEWNET) != 0)
      throw std::runtime_error(std::string(suite) + ": cannot create a network namespace (run as root)");
    testing::run_command("ip link set lo up");
  }
  ~private_netns() { ::setns(_home.get(), CLONE_NEWNET); }

 private:
  unique_fd _home;
};

// A pin root of the suite's own for its datapath, removed on every way out (declare it
// before the datapath, so that the pins go after it).
struct temporary_pin_root {
  std::string path = "/sys/fs/bpf/pcn-bench-" + std::to_string(::getpid());
  ~temporary_pin_root() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// "xdp_drv", "xdp_skb", "tc": how figures name the cube types.
inline std::string type_label(dataplane::cube_type t) {
  switch (t) {
    case dataplane::cube_type::xdp_drv: return "xdp_drv";
    case dataplane::cube_type::xdp_skb: return "xdp_skb";
    case dataplane::cube_type::tc: return "tc";
  }
  return "?";
}

// The types named in a --types option ("xdp_drv,tc"), in the usual order.
inline std::vector<dataplane::cube_type> parse_types(const std::string& text) {
  std::vector<dataplane::cube_type> types;
  for (auto t : {dataplane::cube_type::xdp_drv, dataplane::cube_type::xdp_skb, dataplane::cube_type::tc})
    if (text.find(type_label(t)) != std::string::npos) types.push_back(t);
  return types;
}

// A valid 64-byte Ethernet/IPv4/UDP frame (checksum included: bridges drop bad ones).
inline std::vector<unsigned char> udp_frame() {
  std::vector<unsigned char> f(64, 0);
  const unsigned char dst[] = {0x02, 0, 0, 0, 0, 0x02}, src[] = {0x02, 0, 0, 0, 0, 0x01};
  std::copy(std::begin(dst), std::end(dst), f.begin());
  std::copy(std::begin(src), std::end(src), f.begin() + 6);
  f[12] = 0x08;
  unsigned char* ip = f.data() + 14;
  ip[0] = 0x45;
  ip[3] = 50;  // total length: 64 - 14
  ip[8] = 64;  // ttl
  ip[9] = 17;  // udp
  const unsigned char saddr[] = {10, 99, 0, 1}, daddr[] = {10, 99, 0, 2};
  std::copy(std::begin(saddr), std::end(saddr), ip + 12);
  std::copy(std::begin(daddr), std::end(daddr), ip + 16);
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint16_t check = static_cast<uint16_t>(~sum);
  ip[10] = static_cast<unsigned char>(check >> 8);
  ip[11] = static_cast<unsigned char>(check & 0xff);
  unsigned char* udp = ip + 20;
  udp[0] = 0x30, udp[1] = 0x39, udp[2] = 0x00, udp[3] = 0x35;  // 12345 -> 53
  udp[5] = 30;                                                  // length: 50 - 20
  return f;
}

}  // namespace pcn::bench
