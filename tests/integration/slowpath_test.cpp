// The slow path with real traffic, per cube type: packets up to userspace and back out
// (helloworld SLOWPATH), the metadata the fast path sets read back in the handler, what
// sending to a port's ingress and egress means, fast-path logs in the daemon's log, and a
// flood that the reactor survives while it keeps answering HTTP.
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/framework_routes.hpp"
#include "api/http_server.hpp"
#include "cubes/helloworld/helloworld.hpp"
#include "live_generator.skel.h"
#include "reactor/listen.hpp"
#include "slowpath/slow_path.hpp"
#include "slowpath/xsk.hpp"
#include "tests/integration/hub.hpp"
#include "tests/support/async_process.hpp"
#include "tests/support/netns.hpp"
#include "tests/support/packet_builder.hpp"
#include "tests/support/probe_cube.hpp"
#include "tests/support/serve_slowpath.hpp"
#include "tests/support/slowpath_probe_cube.hpp"
#include "tests/support/sockets.hpp"
#include "tests/support/test_datapath.hpp"

namespace pcn {
namespace {

using dataplane::cube_type;
using testing::netns;
using testing::slowpath_probe_cube;
using testing::veth_host;

class slowpath_integration : public testing::hub_test {
 protected:
  // Each test's own injection device: tests may share a namespace name space, never a hub.
  slowpath::slow_path_options options() const {
    slowpath::slow_path_options o;
    o.injection_device = testing::unique_name("pcnj");
    return o;
  }
};

// Hosts that send nothing of their own accord (no IPv6: no router solicitations, no
// MLD), so that counts in the tests are the tests' packets.
struct quiet_hosts {
  netns h1, h2;
  quiet_hosts() {
    for (const netns* h : {&h1, &h2}) h->exec("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
  }
};

// Two hosts and a two-port cube between them, ports p0 (h1) and p1 (h2).
struct two_hosts : quiet_hosts {
  veth_host a{h1, "10.93.0.1/24", "02:00:00:00:93:01"}, b{h2, "10.93.0.2/24", "02:00:00:00:93:02"};

  // No ARP at all (it refreshes entries now and then): only the tests' packets flow.
  void static_neighbours() {
    h1.exec("ip neigh replace 10.93.0.2 lladdr 02:00:00:00:93:02 nud permanent dev " + a.inside());
    h2.exec("ip neigh replace 10.93.0.1 lladdr 02:00:00:00:93:01 nud permanent dev " + b.inside());
  }

  void wire(dataplane::datapath& dp, dataplane::cube& c) {
    c.add_port("p0");
    c.add_port("p1");
    dp.connect(c.name() + ":p0", a.outside());
    dp.connect(c.name() + ":p1", b.outside());
  }
};

// Two hosts with a slow-path probe cube between them, and a slow path.
struct probe_between_hosts {
  two_hosts hosts;
  testing::test_datapath dp;
  slowpath::slow_path sp;
  slowpath_probe_cube probe;

  probe_between_hosts(cube_type type, const slowpath::slow_path_options& options, log::level level = log::level::warn)
      : sp(*dp, options), probe(*dp, "sp", type, level) {
    hosts.wire(*dp, probe);
  }
};

task<void> ping_both_ways(const two_hosts& hosts, bool& there, bool& back) {
  there = co_await testing::ping_async(hosts.h1, "10.93.0.2");
  back = co_await testing::ping_async(hosts.h2, "10.93.0.1");
}

TEST_P(slowpath_integration, helloworld_slowpath_ping_both_ways) {
  two_hosts hosts;
  testing::test_datapath dp;
  slowpath::slow_path sp(*dp, options());
  cubes::helloworld hw(*dp, "hw", type());
  hosts.wire(*dp, hw);
  hw.set_action(cubes::helloworld::action::slowpath);

  bool there = false, back = false;
  testing::serve_while(sp, ping_both_ways(hosts, there, back));
  EXPECT_TRUE(there) << "h1 -> h2 through the slow path";
  EXPECT_TRUE(back) << "h2 -> h1 through the slow path";
  auto stats = hw.slowpath_stats();
  EXPECT_GE(stats.packets_in, 12u) << "6 echo requests and 6 replies at least";
  EXPECT_GE(stats.packets_out, 12u);
  EXPECT_EQ(stats.overload_drops, 0u);
  EXPECT_EQ(stats.handler_errors, 0u);
  EXPECT_GE(stats.fastpath_to_slowpath, stats.packets_in);
  EXPECT_EQ(stats.in_flight, 0u);
}

TEST_P(slowpath_integration, metadata_set_in_the_fast_path_reaches_the_handler) {
  probe_between_hosts t(type(), options());
  bool there = false, back = false;
  testing::serve_while(t.sp, ping_both_ways(t.hosts, there, back));
  EXPECT_TRUE(there);
  EXPECT_TRUE(back);
  const auto& probe = t.probe;
  ASSERT_FALSE(probe.seen().empty());
  bool from_p0 = false, from_p1 = false;
  for (const auto& r : probe.seen()) {
    EXPECT_EQ(r.metadata.reason, SLOWPATH_PROBE_REASON);
    EXPECT_EQ(r.metadata.data[0], SLOWPATH_PROBE_WORD);
    EXPECT_EQ(r.metadata.data[1], 100u + r.metadata.in_port) << "data[1] is 100 + the ingress port";
    EXPECT_EQ(r.metadata.data[2], r.size) << "data[2] is the length the fast path saw";
    EXPECT_EQ(r.metadata.flags & PCN_MD_FROM_SLOWPATH, 0);
    from_p0 |= r.metadata.in_port == 0;
    from_p1 |= r.metadata.in_port == 1;
  }
  EXPECT_TRUE(from_p0 && from_p1) << "packets from both ports";
}

task<void> ping_with_id(const two_hosts& hosts, int count) {
  co_await testing::ping_async(hosts.h1, "10.93.0.2", count, 3, "-e 4242");
}

TEST_P(slowpath_integration, notifications_reach_the_cube) {
  probe_between_hosts t(type(), options());
  testing::serve_while(t.sp, ping_with_id(t.hosts, 3));
  int requests = 0, replies = 0;
  for (const auto& n : t.probe.notifications()) {
    EXPECT_EQ(n.reason, SLOWPATH_PROBE_NOTIFY);
    EXPECT_EQ(n.data[0], 4242u) << "the echo id";
    EXPECT_EQ(n.data[2], n.in_port) << "the port the fast path saw, in the data and in the event";
    (n.in_port == 0 ? requests : replies)++;
  }
  EXPECT_EQ(requests, 3);
  EXPECT_EQ(replies, 3);
}

task<void> ping_expecting(const two_hosts& hosts, bool& replied) { replied = co_await testing::ping_async(hosts.h1, "10.93.0.2"); }

TEST_P(slowpath_integration, sending_to_a_ports_ingress_enters_the_cube_and_to_its_egress_leaves) {
  probe_between_hosts t(type(), options());
  auto& [hosts, dp, sp, c] = t;
  hosts.static_neighbours();
  testing::probe_cube chain(*dp, "chain", type(), 1);
  dp->attach(chain, "sp:p1", {});

  // Egress: out of p1 through its transparent cube, to h2, which answers.
  c.set_mode(slowpath_probe_cube::mode::egress_other);
  bool replied = false;
  testing::serve_while(sp, ping_expecting(hosts, replied));
  EXPECT_TRUE(replied) << "egress of p1 reaches h2";
  EXPECT_GE(chain.seen(PCN_EGRESS).packets, 3u) << "the port's transparent cube saw them leave";
  EXPECT_EQ(chain.seen(PCN_EGRESS).flags & PCN_MD_FROM_SLOWPATH, PCN_MD_FROM_SLOWPATH) << "flagged as sent by the slow path";

  // Ingress: into the cube through p1 (its transparent cube first), as if from h2; the
  // probe's fast path sends what the slow path injects out of the other port, p0.
  chain.clear();
  auto p0_before = c.find_port("p0")->counters();
  auto p1_before = c.find_port("p1")->counters();
  c.set_mode(slowpath_probe_cube::mode::ingress_other);
  testing::serve_while(sp, ping_expecting(hosts, replied));
  EXPECT_FALSE(replied) << "nothing reaches h2";
  auto in = chain.seen(PCN_INGRESS);
  EXPECT_GE(in.packets, 1u) << "the port's transparent cube saw them enter";
  EXPECT_EQ(in.flags & PCN_MD_FROM_SLOWPATH, PCN_MD_FROM_SLOWPATH) << "flagged as injected by the slow path";
  EXPECT_EQ(chain.seen(PCN_EGRESS).packets, 0u) << "nothing left through p1";
  EXPECT_GE(c.find_port("p1")->counters().rx_packets - p1_before.rx_packets, in.packets) << "the cube saw them on p1";
  EXPECT_GE(c.find_port("p0")->counters().tx_packets - p0_before.tx_packets, in.packets) << "and sent them out of p0";
}

TEST_P(slowpath_integration, fast_path_log_messages_reach_the_daemon_log_formatted) {
  probe_between_hosts t(type(), options(), log::level::info);
  std::string file = "/tmp/" + testing::unique_name("pcnlog") + ".log";
  log::set_level(log::level::info);
  log::set_file(file);
  testing::serve_while(t.sp, ping_with_id(t.hosts, 1));
  log::set_file("/dev/stderr");
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(file);
  EXPECT_NE(text.str().find("cube sp: slowpath probe: echo from 10.93.0.1 (02:00:00:00:93:01) id 4242"), std::string::npos)
      << "log was:\n"
      << text.str();
}

// One echo request into a cube whose handler holds packets; then retire() the cube.
task<void> retire_while_held(probe_between_hosts& t, uint32_t& held, std::chrono::milliseconds& waited) {
  co_await testing::ping_async(t.hosts.h1, "10.93.0.2", 1, 1);  // gets no reply: the handler holds it
  held = t.probe.slowpath_stats().in_flight;
  auto start = clock::now();
  co_await t.sp.retire(t.probe);
  waited = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
}

TEST_P(slowpath_integration, retire_waits_for_the_cubes_running_handlers) {
  probe_between_hosts t(type(), options());
  t.hosts.static_neighbours();
  t.probe.set_mode(slowpath_probe_cube::mode::hold, std::chrono::milliseconds(1500));
  uint32_t held = 0;
  std::chrono::milliseconds waited{};
  testing::serve_while(t.sp, retire_while_held(t, held, waited));
  EXPECT_GE(held, 1u) << "a handler was running when retire() was called";
  EXPECT_EQ(t.probe.slowpath_stats().in_flight, 0u) << "none is once it returns";
  EXPECT_GT(waited.count(), 0) << "it waited for the held packet";
}

// ---------------------------------------------------------------- flood

// An AF_XDP socket of the test's own on queue 0 of a netdev: what a socket closed a moment
// ago (the kernel frees its queue in a deferred work) or another program's looks like.
struct queue_holder {
  slowpath::umem memory{{.frames = 64, .frame_size = 2048, .ring_size = 64}};
  std::unique_ptr<slowpath::xsk> socket;
  explicit queue_holder(const std::string& netdev) : socket(std::make_unique<slowpath::xsk>(memory, netdev, 0, true)) {}
};

bool has_socket_on(const slowpath::slow_path& sp, const std::string& netdev) {
  auto sockets = sp.sockets();
  return std::any_of(sockets.begin(), sockets.end(), [&](const auto& s) { return s.netdev == netdev; });
}

// What only XDP cubes have: AF_XDP sockets (TC cubes reach the slow path through the ring buffer).
class slowpath_xdp_integration : public slowpath_integration {};

TEST_P(slowpath_xdp_integration, a_queue_still_taken_is_bound_once_released) {
  two_hosts hosts;
  testing::test_datapath dp;
  slowpath::slow_path sp(*dp, options());
  auto holder = std::make_unique<queue_holder>(hosts.a.outside());
  cubes::helloworld hw(*dp, "hw", type());
  hosts.wire(*dp, hw);
  hw.set_action(cubes::helloworld::action::slowpath);
  ASSERT_FALSE(has_socket_on(sp, hosts.a.outside())) << "the queue is taken: the slow path waits for it";
  ASSERT_TRUE(has_socket_on(sp, hosts.b.outside()));

  bool there = false, back = false;
  testing::serve_while(sp, [](std::unique_ptr<queue_holder>& h, const two_hosts& t, bool& there, bool& back) -> task<void> {
    co_await sleep_for(std::chrono::milliseconds(50));
    h.reset();  // the other socket goes: the maintenance loop binds ours
    co_await ping_both_ways(t, there, back);
  }(holder, hosts, there, back));
  EXPECT_TRUE(has_socket_on(sp, hosts.a.outside()));
  EXPECT_TRUE(there) << "h1 -> h2 through the slow path, once its queue was free";
  EXPECT_TRUE(back);
}

TEST_P(slowpath_xdp_integration, a_queue_that_stays_taken_is_given_up_and_the_rest_works) {
  two_hosts hosts;
  testing::test_datapath dp;
  slowpath::slow_path sp(*dp, options());
  queue_holder holder(hosts.a.outside());
  cubes::helloworld hw(*dp, "hw", type());
  hosts.wire(*dp, hw);
  hw.set_action(cubes::helloworld::action::slowpath);

  bool there = true;
  testing::serve_while(sp, [](const two_hosts& t, bool& there) -> task<void> {
    co_await sleep_for(std::chrono::milliseconds(2500));  // past the slow path's wait for the queue
    there = co_await testing::ping_async(t.h1, "10.93.0.2", 1, 1);
  }(hosts, there));
  EXPECT_FALSE(has_socket_on(sp, hosts.a.outside())) << "given up: another socket holds the queue";
  EXPECT_FALSE(there) << "what comes in on the held netdev cannot reach the slow path";
  EXPECT_TRUE(has_socket_on(sp, hosts.b.outside())) << "the other netdev is served";
  EXPECT_GT(hw.slowpath_stats().fastpath_drops, 0u) << "the fast path counts what it could not send up";
}

struct latency_report {
  std::vector<double> ms;
  int failures = 0;
  double percentile(double p) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
  }
};

// One HTTP GET on a new connection, blocking: its latency in ms, or -1.
double timed_get(uint16_t port) {
  auto start = std::chrono::steady_clock::now();
  testing::fd_guard fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  timeval timeout{2, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address = testing::loopback(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return -1;
  std::string request = "GET /polycube/v1/version HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return -1;
  std::string response;
  char buffer[1024];
  for (ssize_t n; (n = ::recv(fd.get(), buffer, sizeof buffer, 0)) > 0;) response.append(buffer, static_cast<size_t>(n));
  if (!response.starts_with("HTTP/1.1 200")) return -1;
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

latency_report measure_gets(uint16_t port, int count) {
  latency_report r;
  for (int i = 0; i < count; ++i) {
    double ms = timed_get(port);
    if (ms < 0) ++r.failures;
    else r.ms.push_back(ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return r;
}

struct flood_run {
  uint16_t port;
  int generator_fd;
  std::vector<uint8_t> frame;
  latency_report quiet, flooded;
  uint64_t generated = 0;
};

// The client and the generator are threads (blocking calls); the reactor serves HTTP and
// the slow path meanwhile.
task<void> flood_scenario(api::http_server& server, int listen_fd, flood_run& run) {
  std::atomic<bool> flooding{false}, done{false};
  std::thread generator([&run, &flooding, &done] {
    while (!done) {
      if (!flooding) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = run.frame.data(), .data_size_in = static_cast<__u32>(run.frame.size()),
                  .repeat = 100'000, .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
      if (bpf_prog_test_run_opts(run.generator_fd, &opts) == 0) run.generated += 100'000;
    }
  });
  std::thread client([&run, &flooding, &done] {
    run.quiet = measure_gets(run.port, 50);
    flooding = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    run.flooded = measure_gets(run.port, 200);
    done = true;
  });
  co_await when_all(server.serve(listen_fd), [](api::http_server& s, std::atomic<bool>& d) -> task<void> {
    while (!d) co_await sleep_for(std::chrono::milliseconds(10));
    co_await s.stop();
  }(server, done));
  client.join();
  generator.join();
}

TEST_P(slowpath_integration, a_flood_of_slow_path_packets_leaves_the_reactor_answering) {
  std::string g0 = testing::unique_name("pg"), d0 = testing::unique_name("pd");
  testing::run_command("ip link add " + g0 + " type veth peer name " + d0);
  struct remove_pair {
    std::string name;
    ~remove_pair() { std::system(("ip link del " + name + " >/dev/null 2>&1").c_str()); }
  } cleanup{g0};
  testing::run_command("ip link set " + g0 + " up && ip link set " + d0 + " up");
  if (type() != cube_type::xdp_drv) testing::run_command("ethtool -K " + d0 + " gro on");

  testing::test_datapath dp;
  auto opts = options();
  opts.max_in_flight = 64;
  slowpath::slow_path sp(*dp, opts);
  slowpath_probe_cube c(*dp, "flood", type());
  c.add_port("p0");
  c.add_port("p1");
  dp->connect("flood:p0", d0);
  c.set_mode(slowpath_probe_cube::mode::hold, std::chrono::milliseconds(20));  // a slow handler

  std::unique_ptr<live_generator, void (*)(live_generator*)> gen(live_generator::open(), live_generator::destroy);
  ASSERT_TRUE(gen);
  gen->rodata->out_ifindex = if_nametoindex(g0.c_str());
  ASSERT_EQ(live_generator::load(gen.get()), 0);

  api::router routes;
  api::add_version_route(routes, "test");
  api::http_server server(routes, {});
  unique_fd listener = listen_tcp("127.0.0.1", 0);
  flood_run run{bound_port(listener.get()), bpf_program__fd(gen->progs.generate),
                testing::packet().eth("02:00:00:00:94:01", "02:00:00:00:94:02").ipv4("10.94.0.1", "10.94.0.2").udp(1, 2).payload(18).build(),
                {}, {}, 0};
  testing::serve_while(sp, flood_scenario(server, listener.get(), run));

  auto stats = c.slowpath_stats();
  double quiet_p50 = run.quiet.percentile(0.5), p50 = run.flooded.percentile(0.5), p99 = run.flooded.percentile(0.99);
  std::printf("GET latency: quiet p50 %.3f ms; during a flood of %lu frames: p50 %.3f ms, p99 %.3f ms, max %.3f ms; %lu handled, %lu dropped (overload)\n",
              quiet_p50, static_cast<unsigned long>(run.generated), p50, p99, run.flooded.percentile(1.0),
              static_cast<unsigned long>(stats.packets_in), static_cast<unsigned long>(stats.overload_drops));
  ::testing::Test::RecordProperty("get_p50_quiet_us", static_cast<int>(quiet_p50 * 1000));
  ::testing::Test::RecordProperty("get_p50_flood_us", static_cast<int>(p50 * 1000));
  ::testing::Test::RecordProperty("get_p99_flood_us", static_cast<int>(p99 * 1000));
  EXPECT_EQ(run.quiet.failures, 0);
  EXPECT_EQ(run.flooded.failures, 0) << "every GET answered during the flood";
  EXPECT_LT(p99, 50.0) << "GET p99 during the flood, ms";
  EXPECT_GT(run.generated, 0u);
  EXPECT_GT(stats.packets_in, 0u) << "the cube's handler ran";
  EXPECT_GT(stats.overload_drops + stats.fastpath_drops, 0u) << "the excess was dropped and counted";
  EXPECT_LE(stats.in_flight, 64u);
}

INSTANTIATE_TEST_SUITE_P(types, slowpath_integration, ::testing::Values(cube_type::xdp_drv, cube_type::xdp_skb, cube_type::tc),
                         testing::type_name);
INSTANTIATE_TEST_SUITE_P(types, slowpath_xdp_integration, ::testing::Values(cube_type::xdp_drv, cube_type::xdp_skb), testing::type_name);

}  // namespace
}  // namespace pcn
