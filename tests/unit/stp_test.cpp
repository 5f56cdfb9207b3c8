// The bridge's spanning tree (cubes/bridge/stp.hpp) as pure logic: bridges wired into
// topologies with loops, BPDUs carried between them, time driven by the test.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "cubes/bridge/stp.hpp"

namespace pcn::cubes::stp {
namespace {

using std::chrono::milliseconds;

// Bridges whose ports are linked in pairs; BPDUs cross a link unless it is cut.
class network {
 public:
  explicit network(bridge_parameters params = fast()) : _params(params) {}

  static bridge_parameters fast() {
    bridge_parameters p;
    p.hello_time = seconds(1);
    p.max_age = seconds(6);
    p.forward_delay = seconds(4);
    return p;
  }

  size_t add_bridge(uint8_t last_mac_byte, uint16_t priority = 32768) {
    bridge_parameters p = _params;
    p.priority = priority;
    _bridges.push_back(std::make_unique<spanning_tree>(l2::mac_address{0x02, 0, 0, 0, 0, last_mac_byte}, p));
    return _bridges.size() - 1;
  }
  spanning_tree& operator[](size_t b) { return *_bridges.at(b); }

  void link(size_t b1, uint16_t p1, size_t b2, uint16_t p2) {
    _links[{b1, p1}] = {b2, p2};
    _links[{b2, p2}] = {b1, p1};
    _bridges[b1]->set_port(p1, {}, true, _now);
    _bridges[b2]->set_port(p2, {}, true, _now);
    deliver();
  }
  // The link goes down: both ends see it (carrier loss).
  void cut(size_t b1, uint16_t p1) {
    auto [b2, p2] = _links.at({b1, p1});
    _links.erase({b1, p1});
    _links.erase({b2, p2});
    _bridges[b1]->set_port(p1, {}, false, _now);
    _bridges[b2]->set_port(p2, {}, false, _now);
    deliver();
  }
  // The bridge stops sending (it died without its links going down).
  void silence(size_t b) { _silent.insert(b); }

  void run_for(milliseconds d, milliseconds step = milliseconds(250)) {
    for (auto end = _now + d; _now < end;) {
      _now += step;
      for (auto& b : _bridges) b->tick(_now);
      deliver();
    }
  }
  size_t bpdus_sent() const { return _sent; }

  size_t count(port_state s) const {
    size_t n = 0;
    for (const auto& [end, other] : _links)
      if ((*_bridges[end.first]).state(end.second) == s) ++n;
    return n;
  }

 private:
  void deliver() {
    for (int round = 0; round < 32; ++round) {
      bool any = false;
      for (size_t b = 0; b < _bridges.size(); ++b)
        for (auto& out : _bridges[b]->take_outgoing()) {
          if (_silent.contains(b)) continue;
          ++_sent;
          auto it = _links.find({b, out.port});
          if (it == _links.end()) continue;
          _bridges[it->second.first]->receive(it->second.second, out.frame, _now);
          any = true;
        }
      if (!any) return;
    }
  }

  bridge_parameters _params;
  std::vector<std::unique_ptr<spanning_tree>> _bridges;
  std::map<std::pair<size_t, uint16_t>, std::pair<size_t, uint16_t>> _links;
  std::set<size_t> _silent;
  time_point _now{};
  size_t _sent = 0;
};

TEST(spanning_tree, bpdus_are_802_1d_configuration_frames) {
  spanning_tree t({0x02, 0, 0, 0, 0, 1}, network::fast());
  t.set_port(0, {}, true, time_point{});
  t.tick(time_point{});
  auto out = t.take_outgoing();
  ASSERT_EQ(out.size(), 1u);
  const auto& f = out[0].frame;
  ASSERT_EQ(f.size(), 60u);
  EXPECT_EQ((std::vector<uint8_t>(f.begin(), f.begin() + 6)), (std::vector<uint8_t>{0x01, 0x80, 0xc2, 0, 0, 0}));
  EXPECT_EQ(f[12] << 8 | f[13], 38) << "802.3 length: LLC + 35 bytes";
  EXPECT_EQ(f[14], 0x42);
  EXPECT_EQ(f[15], 0x42);
  EXPECT_EQ(f[16], 0x03);
  EXPECT_EQ(f[20], 0x00) << "configuration BPDU";
  EXPECT_EQ(f[22], 0x80) << "root: priority 32768";
  EXPECT_EQ(f[29], 0x01) << "root: our mac";
  EXPECT_EQ(f[42] << 8 | f[43], 0x8001) << "port identifier: priority 128, port 1";
  EXPECT_EQ(f[44] << 8 | f[45], 0) << "message age: we are the root";
  EXPECT_EQ(f[46] << 8 | f[47], 6 * 256) << "max age in 1/256 s";
  EXPECT_EQ(t.state(0), port_state::listening);
  EXPECT_EQ(spanning_tree::format_id(t.bridge_id()), "8000.020000000001");
}

TEST(spanning_tree, two_links_between_two_bridges_block_one_port) {
  network n;
  size_t a = n.add_bridge(1), b = n.add_bridge(2);
  n.link(a, 0, b, 0);
  n.link(a, 1, b, 1);
  n.run_for(milliseconds(10'000));
  EXPECT_TRUE(n[a].is_root());
  EXPECT_FALSE(n[b].is_root());
  EXPECT_EQ(n[b].root_id(), n[a].bridge_id());
  EXPECT_EQ(n[b].root_port(), 0) << "the lower port identifier of the root breaks the tie";
  EXPECT_EQ(n[a].state(0), port_state::forwarding);
  EXPECT_EQ(n[a].state(1), port_state::forwarding);
  EXPECT_EQ(n[b].state(0), port_state::forwarding);
  EXPECT_EQ(n[b].state(1), port_state::blocking);
  EXPECT_EQ(n[b].role(1), port_role::alternate);
}

TEST(spanning_tree, a_triangle_converges_and_heals_when_a_link_goes) {
  network n;
  size_t a = n.add_bridge(3), b = n.add_bridge(1, 4096), c = n.add_bridge(2);
  n.link(a, 0, b, 0);
  n.link(b, 1, c, 0);
  n.link(c, 1, a, 1);
  // Nothing forwards before two forward delays: no loop while the tree forms.
  n.run_for(milliseconds(7'000));
  EXPECT_EQ(n.count(port_state::forwarding), 0u);
  n.run_for(milliseconds(5'000));
  EXPECT_TRUE(n[b].is_root()) << "the lowest priority wins";
  EXPECT_EQ(n.count(port_state::blocking), 1u);
  EXPECT_EQ(n.count(port_state::forwarding), 5u);
  // a and c both reach the root directly; on the a-c link the better bridge (c, lower mac)
  // is designated, a's end blocks.
  EXPECT_EQ(n[a].state(1), port_state::blocking);
  EXPECT_EQ(n[c].role(1), port_role::designated);
  // Each bridge keeps sending hellos, and no more than that.
  size_t before = n.bpdus_sent();
  n.run_for(milliseconds(10'000));
  EXPECT_LE(n.bpdus_sent() - before, 60u);

  n.cut(a, 0);
  EXPECT_EQ(n[a].root_port(), 1) << "a reaches the root through c now";
  n.run_for(milliseconds(9'000));
  EXPECT_EQ(n[a].state(1), port_state::forwarding);
  EXPECT_EQ(n.count(port_state::blocking), 0u);
}

TEST(spanning_tree, a_silent_root_ages_out_and_another_is_elected) {
  network n;
  size_t a = n.add_bridge(1), b = n.add_bridge(2), c = n.add_bridge(3);
  n.link(a, 0, b, 0);
  n.link(b, 1, c, 0);
  n.run_for(milliseconds(10'000));
  ASSERT_EQ(n[c].root_id(), n[a].bridge_id());
  n.silence(a);
  n.run_for(milliseconds(8'000));  // past max age
  EXPECT_TRUE(n[b].is_root());
  EXPECT_EQ(n[c].root_id(), n[b].bridge_id());
}

TEST(spanning_tree, topology_changes_reach_the_root_and_every_bridge_flushes) {
  network n;
  size_t a = n.add_bridge(1), b = n.add_bridge(2), c = n.add_bridge(3);
  n.link(a, 0, b, 0);
  n.link(b, 1, c, 0);
  n.run_for(milliseconds(12'000));
  for (size_t x : {a, b, c}) n[x].take_topology_change();
  // A new link at c, far from the root: c tells b (TCN), b tells a, a sets the flag in its
  // BPDUs and everyone forgets what it learned.
  n.link(c, 1, n.add_bridge(4), 0);
  n.run_for(milliseconds(10'000));
  EXPECT_TRUE(n[a].take_topology_change());
  EXPECT_TRUE(n[b].take_topology_change());
  EXPECT_TRUE(n[c].take_topology_change());
}

TEST(spanning_tree, a_disabled_port_is_left_out) {
  network n;
  size_t a = n.add_bridge(1);
  n[a].set_port(5, {}, false, time_point{});
  EXPECT_EQ(n[a].state(5), port_state::disabled);
  EXPECT_EQ(n[a].role(5), port_role::disabled);
  n.run_for(milliseconds(2'000));
  EXPECT_TRUE(n[a].take_outgoing().empty());
}

}  // namespace
}  // namespace pcn::cubes::stp
