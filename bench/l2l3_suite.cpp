// l2l3: Mpps through a switch and a router, per cube type, against the Linux bridge and
// Linux IP forwarding on the same veth topology in the same run.
//
//   generator --live frames--> g0 ==veth== d0 [device under test] --> d1 ==veth== s1 [sink]
//
// (bench/kernel_topology.hpp). The generator's frame goes from 02:..:01 / 10.99.0.1 to
// 02:..:02 / 10.99.0.2. Devices under test on d0 and d1:
// - linux-bridge: a bridge of d0 and d1, a static FDB entry for 02:..:02 on d1;
// - simplebridge/<type>: ports in (d0) and out (d1), the same static entry;
// - linux-forwarding: d0 (10.98.0.254/24, MAC 02:..:02) and d1 (10.99.0.254/24), IPv4
//   forwarding on, a permanent neighbour 10.99.0.2 at s1's MAC: TTL, checksum, new MACs;
// - router/<type>: the same addresses, MAC and neighbour (a static ARP entry).
// Rounds interleave every device. Everything runs on one CPU in a namespace of its own.
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "bench/kernel_topology.hpp"
#include "bench/suite.hpp"
#include "cubes/router/router.hpp"
#include "cubes/simplebridge/simplebridge.hpp"
#include "dataplane/datapath.hpp"
#include "tests/support/netns.hpp"

namespace pcn::bench {
namespace {

using dataplane::cube_type;
using testing::run_command;

constexpr const char* frame_dst_mac = "02:00:00:00:00:02";  // udp_frame()'s destination

// A netdev's MAC, asked of this namespace (sysfs shows the one it was mounted in).
std::string mac_of(const std::string& netdev) {
  unique_fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq request{};
  netdev.copy(request.ifr_name, IFNAMSIZ - 1);
  if (!s || ::ioctl(s.get(), SIOCGIFHWADDR, &request) != 0) throw std::runtime_error("l2l3: no MAC address for " + netdev);
  cubes::ipv4::mac_address mac;
  std::memcpy(mac.data(), request.ifr_hwaddr.sa_data, mac.size());
  return cubes::ipv4::to_string(mac);
}

class linux_bridge_dut {
 public:
  explicit linux_bridge_dut(const veth_topology& t) {
    run_command("ip link add pcnlbr type bridge");
    run_command("ip link set " + t.d0 + " master pcnlbr");
    run_command("ip link set " + t.d1 + " master pcnlbr");
    run_command("ip link set pcnlbr up");
    run_command(std::string("bridge fdb replace ") + frame_dst_mac + " dev " + t.d1 + " master static");
  }
  ~linux_bridge_dut() { testing::command_succeeds("ip link del pcnlbr"); }
};

class simplebridge_dut {
 public:
  simplebridge_dut(dataplane::datapath& dp, veth_topology& t, cube_type type) : _bridge(dp, "bench_br", type) {
    _bridge.add_port("in");
    _bridge.add_port("out");
    dp.connect("bench_br:in", t.d0);
    dp.connect("bench_br:out", t.d1);
    _bridge.set_static_entry({*cubes::l2::parse_mac(frame_dst_mac), 0}, "out");
  }

 private:
  cubes::simplebridge _bridge;
};

class linux_forwarding_dut {
 public:
  explicit linux_forwarding_dut(veth_topology& t) : _t(t) {
    _d0_mac = mac_of(t.d0);
    run_command("sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf." + t.d0 + ".rp_filter=0");
    run_command(std::string("ip link set ") + t.d0 + " address " + frame_dst_mac);
    run_command("ip addr add 10.98.0.254/24 dev " + t.d0);
    run_command("ip addr add 10.99.0.254/24 dev " + t.d1);
    run_command("ip neigh replace 10.99.0.2 lladdr " + mac_of(t.s1) + " nud permanent dev " + t.d1);
  }
  ~linux_forwarding_dut() {
    testing::command_succeeds("sysctl -qw net.ipv4.ip_forward=0");
    testing::command_succeeds("ip addr flush dev " + _t.d0);
    testing::command_succeeds("ip addr flush dev " + _t.d1);
    testing::command_succeeds("ip link set " + _t.d0 + " address " + _d0_mac);
  }

 private:
  veth_topology& _t;
  std::string _d0_mac;
};

class router_dut {
 public:
  router_dut(dataplane::datapath& dp, veth_topology& t, cube_type type) : _router(dp, "bench_r", type) {
    using namespace cubes::ipv4;
    _router.add_port("in");
    _router.add_port("out");
    dp.connect("bench_r:in", t.d0);
    dp.connect("bench_r:out", t.d1);
    cubes::router::config c;
    c.ports = {{.name = "in", .ip = parse_prefix("10.98.0.254/24"), .secondary = {}, .ipv6 = {}, .mac = parse_mac(frame_dst_mac), .peer = t.d0},
               {.name = "out", .ip = parse_prefix("10.99.0.254/24"), .secondary = {}, .ipv6 = {}, .mac = std::nullopt, .peer = t.d1}};
    c.arp_table = {{*parse_address("10.99.0.2"), *parse_mac(mac_of(t.s1)), "out"}};
    _router.configure(c);
  }

 private:
  cubes::router _router;
};

suite_result run_l2l3(const run_context& ctx, const option_values& opts) {
  auto frames = opts.number<uint32_t>("frames", 10'000, 100'000'000);
  std::vector<cube_type> types = parse_types(opts.text("types"));

  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu_count() > 1 ? 1 : 0, &one);
  sched_setaffinity(0, sizeof one, &one);

  log::set_level(std::max(log::current_level(), log::level::warn));
  private_netns netns("l2l3");
  veth_topology topo("l2l3", "pcnl", false, true);  // routers change the frames
  temporary_pin_root pins;
  dataplane::datapath dp({.pin_root = pins.path, .clean = true});
  dp.finish_restore();

  // The kernel's own paths need GRO on d0 to take frames redirected into g0.
  auto sample = [&](auto make_dut, bool gro) {
    topo.set_gro(gro);
    auto dut = make_dut();
    topo.mpps(frames / 10);  // warm-up
    return topo.mpps(frames);
  };

  suite_result result{"l2l3", ctx.rounds, {}, {}};
  std::vector<figure> bridges, routers;
  for (cube_type type : types) {
    bridges.push_back({"simplebridge/" + type_label(type), "Mpps", better::higher, {}, "linux-bridge", {}});
    routers.push_back({"router/" + type_label(type), "Mpps", better::higher, {}, "linux-forwarding", {}});
  }
  for (unsigned round = 0; round < ctx.rounds; ++round) {
    double bridge = sample([&] { return std::make_unique<linux_bridge_dut>(topo); }, true);
    for (size_t i = 0; i < types.size(); ++i) {
      bridges[i].samples.push_back(
          sample([&] { return std::make_unique<simplebridge_dut>(dp, topo, types[i]); }, types[i] != cube_type::xdp_drv));
      bridges[i].baseline_samples.push_back(bridge);
    }
    double forwarding = sample([&] { return std::make_unique<linux_forwarding_dut>(topo); }, true);
    for (size_t i = 0; i < types.size(); ++i) {
      routers[i].samples.push_back(
          sample([&] { return std::make_unique<router_dut>(dp, topo, types[i]); }, types[i] != cube_type::xdp_drv));
      routers[i].baseline_samples.push_back(forwarding);
    }
  }
  for (auto* group : {&bridges, &routers})
    for (auto& f : *group) {
      if (auto r = ratio(f)) result.notes.push_back(f.name + ": " + format_number(*r) + " times " + f.baseline + " (goal >= 3)");
      result.figures.push_back(std::move(f));
    }
  return result;
}

}  // namespace

suite l2l3_suite() {
  return {"l2l3",
          "Mpps through simplebridge and router vs the Linux bridge and Linux IP forwarding, per type",
          {{"frames", "2000000", "frames the generator sends per sample"},
           {"types", "xdp_drv,xdp_skb,tc", "cube types to measure"}},
          run_l2l3};
}

}  // namespace pcn::bench
