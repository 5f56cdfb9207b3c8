// A change rewires only the attach points it touches and their neighbours. This checks
// that nothing outside that scope ever needed rewiring: after each of a long random series
// of changes (connections, disconnections, attachments, ports added and removed, refused
// changes among them), a full rewire of the whole topology (finish_restore() runs one)
// must find the kernel already as it should be, and a refused change must have left it
// as it was.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "dataplane/datapath.hpp"
#include "dataplane/table.hpp"
#include "tests/integration/hub.hpp"
#include "tests/support/netns.hpp"
#include "tests/support/probe_cube.hpp"
#include "tests/support/test_datapath.hpp"

namespace pcn {
namespace {

using dataplane::chain_position;
using dataplane::topology_error;

class incremental_rewire : public testing::hub_test {};

std::string text(const std::optional<pcn_hop>& h) {
  if (!h) return "none";
  return fmt::format("{}/{}/{}/{}", h->kind, h->target, h->port, h->direction);
}

// Everything the topology put into the kernel, and the model's view of it, as text.
std::string wiring(dataplane::datapath& dp, const std::vector<std::unique_ptr<testing::veth_host>>& veths) {
  std::string out;
  for (auto* c : dp.cubes()) {
    if (auto* standard = dynamic_cast<dataplane::cube*>(c)) {
      auto table = c->get_table<uint32_t, pcn_hop>("cube_ports");
      for (auto* p : standard->ports())
        out += fmt::format("port {} peer '{}' {} entry {}\n", p->path(), p->peer(), p->status() == dataplane::port_status::up ? "up" : "down",
                           text(table.get(p->index())));
    } else {
      auto* t = dynamic_cast<dataplane::transparent_cube*>(c);
      out += fmt::format("{} on '{}' next {} {}\n", t->name(), t->parent(), text(t->next_hops()[PCN_INGRESS]), text(t->next_hops()[PCN_EGRESS]));
    }
  }
  dataplane::table<uint32_t, bpf_devmap_val> devmap(dp.framework_map_fd(PCN_MAP_DEVMAP), PCN_MAP_DEVMAP);
  for (const auto& v : veths) {
    const std::string& n = v->outside();
    auto slot = devmap.get(static_cast<uint32_t>(v->outside_ifindex()));
    std::string chain;
    for (auto* t : dp.chain_of(n)) chain += t->name() + " ";
    out += fmt::format("netdev {} ingress {} egress {} devmap {} chain [{}] hooks {}\n", n, text(dp.entry_hop(n)),
                       text(dp.entry_hop(n, dataplane::tc_direction::egress)), slot ? std::to_string(slot->ifindex) : "-", chain,
                       testing::hooks_on(v->outside_ifindex()));
  }
  for (const auto& [n, family] : dp.netdevs_in_use()) out += "in use " + n + "\n";
  return out;
}

TEST_P(incremental_rewire, a_full_rewire_after_any_change_finds_nothing_to_do) {
  testing::netns hosts;
  std::vector<std::unique_ptr<testing::veth_host>> veths;
  for (int i = 0; i < 4; ++i) veths.push_back(std::make_unique<testing::veth_host>(hosts, fmt::format("10.96.{}.1/24", i)));
  testing::test_datapath dp;
  std::vector<std::unique_ptr<cubes::simpleforwarder>> forwarders;
  for (int i = 0; i < 3; ++i) {
    forwarders.push_back(std::make_unique<cubes::simpleforwarder>(*dp, fmt::format("sf{}", i), type()));
    forwarders.back()->add_port("p0");
    forwarders.back()->add_port("p1");
  }
  std::vector<std::unique_ptr<testing::probe_cube>> probes;
  for (int i = 0; i < 3; ++i) probes.push_back(std::make_unique<testing::probe_cube>(*dp, fmt::format("t{}", i), type(), i + 1));

  std::mt19937 random(20261122);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random); };
  auto any_port = [&] { return fmt::format("sf{}:p{}", pick(3), pick(4) ? pick(2) : 2); };  // p2 only now and then exists
  auto any_netdev = [&] { return veths[pick(veths.size())]->outside(); };
  auto connected_ports = [&] {
    std::vector<dataplane::port*> out;
    for (auto& sf : forwarders)
      for (auto* p : sf->ports())
        if (!p->peer().empty()) out.push_back(p);
    return out;
  };
  auto any_parent = [&] {
    auto connected = connected_ports();
    switch (pick(3)) {
      case 0: return any_netdev();
      case 1: return connected.empty() ? any_port() : connected[pick(connected.size())]->path();
      default: return any_port();
    }
  };

  constexpr int changes = 400;
  int refused = 0, attached_to_connected_ports = 0, connected_ports_with_chains = 0;
  for (int i = 0; i < changes; ++i) {
    std::string before = wiring(*dp, veths), what;
    try {
      size_t kind = pick(20);
      if (kind < 5) {
        std::string port = any_port();
        what = "connect " + port + " to a netdev";
        dp->connect(port, any_netdev());
        if (!dp->chain_of(port).empty()) ++connected_ports_with_chains;
      } else if (kind < 8) {
        what = "connect two ports";
        dp->connect(any_port(), any_port());
      } else if (kind < 11) {
        auto connected = connected_ports();
        if (connected.empty()) continue;
        auto* p = connected[pick(connected.size())];
        what = "disconnect " + p->path();
        dp->disconnect(p->path(), p->peer());
      } else if (kind < 16) {
        auto& t = *probes[pick(probes.size())];
        if (!t.parent().empty()) {
          what = "detach " + t.name();
          dp->detach(t);
        } else {
          std::string parent = any_parent();
          what = "attach " + t.name() + " to " + parent;
          dp->attach(t, parent, {pick(2) ? chain_position::kind::first : chain_position::kind::last, ""});
          if (auto* p = dp->find_port(parent); p && !p->peer().empty()) ++attached_to_connected_ports;
        }
      } else if (kind < 19) {
        auto& sf = *forwarders[pick(forwarders.size())];
        std::string name = fmt::format("p{}", pick(3));
        what = "add or remove " + sf.name() + ":" + name;
        if (sf.find_port(name)) sf.remove_port(name);
        else sf.add_port(name);
      } else {
        auto& sf = forwarders[pick(forwarders.size())];
        std::string name = sf->name();
        what = "delete and re-create " + name;
        sf.reset();
        sf = std::make_unique<cubes::simpleforwarder>(*dp, name, type());
        sf->add_port("p0");
        sf->add_port("p1");
      }
    } catch (const topology_error& e) {
      ++refused;
      EXPECT_EQ(wiring(*dp, veths), before) << "change " << i << " (" << what << ") was refused (" << e.what() << ") but changed the wiring";
    }
    std::string incremental = wiring(*dp, veths);
    dp->finish_restore();  // rewires the whole topology
    ASSERT_EQ(wiring(*dp, veths), incremental) << "change " << i << " (" << what << ") left the wiring incomplete";
  }
  // The series exercised both outcomes, and changes whose effects reach a neighbour.
  EXPECT_GT(refused, 10);
  EXPECT_LT(refused, changes / 2);
  EXPECT_GT(attached_to_connected_ports, 5);
  EXPECT_GT(connected_ports_with_chains, 5);
}

INSTANTIATE_TEST_SUITE_P(types, incremental_rewire,
                         ::testing::Values(dataplane::cube_type::tc, dataplane::cube_type::xdp_skb, dataplane::cube_type::xdp_drv),
                         testing::type_name);

}  // namespace
}  // namespace pcn
