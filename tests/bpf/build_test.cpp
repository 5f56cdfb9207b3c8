// Proves the BPF build chain: the object compiled by pcn_bpf_object() is embedded in this
// test through its skeleton, loads (with a load-time constant) and runs on a packet.
#include <gtest/gtest.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <array>
#include <cstring>
#include <memory>

#include "count_pass.skel.h"

namespace {

struct skeleton_deleter {
  void operator()(count_pass* s) const { count_pass::destroy(s); }
};
using skeleton = std::unique_ptr<count_pass, skeleton_deleter>;

skeleton open_and_load(bool drop) {
  skeleton s(count_pass::open());
  if (!s) return nullptr;
  s->rodata->drop_all = drop ? 1 : 0;
  if (count_pass::load(s.get()) != 0) return nullptr;
  return s;
}

std::array<unsigned char, 64> ipv4_frame() {
  std::array<unsigned char, 64> f{};
  f[12] = 0x08;  // ethertype IPv4
  f[13] = 0x00;
  return f;
}

int run_once(const skeleton& s, std::array<unsigned char, 64>& frame) {
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_size_in = static_cast<__u32>(frame.size()), .repeat = 1);
  int rc = bpf_prog_test_run_opts(bpf_program__fd(s->progs.count_pass), &opts);
  return rc == 0 ? static_cast<int>(opts.retval) : rc;
}

TEST(bpf_build, embedded_skeleton_loads_and_runs) {
  skeleton s = open_and_load(false);
  if (!s && (errno == EPERM || errno == EACCES)) GTEST_SKIP() << "BPF needs CAP_BPF/CAP_SYS_ADMIN: run as root";
  ASSERT_TRUE(s) << "load failed: " << std::strerror(errno);
  auto frame = ipv4_frame();
  EXPECT_EQ(run_once(s, frame), XDP_PASS);
  EXPECT_EQ(run_once(s, frame), XDP_PASS);
  __u32 key = 0;
  __u64 count = 0;
  ASSERT_EQ(bpf_map__lookup_elem(s->maps.seen, &key, sizeof key, &count, sizeof count, 0), 0);
  EXPECT_EQ(count, 2u);
}

TEST(bpf_build, load_time_constant_changes_the_verdict) {
  skeleton s = open_and_load(true);
  if (!s && (errno == EPERM || errno == EACCES)) GTEST_SKIP() << "BPF needs CAP_BPF/CAP_SYS_ADMIN: run as root";
  ASSERT_TRUE(s);
  auto frame = ipv4_frame();
  EXPECT_EQ(run_once(s, frame), XDP_DROP);
}

}  // namespace
