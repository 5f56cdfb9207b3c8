#include "bench/kernel_topology.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <chrono>
#include <cstring>
#include <system_error>

#include "bench/fastpath/latency_abi.h"
#include "generator.skel.h"
#include "sink.skel.h"
#include "tests/support/test_run.hpp"

namespace pcn::bench {

veth_topology::veth_topology(std::string suite, const std::string& prefix, bool latency, bool restore)
    : g0(prefix + "g0"), d0(prefix + "d0"), d1(prefix + "d1"), s1(prefix + "s1"), _keeper(prefix + "k0"), _suite(std::move(suite)) {
  testing::run_command("ip link add " + g0 + " type veth peer name " + d0);
  testing::run_command("ip link add " + d1 + " type veth peer name " + s1);
  testing::run_command("ip link add " + _keeper + " type veth peer name " + _keeper + "p");
  for (const auto& dev : {g0, d0, d1, s1}) testing::run_command("ip link set " + dev + " up");
  g0_index = static_cast<int>(if_nametoindex(g0.c_str()));
  d0_index = static_cast<int>(if_nametoindex(d0.c_str()));
  d1_index = static_cast<int>(if_nametoindex(d1.c_str()));
  s1_index = static_cast<int>(if_nametoindex(s1.c_str()));
  _generator = generator::open();
  if (!_generator) throw std::runtime_error(_suite + ": open the generator");
  _generator->rodata->out_ifindex = static_cast<__u32>(g0_index);
  _generator->rodata->stamp = latency;
  _generator->rodata->restore = restore;
  if (_frame.size() != GENERATOR_FRAME_SIZE) throw std::logic_error(_suite + ": the generator's frame is not GENERATOR_FRAME_SIZE bytes");
  std::memcpy(const_cast<__u64*>(_generator->rodata->frame_template), _frame.data(), _frame.size());
  if (generator::load(_generator) != 0) throw std::runtime_error(_suite + ": load the generator");
  // A test run of an XDP program that no netdev has puts it in the kernel's XDP dispatcher
  // and takes it out again, waiting for an RCU grace period each time: milliseconds per
  // send while the machine is busy, for which the generator sleeps. Attached (generic
  // mode) to a veth of its own that stays down and so never runs it, it stays there.
  if (bpf_xdp_attach(static_cast<int>(if_nametoindex(_keeper.c_str())), bpf_program__fd(_generator->progs.generate), XDP_FLAGS_SKB_MODE,
                     nullptr) != 0)
    throw std::runtime_error(_suite + ": attach the generator to " + _keeper);
  _sink = sink::open();
  if (!_sink) throw std::runtime_error(_suite + ": open the sink");
  _sink->rodata->latency = latency;
  if (sink::load(_sink) != 0) throw std::runtime_error(_suite + ": load the sink");
  if (bpf_xdp_attach(s1_index, bpf_program__fd(_sink->progs.count_and_drop), XDP_FLAGS_DRV_MODE, nullptr) != 0)
    throw std::runtime_error(_suite + ": attach the sink to " + s1);
}

veth_topology::~veth_topology() {
  testing::command_succeeds("ip link del " + _keeper);
  sink::destroy(_sink);
  generator::destroy(_generator);
}

void veth_topology::set_gro(bool on) { testing::run_command("ethtool -K " + d0 + " gro " + (on ? "on" : "off")); }

void veth_topology::send(uint32_t frames) {
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = _frame.data(), .data_size_in = static_cast<__u32>(_frame.size()),
              .repeat = static_cast<int>(frames), .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
  // Sent again when interrupted (EINTR): rates count what the sink received over the time
  // taken, so they stay right.
  if (int rc = testing::test_run_program(bpf_program__fd(_generator->progs.generate), &opts); rc != 0) throw std::runtime_error(_suite + ": live-frames test run failed: " + std::system_category().message(-rc));
}

namespace {
uint64_t sum_over_cpus(int map_fd, uint32_t key) {
  std::vector<uint64_t> per_cpu(static_cast<size_t>(libbpf_num_possible_cpus()));
  bpf_map_lookup_elem(map_fd, &key, per_cpu.data());
  uint64_t total = 0;
  for (auto v : per_cpu) total += v;
  return total;
}
}  // namespace

uint64_t veth_topology::received() const { return sum_over_cpus(bpf_map__fd(_sink->maps.received), 0); }

double veth_topology::mpps(uint32_t frames) {
  uint64_t before = received();
  auto start = std::chrono::steady_clock::now();
  send(frames);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(received() - before) / seconds / 1e6;
}

std::vector<uint64_t> veth_topology::histogram() const {
  std::vector<uint64_t> h(LATENCY_BUCKETS);
  for (uint32_t b = 0; b < LATENCY_BUCKETS; ++b) h[b] = sum_over_cpus(bpf_map__fd(_sink->maps.latency_histogram), b);
  return h;
}

}  // namespace pcn::bench
