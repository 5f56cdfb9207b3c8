// The owning process restarts while traffic flows. A child process builds host1 - sf -
// host2 with a transparent cube thw on sf's port to host1 (and a cube `old` on a third
// netdev, with a transparent cube `gone` on its port) in a pin root and exits leaving the
// kernel state; a continuous ping runs from host1 while the test opens a datapath on the
// same root, re-creates sf and thw with their wiring and calls finish_restore(). The ping
// loses at most a few packets, forwarding goes on afterwards, thw has both its slots (one
// per direction) back, and `old` and `gone`, not re-created, are removed whole. The previous
// run was tracing sf:p1: its trace tap forwards until the new run re-wires, then its slot is
// emptied (no trace outlives its run).
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "base/unique_fd.hpp"
#include "bpf/pcn_abi.h"
#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "cubes/transparenthelloworld/transparenthelloworld.hpp"
#include "dataplane/datapath.hpp"
#include "tests/integration/hub.hpp"
#include "tests/support/netns.hpp"
#include "tests/support/test_datapath.hpp"

namespace pcn {
namespace {

using namespace std::chrono_literals;
using dataplane::cube_type;
using dataplane::port_status;
using cubes::simpleforwarder;
using cubes::transparenthelloworld;
using testing::netns;
using testing::ping;
using testing::veth_host;

class restart : public testing::hub_test {};

// A pin root that is removed when the test is done, whoever left what in it.
struct pin_root {
  std::string path = testing::unique_pin_root();
  ~pin_root() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

struct netdevs {
  std::string to_h1, to_h2, for_old;
};

void wire(dataplane::datapath& dp, simpleforwarder& sf, const netdevs& n) {
  sf.add_port("p0");
  sf.add_port("p1");
  dp.connect("sf:p0", n.to_h1);
  dp.connect("sf:p1", n.to_h2);
  sf.set_entry({"p0", simpleforwarder::action::forward, "p1"});
  sf.set_entry({"p1", simpleforwarder::action::forward, "p0"});
}

// The previous run: builds the topology and exits as a daemon that stops does, leaving
// the data plane forwarding.
void previous_run(const std::string& root, cube_type type, const netdevs& n) {
  dataplane::datapath dp({.pin_root = root});
  dp.finish_restore();
  simpleforwarder sf(dp, "sf", type);
  wire(dp, sf, n);
  transparenthelloworld thw(dp, "thw", type);
  dp.attach(thw, "sf:p0", {});
  simpleforwarder old(dp, "old", type);
  old.add_port("p0");
  dp.connect("old:p0", n.for_old);
  transparenthelloworld gone(dp, "gone", type);
  dp.attach(gone, "old:p0", {});
  pcn_trace_filter trace{};
  trace.id = 1;
  dp.start_trace("sf:p1", trace);
  dp.keep_kernel_state_on_exit();
}

// Runs previous_run() in a child process; its exit status (-1 if it had to be killed).
int run_previous_process(const std::string& root, cube_type type, const netdevs& n) {
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int rc = 0;
    try {
      previous_run(root, type, n);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "previous run: %s\n", e.what());
      rc = 1;
    }
    ::_exit(rc);
  }
  for (int i = 0; i < 1000; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(10ms);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

// A ping at 20 packets a second for five seconds (ten at most), on a thread of its own.
class continuous_ping {
 public:
  continuous_ping(const netns& from, const std::string& address)
      : _thread([this, command = "ip netns exec " + from.name() + " ping -q -i 0.05 -c 100 -w 10 " + address + " || true"] {
          try {
            _output = testing::run_command(command);
          } catch (const std::exception& e) {
            _output = e.what();
          }
        }) {}
  ~continuous_ping() { wait(); }

  // Waits for the end; the packets sent and received.
  std::pair<int, int> wait() {
    if (_thread.joinable()) _thread.join();
    int sent = -1, received = -1;
    if (auto at = _output.find("packets transmitted"); at != std::string::npos)
      std::sscanf(_output.c_str() + _output.rfind('\n', at) + 1, "%d packets transmitted, %d received", &sent, &received);
    return {sent, received};
  }
  const std::string& output() const { return _output; }

 private:
  std::string _output;
  std::thread _thread;
};

// The program id in a slot of the pinned patch panel; nullopt when the slot is empty.
std::optional<uint32_t> panel_slot(const std::string& root, dataplane::hook_family family, uint32_t slot) {
  std::string path = root + "/" + (family == dataplane::hook_family::xdp ? PCN_MAP_XDP_PANEL : PCN_MAP_TC_PANEL);
  unique_fd fd(bpf_obj_get(path.c_str()));
  if (!fd) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  uint32_t id = 0;
  if (bpf_map_lookup_elem(fd.get(), &slot, &id) == 0) return id;
  return std::nullopt;
}

TEST_P(restart, pinned_state_is_readopted_while_a_ping_runs) {
  netns h1, h2, h3;
  veth_host a(h1, "10.95.0.1/24"), b(h2, "10.95.0.2/24"), c(h3, "10.95.1.1/24");
  const netdevs n{a.outside(), b.outside(), c.outside()};
  pin_root root;
  auto family = dataplane::family_of(type());

  ASSERT_EQ(run_previous_process(root.path, type(), n), 0) << "the previous run failed";
  ASSERT_TRUE(ping(h1, "10.95.0.2")) << "nothing forwards while no process owns the data plane";
  ASSERT_NE(testing::hooks_on(c.outside_ifindex()), "");

  continuous_ping flow(h1, "10.95.0.2");
  std::this_thread::sleep_for(1s);

  // The next run: re-adopts what is pinned, re-creates sf (not old) the same way.
  dataplane::datapath dp({.pin_root = root.path});
  std::map<std::string, dataplane::previous_cube> previous;
  for (const auto& p : dp.previous_cubes()) previous.emplace(p.name, p);
  ASSERT_EQ(previous.size(), 4u);
  ASSERT_TRUE(previous.count("sf") && previous.count("old") && previous.count("thw") && previous.count("gone"));
  EXPECT_EQ(previous.at("sf").service, "simpleforwarder");
  EXPECT_EQ(previous.at("old").family, family);
  EXPECT_FALSE(previous.at("sf").egress_slot);
  ASSERT_TRUE(previous.at("thw").egress_slot && previous.at("gone").egress_slot) << "a transparent cube has a slot per direction";
  simpleforwarder sf(dp, "sf", type());
  EXPECT_EQ(sf.slot(), previous.at("sf").slot) << "sf did not get its slot back";
  wire(dp, sf, n);
  transparenthelloworld thw(dp, "thw", type());
  EXPECT_EQ(thw.panel_slot(PCN_INGRESS), previous.at("thw").slot) << "thw did not get its ingress slot back";
  EXPECT_EQ(thw.panel_slot(PCN_EGRESS), *previous.at("thw").egress_slot) << "thw did not get its egress slot back";
  dp.attach(thw, "sf:p0", {});
  dp.finish_restore();

  auto [sent, received] = flow.wait();
  ASSERT_GT(sent, 50) << flow.output();
  int lost = sent - received;
  std::printf("[ restart  ] %s: %d of %d echo requests lost across the restart\n",
              std::string(dataplane::to_string(type())).c_str(), lost, sent);
  RecordProperty("packets_lost", lost);
  EXPECT_LE(lost, 5) << flow.output();

  // Forwarding goes on, with the counters of the previous run carried over.
  EXPECT_TRUE(ping(h1, "10.95.0.2")) << "h1 -> h2 after finish_restore";
  EXPECT_TRUE(ping(h2, "10.95.0.1")) << "h2 -> h1 after finish_restore";
  EXPECT_GE(sf.find_port("p0")->counters().rx_packets, static_cast<uint64_t>(received));
  EXPECT_EQ(sf.find_port("p0")->status(), port_status::up);
  EXPECT_TRUE(panel_slot(root.path, family, sf.slot()));

  // old is gone: its panel slot, registry entry, pins and netdev entry program.
  EXPECT_TRUE(dp.previous_cubes().empty());
  EXPECT_EQ(dp.find_cube("old"), nullptr);
  EXPECT_FALSE(panel_slot(root.path, family, previous.at("old").slot)) << "old's panel slot still holds a program";
  EXPECT_EQ(dp.find_cube("gone"), nullptr);
  EXPECT_FALSE(panel_slot(root.path, family, previous.at("gone").slot)) << "gone's ingress slot still holds a program";
  EXPECT_FALSE(panel_slot(root.path, family, *previous.at("gone").egress_slot)) << "gone's egress slot still holds a program";
  for (uint8_t d : {uint8_t{PCN_INGRESS}, uint8_t{PCN_EGRESS}}) EXPECT_TRUE(panel_slot(root.path, family, thw.panel_slot(d)));
  EXPECT_FALSE(std::filesystem::exists(root.path + "/cubes/old")) << "old's pins remain";
  EXPECT_EQ(testing::hooks_on(c.outside_ifindex()), "") << c.outside() << " still runs the entry program for old";
  EXPECT_FALSE(dp.entry_hop(c.outside()));
  EXPECT_NE(testing::hooks_on(a.outside_ifindex()), "");

  // The panel holds sf and thw and nothing else: the previous run's trace tap went too.
  int programs = 0;
  for (uint32_t slot = 0; slot < PCN_MAX_CUBES; ++slot) programs += panel_slot(root.path, family, slot).has_value();
  EXPECT_EQ(programs, 3) << "sf, thw ingress and thw egress";
}

// An entry program of the previous run that leads where this run's would is kept (not
// loaded again): re-adopting a thousand cubes otherwise loads two thousand programs. One
// whose hop changes is still replaced.
TEST_P(restart, an_entry_program_that_still_fits_is_kept) {
  netns h1, h2;
  veth_host a(h1, "10.95.3.1/24"), b(h2, "10.95.3.2/24");
  testing::test_datapath dp;
  auto sf = std::make_unique<simpleforwarder>(*dp, "sf", type());
  wire(*dp, *sf, {a.outside(), b.outside(), ""});
  const std::string hooks_a = testing::hooks_on(a.outside_ifindex()), hooks_b = testing::hooks_on(b.outside_ifindex());
  ASSERT_NE(hooks_a, "");
  const auto hop_a = dp->entry_hop(a.outside());
  ASSERT_TRUE(hop_a);

  dp->keep_kernel_state_on_exit();
  sf.reset();
  dp.restart();
  EXPECT_EQ(dp->entry_hop(a.outside()).value_or(pcn_hop{}).target, hop_a->target) << "the hop was not read back";
  sf = std::make_unique<simpleforwarder>(*dp, "sf", type());
  wire(*dp, *sf, {a.outside(), b.outside(), ""});
  dp->finish_restore();
  EXPECT_EQ(testing::hooks_on(a.outside_ifindex()), hooks_a) << "loaded again although it leads to the same hop";
  EXPECT_EQ(testing::hooks_on(b.outside_ifindex()), hooks_b) << "loaded again although it leads to the same hop";
  EXPECT_TRUE(ping(h1, "10.95.3.2"));

  transparenthelloworld thw(*dp, "thw", type());
  dp->attach(thw, a.outside(), {});
  EXPECT_NE(testing::hooks_on(a.outside_ifindex()), hooks_a) << "not replaced although its hop changed";
  EXPECT_EQ(dp->entry_hop(a.outside()).value_or(pcn_hop{}).kind, PCN_HOP_TRANSPARENT);
  EXPECT_TRUE(ping(h1, "10.95.3.2"));
}

// Re-adoption (and cleaning) is by pin root: a datapath on another root in the same
// namespace — a second daemon, a test — leaves the netdevs of this one alone.
TEST_P(restart, a_datapath_on_another_pin_root_leaves_the_netdevs_alone) {
  netns h1, h2;
  veth_host a(h1, "10.95.2.1/24"), b(h2, "10.95.2.2/24");
  testing::test_datapath dp;
  simpleforwarder sf(*dp, "sf", type());
  wire(*dp, sf, {a.outside(), b.outside(), ""});
  const std::string hooks = testing::hooks_on(a.outside_ifindex());
  ASSERT_NE(hooks, "");

  pin_root other_root;
  for (bool clean : {false, true}) {  // the second time, with state of its own to clean
    dataplane::datapath other({.pin_root = other_root.path, .clean = clean});
    other.finish_restore();
    EXPECT_EQ(testing::hooks_on(a.outside_ifindex()), hooks) << "after a " << (clean ? "clean" : "plain")
                                                             << " start of a datapath on another pin root";
  }
  EXPECT_TRUE(ping(h1, "10.95.2.2"));
}

// A restart on a data plane pinned by a build whose port counters were a per-CPU array:
// the cube re-adopts its state, its counts carried into the current layout.
TEST_P(restart, port_counters_of_the_older_layout_are_carried_over) {
  testing::test_datapath dp;
  const std::string pinned = dp.root() + "/cubes/sf/cube_port_stats";  // datapath::cube_pin_dir
  {
    simpleforwarder sf(*dp, "sf", type());
    dp->keep_kernel_state_on_exit();
  }
  // What the older build left: a per-CPU array, port 1 counted on every CPU.
  ASSERT_EQ(::unlink(pinned.c_str()), 0);
  unique_fd older(bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "cube_port_stats", sizeof(uint32_t), sizeof(pcn_port_stats), PCN_MAX_PORTS, nullptr));
  ASSERT_TRUE(older);
  unsigned cpus = dataplane::detail::possible_cpus();
  std::vector<pcn_port_stats> per_cpu(cpus, pcn_port_stats{3, 300, 1, 100});
  uint32_t port = 1;
  ASSERT_EQ(bpf_map_update_elem(older.get(), &port, per_cpu.data(), BPF_ANY), 0);
  ASSERT_EQ(bpf_obj_pin(older.get(), pinned.c_str()), 0);

  dp.restart();
  simpleforwarder sf(*dp, "sf", type());
  dp->finish_restore();
  sf.add_port("p0");
  sf.add_port("p1");
  auto c = sf.find_port("p1")->counters();
  EXPECT_EQ(c.rx_packets, 3u * cpus);
  EXPECT_EQ(c.rx_bytes, 300u * cpus);
  EXPECT_EQ(c.tx_packets, 1u * cpus);
  EXPECT_EQ(c.tx_bytes, 100u * cpus);
  EXPECT_EQ(sf.find_port("p0")->counters().rx_packets, 0u);
  bpf_map_info info{};
  uint32_t len = sizeof info;
  unique_fd now(bpf_obj_get(pinned.c_str()));
  ASSERT_TRUE(now);
  ASSERT_EQ(bpf_obj_get_info_by_fd(now.get(), &info, &len), 0);
  EXPECT_EQ(info.type, BPF_MAP_TYPE_ARRAY) << "the pin is the current layout now";
}

INSTANTIATE_TEST_SUITE_P(types, restart, ::testing::Values(cube_type::xdp_drv, cube_type::xdp_skb, cube_type::tc),
                         testing::type_name);

}  // namespace
}  // namespace pcn
