#include "tests/bpf/fixture.hpp"

#include <bpf/bpf.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>

#include "tests/support/netns.hpp"
#include "tests/support/probe_cube.hpp"

namespace pcn::testing {
namespace {

using dataplane::hook_family;

std::string& problem() {
  static std::string p = "the test environment was not set up";
  return p;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  return !out.fail();
}

// Before the first test, the process leaves the host's network for a namespace of its own
// (threads started later, and the commands it runs, inherit it) and checks that it may
// load BPF programs.
class own_network_namespace : public ::testing::Environment {
 public:
  void SetUp() override {
    if (::geteuid() != 0) {
      problem() = "needs root (a network namespace of its own, BPF programs, bpffs)";
      return;
    }
    if (::unshare(CLONE_NEWNET) != 0) {
      problem() = std::string("cannot create a network namespace: ") + std::strerror(errno);
      return;
    }
    try {
      run_command("ip link set lo up");
      // Netdevs here carry no traffic of their own: IPv6 would send neighbour discovery and
      // MLD as soon as a veth comes up, and such packets would cross the pipeline between
      // a fixture's runs and show in its counters.
      for (const char* conf : {"all", "default"})
        if (!write_file(std::string("/proc/sys/net/ipv6/conf/") + conf + "/disable_ipv6", "1"))
          throw std::runtime_error(std::string("cannot disable IPv6 (") + conf + ") in the test's network namespace");
    } catch (const std::exception& e) {
      problem() = e.what();
      return;
    }
    const bpf_insn return_zero[] = {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0}, {BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
    int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "pcn_probe", "GPL", return_zero, 2, nullptr);
    if (fd < 0) {
      problem() = std::string("BPF is unavailable: loading a trivial XDP program failed: ") + std::strerror(errno);
      return;
    }
    ::close(fd);
    problem().clear();
  }
};

[[maybe_unused]] ::testing::Environment* const environment = ::testing::AddGlobalTestEnvironment(new own_network_namespace);

std::vector<probe_cube*> probes_of(dataplane::datapath& dp) {
  std::vector<probe_cube*> out;
  for (auto* c : dp.cubes())
    if (auto* p = dynamic_cast<probe_cube*>(c)) out.push_back(p);
  return out;
}

std::map<std::string, dataplane::port_counters> all_counters(dataplane::datapath& dp) {
  std::map<std::string, dataplane::port_counters> out;
  for (auto* c : dp.cubes())
    if (auto* standard = dynamic_cast<dataplane::cube*>(c))
      for (auto* p : standard->ports()) out[p->path()] = p->counters();
  return out;
}

const char* direction_name(uint8_t d) { return d == PCN_EGRESS ? "egress" : "ingress"; }

}  // namespace

const std::string& isolation_problem() { return problem(); }

veth_pair::veth_pair() : _name(unique_name("fx")), _peer(unique_name("fy")) {
  run_command("ip link add " + _name + " type veth peer name " + _peer);
  try {
    // No IPv6 autoconfiguration: nothing but the tests' packets crosses the pipeline.
    run_command("sysctl -qw net.ipv6.conf." + _name + ".disable_ipv6=1 net.ipv6.conf." + _peer + ".disable_ipv6=1");
    run_command("ip link set " + _name + " up");
    run_command("ip link set " + _peer + " up");
  } catch (...) {
    command_succeeds("ip link del " + _name);
    throw;
  }
  _ifindex = if_nametoindex(_name.c_str());
}

veth_pair::~veth_pair() { command_succeeds("ip link del " + _name); }

void dataplane_fixture::SetUp() {
  if (!isolation_problem().empty()) GTEST_SKIP() << isolation_problem();
  _dp.emplace();
}

const veth_pair& dataplane_fixture::veth() { return *_veths.emplace_back(std::make_unique<veth_pair>()); }

void dataplane_fixture::forward_between(cubes::simpleforwarder& sf, const veth_pair& a, const veth_pair& b, bool both_ways) {
  sf.add_port("p0");
  sf.add_port("p1");
  dp().connect(sf.name() + ":p0", a.name());
  dp().connect(sf.name() + ":p1", b.name());
  sf.set_entry({"p0", cubes::simpleforwarder::action::forward, "p1"});
  if (both_ways) sf.set_entry({"p1", cubes::simpleforwarder::action::forward, "p0"});
}

int dataplane_fixture::code(verdict v) const {
  bool xdp = family() == hook_family::xdp;
  switch (v) {
    case verdict::pass: return xdp ? XDP_PASS : TC_ACT_OK;
    case verdict::drop: return xdp ? XDP_DROP : TC_ACT_SHOT;
    case verdict::redirect: return xdp ? XDP_REDIRECT : TC_ACT_REDIRECT;
    case verdict::aborted: return xdp ? XDP_ABORTED : TC_ACT_SHOT;
  }
  return -1;
}

std::string dataplane_fixture::verdict_name(int retval) const {
  return family() == hook_family::xdp ? xdp_verdict_name(retval) : tc_verdict_name(retval);
}

run_result dataplane_fixture::send(const std::string& netdev, const bytes& frame, hook entry, const bytes& metadata, uint32_t repeat) {
  auto ifindex = static_cast<uint32_t>(if_nametoindex(netdev.c_str()));
  if (ifindex == 0) throw std::runtime_error("send a packet from " + netdev + ": no such netdev");
  int fd = dp().entry_program_fd(netdev, entry == hook::egress ? dataplane::tc_direction::egress : dataplane::tc_direction::ingress);
  if (fd < 0) {
    // The framework has nothing on that hook of the netdev: the kernel goes on with the
    // packet as it is (what a test run cannot show, since there is no program to run).
    run_result untouched;
    untouched.retval = static_cast<uint32_t>(family() == hook_family::xdp ? XDP_PASS : TC_ACT_OK);
    untouched.frame = frame;
    untouched.metadata = metadata;
    return untouched;
  }
  if (family() == hook_family::xdp) {
    // `metadata` is what a previous packet left on the CPU, and bytes in front of the frame.
    xdp_metadata_slot slot(dp());
    pcn_metadata previous{};
    std::memcpy(&previous, metadata.data(), std::min(metadata.size(), sizeof previous));  // data() may be null
    slot.set(previous);
    run_result r = run_xdp(fd, frame, {.ingress_ifindex = ifindex, .rx_queue_index = 0, .metadata = metadata}, repeat);
    r.metadata_area = std::move(r.metadata);
    pcn_metadata md = slot.get();
    r.metadata.resize(sizeof md);
    std::memcpy(r.metadata.data(), &md, sizeof md);
    return r;
  }
  tc_input in{.ifindex = ifindex, .ingress_ifindex = entry == hook::ingress ? ifindex : 0, .cb = {}};
  if (metadata.size() > sizeof in.cb) throw std::invalid_argument("skb->cb holds 20 bytes of metadata");
  if (!metadata.empty()) std::memcpy(in.cb.data(), metadata.data(), metadata.size());  // data() may be null
  return run_tc(fd, frame, in, repeat);
}

void dataplane_fixture::run(const std::vector<fixture>& table) {
  for (const auto& f : table) {
    SCOPED_TRACE("fixture: " + f.description);
    run_one(f);
  }
}

void dataplane_fixture::run_one(const fixture& f) {
  auto probes = probes_of(dp());
  for (auto* p : probes) p->clear();
  auto before = all_counters(dp());

  run_result r = send(f.netdev, f.input, f.entry, f.metadata);

  EXPECT_EQ(verdict_name(r.retval), verdict_name(code(f.expected)));
  const bytes& expected_output = f.output ? *f.output : f.input;
  EXPECT_EQ(r.frame, expected_output) << "the frame that came out differs";
  if (f.check) f.check(r);

  auto after = all_counters(dp());
  for (const auto& [port, now] : after) {
    port_delta want{port, 0, 0};
    for (const auto& d : f.counters)
      if (d.port == port) want = d;
    dataplane::port_counters was = before.count(port) ? before[port] : dataplane::port_counters{};
    EXPECT_EQ(now.rx_packets - was.rx_packets, want.rx) << "rx packets of " << port;
    EXPECT_EQ(now.tx_packets - was.tx_packets, want.tx) << "tx packets of " << port;
    EXPECT_EQ(now.rx_bytes - was.rx_bytes, want.rx * f.input.size()) << "rx bytes of " << port;
    EXPECT_EQ(now.tx_bytes - was.tx_bytes, want.tx * expected_output.size()) << "tx bytes of " << port;
  }
  for (const auto& d : f.counters) EXPECT_TRUE(after.count(d.port)) << "no port " << d.port;

  for (auto* p : probes)
    for (uint8_t direction : {uint8_t{PCN_INGRESS}, uint8_t{PCN_EGRESS}}) {
      probe_seen seen = p->seen(direction);
      const probe_record* want = nullptr;
      for (const auto& e : f.probes)
        if (e.probe == p->name() && e.direction == direction) want = &e;
      std::string what = p->name() + " (" + direction_name(direction) + ")";
      if (!want) {
        EXPECT_EQ(seen.packets, 0u) << what << " saw the packet, at position " << seen.position;
        continue;
      }
      EXPECT_EQ(seen.packets, 1u) << what << " did not see the packet once";
      EXPECT_EQ(seen.position, want->position) << "position of " << what;
      // Nothing in the pipeline sets these: they must still be what the entry reset them to.
      EXPECT_EQ(seen.data1, 0u) << what;
      EXPECT_EQ(seen.reason, 0u) << what;
      EXPECT_EQ(seen.flags, 0u) << what;
    }
  for (const auto& e : f.probes)
    EXPECT_TRUE(std::any_of(probes.begin(), probes.end(), [&](auto* p) { return p->name() == e.probe; })) << "no probe " << e.probe;
}

std::string type_name(const ::testing::TestParamInfo<dataplane::cube_type>& info) { return std::string(dataplane::to_string(info.param)); }

pcn_metadata metadata_of(const run_result& r) {
  pcn_metadata md{};
  if (r.metadata.size() < sizeof md) throw std::runtime_error("the packet came out with " + std::to_string(r.metadata.size()) + " bytes of metadata");
  std::memcpy(&md, r.metadata.data(), sizeof md);
  return md;
}

std::optional<pcn_metadata> slowpath_metadata_of(const run_result& r) {
  if (r.metadata_area.empty()) return std::nullopt;
  pcn_metadata md{};
  EXPECT_EQ(r.metadata_area.size(), sizeof md) << "the metadata area holds exactly one pcn_metadata";
  if (r.metadata_area.size() != sizeof md) return std::nullopt;
  std::memcpy(&md, r.metadata_area.data(), sizeof md);
  return md;
}

}  // namespace pcn::testing
