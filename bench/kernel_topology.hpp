#pragma once
// What the suites that push packets through the kernel share: a network namespace of
// their own, ownership of libbpf skeletons, the valid 64-byte UDP frame they send, and
// the path they send it on:
//
//   generator --live frames--> g0 ==veth== d0 [device under test] ... d1 ==veth== s1 [sink]
//
// The generator (fastpath/generator.bpf.c) is an XDP program run by BPF_PROG_TEST_RUN
// with BPF_F_TEST_XDP_LIVE_FRAMES: it transmits the frame on g0, again and again. The sink
// (fastpath/sink.bpf.c), native XDP on s1, counts per CPU and drops. With `latency`, the
// generator stamps each frame with the time and the sink files its latency in a histogram.
#include <fcntl.h>
#include <sched.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <cstdint>
#include <iterator>
#include <string>
#include <memory>
#include <stdexcept>
#include <vector>

#include "base/unique_fd.hpp"
#include "dataplane/types.hpp"
#include "tests/support/netns.hpp"

// The skeletons of fastpath/generator.bpf.c and fastpath/sink.bpf.c.
struct generator;
struct sink;

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

class veth_topology {
 public:
  // The four netdevs are named <prefix>g0, <prefix>d0, <prefix>d1, <prefix>s1; `suite`
  // names errors. `restore`: the generator writes the whole frame before each send, for
  // paths that change it (see fastpath/generator.bpf.c).
  veth_topology(std::string suite, const std::string& prefix, bool latency = false, bool restore = false);
  ~veth_topology();
  veth_topology(const veth_topology&) = delete;
  veth_topology& operator=(const veth_topology&) = delete;

  std::string g0, d0, d1, s1;
  int g0_index = 0, d0_index = 0, d1_index = 0, s1_index = 0;

  // Frames redirected into a veth whose peer has no native XDP program are dropped unless
  // GRO is on: the hooks other than native XDP need it on d0.
  void set_gro(bool on);
  // One live-frames run of the generator: `frames` frames, in batches of 64.
  void send(uint32_t frames);
  // What reached the sink so far (all CPUs).
  uint64_t received() const;
  // Mpps that reached the sink while the generator sent `frames`.
  double mpps(uint32_t frames);
  // The sink's latency histogram so far, LATENCY_BUCKET_NS per bucket (with `latency`).
  std::vector<uint64_t> histogram() const;

 private:
  std::string _keeper;  // a netdev holding the generator (see the constructor)
  std::string _suite;
  std::vector<unsigned char> _frame = udp_frame();
  ::generator* _generator = nullptr;
  ::sink* _sink = nullptr;
};

}  // namespace pcn::bench
