#pragma once
// Runs a loaded BPF program on one packet with BPF_PROG_TEST_RUN, no NIC involved: the
// XDP flavour with a struct xdp_md context (the netdev and RX queue the packet arrives on,
// bytes already in the metadata area), the TC flavour with a struct __sk_buff context
// (the netdev, skb->cb[]). Both return the verdict, the packet as the program left it and
// the metadata that travels with it.
//
// Repeat mode (repeat > 1) runs the same packet that many times in the kernel, for
// benchmarks: ns_per_packet is the kernel's measure (BPF_PROG_TEST_RUN's duration is
// already the mean over the repetitions). Every repetition counts in the maps.
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace pcn::testing {

struct xdp_input {
  uint32_t ingress_ifindex = 0;  // the netdev the packet arrives on (0: none)
  uint32_t rx_queue_index = 0;
  std::vector<uint8_t> metadata;  // put in the metadata area in front of the frame (a multiple of 4 bytes)
};

struct tc_input {
  uint32_t ifindex = 0;          // skb->ifindex: the netdev the packet is on (at TC egress: leaving by)
  uint32_t ingress_ifindex = 0;  // skb->ingress_ifindex
  std::array<uint32_t, 5> cb{};  // skb->cb[]
};

struct run_result {
  int retval = 0;
  std::vector<uint8_t> frame;     // the packet after the program, from its MAC header
  std::vector<uint8_t> metadata;  // XDP: the metadata area in front of the frame; TC: skb->cb[] (20 bytes)
  uint32_t ns_per_packet = 0;     // mean run time over the repetitions
  // (The dataplane fixture of tests/bpf puts the framework's XDP metadata, the CPU's slot,
  // in `metadata`, and the metadata area here.)
  std::vector<uint8_t> metadata_area;
};

namespace test_run_detail {
// Room for what a program may push in front of the packet (VLAN tags, encapsulation).
constexpr size_t output_headroom = 256;

[[noreturn]] inline void fail(int prog_fd, int err) {
  throw std::system_error(err, std::system_category(), "BPF_PROG_TEST_RUN of program fd " + std::to_string(prog_fd));
}
}  // namespace test_run_detail

// bpf_prog_test_run_opts(), again while it is interrupted (EINTR): the kernel stops a run
// when the thread has a signal pending, io_uring's task work included. A thread that ran an
// engine (testing::run) gets such work from the kernel's worker that tears the rings down,
// a moment after the engine is gone. A repeated run starts again from the first repetition.
inline int test_run_program(int prog_fd, bpf_test_run_opts* opts) {
  int rc = 0;
  for (int attempt = 0; attempt < 100; ++attempt)
    if ((rc = bpf_prog_test_run_opts(prog_fd, opts)) == 0 || errno != EINTR) break;
  return rc;
}

inline run_result run_xdp(int prog_fd, std::span<const uint8_t> frame, const xdp_input& in = {}, uint32_t repeat = 1) {
  std::vector<uint8_t> data(in.metadata.begin(), in.metadata.end());
  data.insert(data.end(), frame.begin(), frame.end());
  std::vector<uint8_t> out(data.size() + test_run_detail::output_headroom);
  xdp_md ctx_in{};
  ctx_in.data = static_cast<__u32>(in.metadata.size());
  ctx_in.data_end = static_cast<__u32>(data.size());
  ctx_in.ingress_ifindex = in.ingress_ifindex;
  ctx_in.rx_queue_index = in.rx_queue_index;
  xdp_md ctx_out{};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data.data(), .data_out = out.data(), .data_size_in = static_cast<__u32>(data.size()),
              .data_size_out = static_cast<__u32>(out.size()), .ctx_in = &ctx_in, .ctx_out = &ctx_out, .ctx_size_in = sizeof ctx_in,
              .ctx_size_out = sizeof ctx_out, .repeat = static_cast<int>(repeat));
  if (test_run_program(prog_fd, &opts) != 0) test_run_detail::fail(prog_fd, errno);
  out.resize(opts.data_size_out);
  size_t meta = std::min<size_t>(ctx_out.data, out.size());
  return {static_cast<int>(opts.retval), std::vector<uint8_t>(out.begin() + static_cast<long>(meta), out.end()),
          std::vector<uint8_t>(out.begin(), out.begin() + static_cast<long>(meta)), opts.duration, {}};
}

inline run_result run_tc(int prog_fd, std::span<const uint8_t> frame, const tc_input& in = {}, uint32_t repeat = 1) {
  std::vector<uint8_t> out(frame.size() + test_run_detail::output_headroom);
  __sk_buff ctx_in{};
  ctx_in.ifindex = in.ifindex;
  ctx_in.ingress_ifindex = in.ingress_ifindex;
  std::memcpy(ctx_in.cb, in.cb.data(), sizeof ctx_in.cb);
  __sk_buff ctx_out{};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(), .data_size_in = static_cast<__u32>(frame.size()),
              .data_size_out = static_cast<__u32>(out.size()), .ctx_in = &ctx_in, .ctx_out = &ctx_out, .ctx_size_in = sizeof ctx_in,
              .ctx_size_out = sizeof ctx_out, .repeat = static_cast<int>(repeat));
  if (test_run_program(prog_fd, &opts) != 0) test_run_detail::fail(prog_fd, errno);
  out.resize(opts.data_size_out);
  std::vector<uint8_t> cb(sizeof ctx_out.cb);
  std::memcpy(cb.data(), ctx_out.cb, cb.size());
  return {static_cast<int>(opts.retval), std::move(out), std::move(cb), opts.duration, {}};
}

inline std::string xdp_verdict_name(int retval) {
  switch (retval) {
    case XDP_ABORTED: return "XDP_ABORTED";
    case XDP_DROP: return "XDP_DROP";
    case XDP_PASS: return "XDP_PASS";
    case XDP_TX: return "XDP_TX";
    case XDP_REDIRECT: return "XDP_REDIRECT";
  }
  return "XDP verdict " + std::to_string(retval);
}

inline std::string tc_verdict_name(int retval) {
  switch (retval) {
    case TC_ACT_UNSPEC: return "TC_ACT_UNSPEC";
    case TC_ACT_OK: return "TC_ACT_OK";
    case TC_ACT_RECLASSIFY: return "TC_ACT_RECLASSIFY";
    case TC_ACT_SHOT: return "TC_ACT_SHOT";
    case TC_ACT_PIPE: return "TC_ACT_PIPE";
    case TC_ACT_STOLEN: return "TC_ACT_STOLEN";
    case TC_ACT_REDIRECT: return "TC_ACT_REDIRECT";
  }
  return "TC verdict " + std::to_string(retval);
}

}  // namespace pcn::testing
