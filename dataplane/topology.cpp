// The topology of the datapath and its compilation into hops.
//
// Every attach point (a cube port, or a netdev) has an ordered chain of transparent cubes,
// first = outermost. Packets cross a chain in order towards the owner (the cube, or the
// stack for a netdev) and in reverse order away from it:
//
//   port C:p   inbound : t1 -> ... -> tk -> cube C (in_port p)
//              outbound: tk -> ... -> t1 -> peer side (a netdev's egress, or the peer
//                                            port's inbound lane), or drop
//   netdev N   ingress : n1 -> ... -> nk -> the port connected to N (its inbound lane), or the stack
//              egress  : nk -> ... -> n1 -> the wire (XDP: redirect to N; TC: the egress
//                                            hook continues)
//
// The first hop of each outbound lane is what a cube's port table holds; the first hop of a
// netdev's lanes is a load-time constant of the entry program on that netdev, and every
// transparent cube's successor in each direction one of that cube's (so that these tail
// calls are direct jumps).
#include <net/if.h>

#include <algorithm>
#include <array>

#include "dataplane/datapath.hpp"

namespace pcn::dataplane {
namespace {

pcn_hop hop(uint8_t kind, uint32_t target = 0, uint16_t port = 0, uint8_t direction = PCN_INGRESS) {
  pcn_hop h{};
  h.kind = kind;
  h.target = target;
  h.port = port;
  h.direction = direction;
  return h;
}

bool same(const pcn_hop& a, const pcn_hop& b) {
  return a.kind == b.kind && a.target == b.target && a.port == b.port && a.direction == b.direction;
}

[[noreturn]] void fail(topology_error::kind k, const std::string& message) { throw topology_error(k, message); }

}  // namespace

// ---------------------------------------------------------------- model queries

datapath::netdev_ref datapath::resolve_netdev(const std::string& name) const {
  unsigned ifindex = if_nametoindex(name.c_str());
  if (ifindex == 0) fail(topology_error::kind::not_found, "netdev " + name + " does not exist");
  return {static_cast<int>(ifindex), name};
}

port* datapath::port_connected_to(const std::string& netdev) const {
  auto it = _port_by_peer.find(netdev);
  return it == _port_by_peer.end() ? nullptr : it->second;
}

port* datapath::linked_peer(const port& p) const {
  if (!is_cube_port_name(p.peer())) return nullptr;
  port* q = find_port(p.peer());
  return q && q->peer() == p.path() ? q : nullptr;
}

std::optional<hook_family> datapath::netdev_family(const std::string& netdev) const {
  if (port* p = port_connected_to(netdev)) return p->owner().family();
  auto it = _chains.find(netdev);
  if (it != _chains.end() && !it->second.empty()) return it->second.front()->family();
  return std::nullopt;
}

xdp_mode datapath::netdev_xdp_mode(const std::string& netdev) const {
  const cube_base* decider = nullptr;
  if (port* p = port_connected_to(netdev)) decider = &p->owner();
  else if (auto it = _chains.find(netdev); it != _chains.end() && !it->second.empty()) decider = it->second.front();
  return decider && decider->type() == cube_type::xdp_drv ? xdp_mode::native : xdp_mode::skb;
}

// Every cube that runs on one netdev's entry program must agree on the hook (and, for
// XDP, on native vs generic mode).
void datapath::validate_netdev_use(const std::string& netdev) const {
  std::vector<const cube_base*> users;
  if (port* p = port_connected_to(netdev)) users.push_back(&p->owner());
  for (auto* t : chain_of(netdev)) users.push_back(t);
  for (const cube_base* u : users) {
    if (u->type() != users.front()->type())
      fail(topology_error::kind::invalid, "netdev " + netdev + " would carry a " + std::string(to_string(users.front()->type())) +
                                              " cube (" + users.front()->name() + ") and a " + std::string(to_string(u->type())) +
                                              " cube (" + u->name() + "): cubes on one netdev must share their type");
  }
}

// ---------------------------------------------------------------- lanes

pcn_hop datapath::cube_hop(const port& p) const { return hop(PCN_HOP_CUBE, p.owner().slot(), p.index()); }

// Into the instance of t for that direction: its slot says the direction, nothing else
// travels with the packet.
pcn_hop datapath::cube_hop(const transparent_cube& t, uint8_t direction) const {
  return hop(PCN_HOP_TRANSPARENT, t.panel_slot(direction), 0, direction);
}

pcn_hop datapath::inbound_head(const port& p) const {
  // (A tap whose trace is not, or no longer, wanted is being set up or undone: bypassed.)
  if (_trace_taps.empty()) return inbound_lane(p);
  if (auto tap = _trace_taps.find(p.path()); tap != _trace_taps.end() && _traces.contains(p.path()))
    return hop(PCN_HOP_TRANSPARENT, tap->second.slot, 0, PCN_INGRESS);
  return inbound_lane(p);
}

// Into p's cube through p: its transparent cubes first.
pcn_hop datapath::inbound_lane(const port& p) const {
  if (_chains.empty()) return cube_hop(p);
  auto chain = chain_of(p.path());
  return chain.empty() ? cube_hop(p) : cube_hop(*chain.front(), PCN_INGRESS);
}

pcn_hop datapath::outbound_continuation(const port& p) const {
  if (p.peer().empty()) return hop(PCN_HOP_DROP);
  if (is_cube_port_name(p.peer())) {
    port* q = linked_peer(p);
    return q ? inbound_head(*q) : hop(PCN_HOP_DROP);
  }
  auto it = _netdevs.find(p.peer());
  if (it == _netdevs.end() || it->second.ifindex == 0) return hop(PCN_HOP_DROP);
  // TC: the egress hook of the netdev runs its chain; XDP has none, so its chain comes first.
  return p.owner().family() == hook_family::tc ? hop(PCN_HOP_NETDEV, static_cast<uint32_t>(it->second.ifindex))
                                               : egress_head(p.peer());
}

pcn_hop datapath::outbound_head(const port& p) const {
  if (_chains.empty()) return outbound_continuation(p);
  auto chain = chain_of(p.path());
  return chain.empty() ? outbound_continuation(p) : cube_hop(*chain.back(), PCN_EGRESS);
}

pcn_hop datapath::ingress_continuation(const std::string& netdev) const {
  if (port* p = port_connected_to(netdev)) return inbound_head(*p);
  return hop(PCN_HOP_STACK);
}

pcn_hop datapath::ingress_head(const std::string& netdev) const {
  auto chain = chain_of(netdev);
  return chain.empty() ? ingress_continuation(netdev) : cube_hop(*chain.front(), PCN_INGRESS);
}

pcn_hop datapath::egress_end(const std::string& netdev) const {
  auto family = netdev_family(netdev);
  if (family == hook_family::xdp) return hop(PCN_HOP_NETDEV, static_cast<uint32_t>(_netdevs.at(netdev).ifindex));
  return hop(PCN_HOP_STACK);  // TC egress hook: let the kernel transmit
}

pcn_hop datapath::egress_head(const std::string& netdev) const {
  auto chain = chain_of(netdev);
  return chain.empty() ? egress_end(netdev) : cube_hop(*chain.back(), PCN_EGRESS);
}

// ---------------------------------------------------------------- changes

std::set<std::string, std::less<>> datapath::with_neighbours(const std::set<std::string, std::less<>>& points) const {
  auto out = points;
  for (const auto& point : points) {
    if (is_cube_port_name(point))
      if (port* p = find_port(point); p && !p->peer().empty()) out.insert(p->peer());
    if (port* p = port_connected_to(point)) out.insert(p->path());
  }
  return out;
}

void datapath::unindex_peer(const port& p) {
  if (auto it = _port_by_peer.find(p.peer()); it != _port_by_peer.end() && it->second == &p) _port_by_peer.erase(it);
}

void datapath::assign_peer(port& p, std::string peer) {
  unindex_peer(p);
  p._peer = std::move(peer);
  if (!p._peer.empty()) _port_by_peer[p._peer] = &p;
  p._owner->framework_state_changed();
}

void datapath::forget_ports(const cube& c) {
  for (port* p : c.ports()) unindex_peer(*p);
}

// What a change may alter, as it was: the state of the attach points it touches.
struct datapath::topology_snapshot {
  std::vector<std::pair<port*, std::string>> peers;
  std::map<std::string, std::optional<std::vector<transparent_cube*>>> chains;
  std::map<std::string, std::optional<netdev_ref>> netdevs;
  std::vector<std::pair<transparent_cube*, std::string>> parents;
};

datapath::topology_snapshot datapath::snapshot(const change_scope& scope) const {
  topology_snapshot s;
  for (const auto& point : scope.points) {
    if (is_cube_port_name(point)) {
      if (port* p = find_port(point)) s.peers.emplace_back(p, p->peer());
    } else {
      auto n = _netdevs.find(point);
      s.netdevs[point] = n == _netdevs.end() ? std::nullopt : std::optional(n->second);
    }
    auto c = _chains.find(point);
    s.chains[point] = c == _chains.end() ? std::nullopt : std::optional(c->second);
  }
  for (auto* t : scope.moved) s.parents.emplace_back(t, t->parent());
  return s;
}

void datapath::restore(const topology_snapshot& s) {
  // Every peer let go first: on the way back no two ports ever name the same peer.
  for (const auto& [p, peer] : s.peers) assign_peer(*p, "");
  for (const auto& [p, peer] : s.peers) assign_peer(*p, peer);
  for (const auto& [t, parent] : s.parents) t->_parent = parent;
  for (const auto& [point, chain] : s.chains)
    if (chain) _chains[point] = *chain;
    else _chains.erase(point);
  for (const auto& [name, ref] : s.netdevs)
    if (ref) _netdevs[name] = *ref;
    else _netdevs.erase(name);
}

// Applies a change to the model and to the kernel, or to neither. `scope` names what the
// mutation may touch (see change_scope).
template <typename Mutation>
void datapath::change(const change_scope& scope, Mutation mutate) {
  change_scope rewired{with_neighbours(scope.points), scope.moved};
  topology_snapshot before = snapshot(scope);
  try {
    // A mutation may refuse half-way (after letting go of an old peer): undone like a
    // rewiring the kernel refuses.
    mutate();
    rewired.points.merge(with_neighbours(scope.points));
    rewire(rewired);
  } catch (...) {
    restore(before);
    try {
      rewire(rewired);
    } catch (const std::exception& e) {
      log::error("datapath: restoring the previous wiring failed: {}", e.what());
    }
    throw;
  }
}

void datapath::set_peer(port& p, const std::string& peer) {
  if (peer == p.peer()) return;
  change_scope scope{{p.path()}, {}};
  for (const auto* point : {&p.peer(), &peer})
    if (!point->empty()) scope.points.insert(*point);
  change(scope, [&] {
    if (port* old = linked_peer(p)) assign_peer(*old, "");
    assign_peer(p, "");
    if (peer.empty()) return;
    if (is_cube_port_name(peer)) {
      port* q = find_port(peer);
      if (!q) fail(topology_error::kind::not_found, "connect " + p.path() + " to " + peer + ": port " + peer + " does not exist");
      if (q == &p) fail(topology_error::kind::invalid, "connect " + p.path() + ": a port cannot be its own peer");
      if (!q->peer().empty() && q->peer() != p.path())
        fail(topology_error::kind::conflict, "connect " + p.path() + " to " + peer + ": " + peer + " is connected to " + q->peer());
      if (q->owner().family() != p.owner().family())
        fail(topology_error::kind::invalid, "connect " + p.path() + " to " + peer + ": a " + std::string(to_string(p.owner().family())) +
                                                " cube cannot be connected to a " + std::string(to_string(q->owner().family())) + " cube");
      assign_peer(p, peer);
      assign_peer(*q, p.path());
      return;
    }
    if (port* other = port_connected_to(peer); other && other != &p)
      fail(topology_error::kind::conflict, "connect " + p.path() + " to " + peer + ": netdev " + peer + " is connected to " + other->path());
    _netdevs[peer] = resolve_netdev(peer);
    assign_peer(p, peer);
    validate_netdev_use(peer);
  });
}

void datapath::connect(const std::string& peer1, const std::string& peer2) {
  port* a = is_cube_port_name(peer1) ? find_port(peer1) : nullptr;
  port* b = is_cube_port_name(peer2) ? find_port(peer2) : nullptr;
  for (const auto* name : {&peer1, &peer2})
    if (is_cube_port_name(*name) && !find_port(*name))
      fail(topology_error::kind::not_found, "connect " + peer1 + " " + peer2 + ": port " + *name + " does not exist");
  if (!a && !b) fail(topology_error::kind::invalid, "connect " + peer1 + " " + peer2 + ": at least one peer must be a cube port (cube:port)");
  if (a && b) {
    for (port* p : {a, b}) {
      port* other = p == a ? b : a;
      if (!p->peer().empty() && p->peer() != other->path())
        fail(topology_error::kind::conflict, "connect " + peer1 + " " + peer2 + ": " + p->path() + " is connected to " + p->peer());
    }
    set_peer(*a, b->path());
    return;
  }
  port* p = a ? a : b;
  const std::string& netdev = a ? peer2 : peer1;
  if (!p->peer().empty() && p->peer() != netdev)
    fail(topology_error::kind::conflict, "connect " + peer1 + " " + peer2 + ": " + p->path() + " is connected to " + p->peer());
  set_peer(*p, netdev);
}

void datapath::disconnect(const std::string& peer1, const std::string& peer2) {
  port* a = is_cube_port_name(peer1) ? find_port(peer1) : nullptr;
  port* b = is_cube_port_name(peer2) ? find_port(peer2) : nullptr;
  port* p = a ? a : b;
  const std::string& other = a ? peer2 : peer1;
  if (!p) fail(topology_error::kind::not_found, "disconnect " + peer1 + " " + peer2 + ": neither is an existing cube port");
  if (p->peer() != other) fail(topology_error::kind::invalid, "disconnect " + peer1 + " " + peer2 + ": they are not connected");
  set_peer(*p, "");
}

void datapath::attach(transparent_cube& t, const std::string& parent, const chain_position& position) {
  std::string what = "attach " + t.name() + " to " + parent;
  if (!t.parent().empty()) fail(topology_error::kind::conflict, what + ": " + t.name() + " is already attached to " + t.parent());
  change({{parent}, {&t}}, [&] {
    if (is_cube_port_name(parent)) {
      port* p = find_port(parent);
      if (!p) fail(topology_error::kind::not_found, what + ": port " + parent + " does not exist");
      if (p->owner().family() != t.family())
        fail(topology_error::kind::invalid, what + ": " + t.name() + " is a " + std::string(to_string(t.type())) + " cube and " +
                                                p->owner().name() + " a " + std::string(to_string(p->owner().type())) + " cube");
    } else {
      _netdevs[parent] = resolve_netdev(parent);
    }
    auto& chain = _chains[parent];
    auto at = chain.end();
    if (position.where == chain_position::kind::first) at = chain.begin();
    if (position.where == chain_position::kind::before || position.where == chain_position::kind::after) {
      at = std::find_if(chain.begin(), chain.end(), [&](transparent_cube* c) { return c->name() == position.other; });
      if (at == chain.end()) fail(topology_error::kind::not_found, what + ": " + position.other + " is not attached to " + parent);
      if (position.where == chain_position::kind::after) ++at;
    }
    chain.insert(at, &t);
    t._parent = parent;
    if (!is_cube_port_name(parent)) validate_netdev_use(parent);
  });
}

void datapath::detach(transparent_cube& t) {
  if (t.parent().empty()) fail(topology_error::kind::invalid, "detach " + t.name() + ": it is not attached");
  if (_keep_kernel_state) return;
  change({{t.parent()}, {&t}}, [&] {
    auto& chain = _chains[t.parent()];
    chain.erase(std::remove(chain.begin(), chain.end(), &t), chain.end());
    if (chain.empty()) _chains.erase(t.parent());
    t._parent.clear();
  });
}

// A new port has no peer yet (one comes with set_peer or connect): its entry drops.
void datapath::port_added(port& p) { rewire({{p.path()}, {}}); }

void datapath::write_port_entry(const cube_base& c, uint16_t index, const pcn_hop& head) {
  std::pair key{&c, index};
  auto it = _written_ports.find(key);
  if (it != _written_ports.end() && same(it->second, head)) return;
  c.get_table<uint32_t, pcn_hop>("cube_ports").set(index, head);
  _written_ports[key] = head;
}

void datapath::port_removed(port& p) {
  if (_keep_kernel_state) return;
  // Its trace ends with it (the session sees that at its next reap).
  _traces.erase(p.path());
  auto tap = _trace_taps.extract(p.path());
  auto release_tap = [&] {
    if (tap) free_slot(tap.mapped().family, tap.mapped().slot);
  };
  change_scope scope{{p.path()}, {}};
  if (!p.peer().empty()) scope.points.insert(p.peer());
  if (auto it = _chains.find(p.path()); it != _chains.end()) scope.moved.insert(it->second.begin(), it->second.end());
  try {
    change(scope, [&] {
      if (port* q = linked_peer(p)) assign_peer(*q, "");
      assign_peer(p, "");
      // Transparent cubes on the port lose their parent with it.
      if (auto it = _chains.find(p.path()); it != _chains.end()) {
        for (auto* t : it->second) {
          log::info("datapath: {} detached: port {} is removed", t->name(), p.path());
          t->_parent.clear();
        }
        _chains.erase(it);
      }
    });
  } catch (...) {
    release_tap();
    throw;
  }
  release_tap();
  // The port's entry now drops; forget it so a later port at this index is written anew.
  auto key = std::pair<const cube_base*, uint16_t>{&p.owner(), p.index()};
  _written_ports.erase(key);
}

void datapath::netdev_removed(int ifindex, const std::string& name) {
  auto it = std::find_if(_netdevs.begin(), _netdevs.end(), [&](const auto& n) { return n.second.ifindex == ifindex; });
  _hooks.erase(ifindex);        // the kernel detached our programs with the netdev
  _written_devmap.erase(static_cast<uint32_t>(ifindex));  // and emptied its devmap slot
  if (it == _netdevs.end()) return;
  std::string netdev = it->first;
  log::warn("datapath: netdev {} disappeared: its ports go down and its transparent cubes are detached", name);
  change_scope scope{{netdev}, {}};
  port* connected = port_connected_to(netdev);
  if (connected) scope.points.insert(connected->path());
  if (auto chain = _chains.find(netdev); chain != _chains.end()) scope.moved.insert(chain->second.begin(), chain->second.end());
  change(scope, [&] {
    if (connected) assign_peer(*connected, "");
    if (auto chain = _chains.find(netdev); chain != _chains.end()) {
      for (auto* t : chain->second) t->_parent.clear();
      _chains.erase(chain);
    }
    _netdevs.erase(netdev);
  });
}

std::map<std::string, hook_family> datapath::netdevs_in_use() const {
  std::map<std::string, hook_family> out;
  for (const auto& [name, ref] : _netdevs)
    if (auto f = netdev_family(name)) out[name] = *f;
  return out;
}

// ---------------------------------------------------------------- compilation

void datapath::rewire() {
  change_scope all;
  for (const auto& [name, c] : _cubes) {
    if (auto* standard = dynamic_cast<cube*>(c))
      for (port* p : standard->ports()) all.points.insert(p->path());
    else if (auto* t = dynamic_cast<transparent_cube*>(c))
      all.moved.insert(t);
  }
  for (const auto& [name, ref] : _netdevs) all.points.insert(name);
  for (const auto& [parent, members] : _chains) all.points.insert(parent);
  rewire(all, true);
}

// `everything`: the scope is the whole topology, and what the kernel holds outside it
// (a previous run's hooks, netdevs the topology left) is removed too.
void datapath::rewire(const change_scope& scope, bool everything) {
  ++_generation;
  if (_keep_kernel_state) return;
  // 1. What the kernel should hold for the scope.
  std::map<std::pair<const cube_base*, uint16_t>, pcn_hop> ports;
  std::set<cube*> owners;  // of the ports whose lanes may have changed
  std::map<transparent_cube*, std::array<pcn_hop, 2>> successors;
  std::set<uint32_t> devmap;
  hook_plans plans;
  std::vector<std::string_view> netdevs;  // in the scope

  for (auto* t : scope.moved)
    if (t->parent().empty()) successors[t] = {};  // detached: drop
  for (const auto& point : scope.points) {
    const bool on_port = is_cube_port_name(point);
    port* p = on_port ? find_port(point) : nullptr;
    if (on_port && !p) continue;  // a port that is gone: its entry went with it
    if (p) {
      ports[{&p->owner(), p->index()}] = outbound_head(*p);
      p->_status = outbound_continuation(*p).kind == PCN_HOP_DROP ? port_status::down : port_status::up;
      owners.insert(&p->owner());
    } else {
      netdevs.push_back(point);
    }
    if (auto chain = _chains.find(point); chain != _chains.end()) {
      const auto& members = chain->second;
      for (size_t i = 0; i < members.size(); ++i) {
        std::array<pcn_hop, 2> next{};
        next[PCN_INGRESS] = i + 1 < members.size() ? cube_hop(*members[i + 1], PCN_INGRESS)
                                                   : (p ? cube_hop(*p) : ingress_continuation(point));
        next[PCN_EGRESS] = i > 0 ? cube_hop(*members[i - 1], PCN_EGRESS) : (p ? outbound_continuation(*p) : egress_end(point));
        successors[members[i]] = next;
      }
    }
    if (p) continue;
    auto ref = _netdevs.find(point);
    auto family = netdev_family(point);
    if (ref == _netdevs.end() || !family || ref->second.ifindex == 0) continue;
    hook_plan plan{*family, *family == hook_family::xdp ? netdev_xdp_mode(point) : xdp_mode::skb, ingress_head(point), std::nullopt, {}};
    if (auto traced = _traces.find(point); traced != _traces.end()) plan.trace = traced->second;
    if (*family == hook_family::tc && _chains.contains(point)) plan.egress = egress_head(point);
    if (*family == hook_family::xdp) devmap.insert(static_cast<uint32_t>(ref->second.ifindex));
    plans[point] = plan;
  }

  // 2. Write what differs, downstream before upstream: devmap slots, transparent cubes
  //    (reloaded with their successors), port tables, then the netdev entries. Attaching
  //    may be refused by the kernel: the change is then undone whole by change().
  table<uint32_t, bpf_devmap_val> devmap_table(framework_map_fd(PCN_MAP_DEVMAP), PCN_MAP_DEVMAP);
  for (uint32_t ifindex : devmap)
    if (!_written_devmap.count(ifindex)) {
      bpf_devmap_val v{};
      v.ifindex = ifindex;
      devmap_table.set(ifindex, v);
      _written_devmap.insert(ifindex);
    }
  write_trace_taps();
  for (const auto& [t, next] : successors) t->set_next_hops(next);
  for (const auto& [key, v] : ports) write_port_entry(*key.first, key.second, v);
  sync_hooks(plans);
  report_xdp_netdevs(plans, netdevs, everything);
  if (everything)
    for (const auto& [name, c] : _cubes)
      if (auto* standard = dynamic_cast<cube*>(c)) owners.insert(standard);
  for (cube* c : owners) c->on_topology_changed();

  // 3. Remove what is no longer wanted (not while a restart is still re-creating cubes:
  //    what the previous run left keeps forwarding until finish_restore()).
  if (_restoring) return;
  std::vector<int> hooks, devmap_slots;  // the scope's, as the kernel holds them
  if (everything) {
    for (const auto& [ifindex, state] : _hooks) hooks.push_back(ifindex);
    devmap_slots.assign(_written_devmap.begin(), _written_devmap.end());
  } else {
    for (auto name : netdevs)
      if (auto ref = _netdevs.find(name); ref != _netdevs.end()) {
        hooks.push_back(ref->second.ifindex);
        devmap_slots.push_back(ref->second.ifindex);
      }
  }
  for (int ifindex : hooks) {
    auto it = _hooks.find(ifindex);
    if (it == _hooks.end()) continue;
    auto planned = plans.find(it->second.name);
    if (planned == plans.end()) {
      detach_entry(it->first, it->second, tc_direction::ingress);
      detach_entry(it->first, it->second, tc_direction::egress);
      _hooks.erase(it);
    } else if (it->second.egress && !planned->second.egress) {
      detach_entry(it->first, it->second, tc_direction::egress);
      it->second.egress.reset();
    }
  }
  for (uint32_t ifindex : devmap_slots)
    if (!devmap.contains(ifindex) && _written_devmap.erase(ifindex)) devmap_table.remove(ifindex);
  // Netdevs nothing refers to any more are forgotten, and no longer traced.
  std::vector<std::string> left;
  if (everything)
    for (const auto& [name, ref] : _netdevs) left.push_back(name);
  else
    left.assign(netdevs.begin(), netdevs.end());
  for (const auto& name : left)
    if (!netdev_family(name)) _netdevs.erase(name);
  std::erase_if(_traces, [&](const auto& t) {
    return !is_cube_port_name(t.first) && !plans.contains(t.first) && (everything || scope.points.contains(t.first));
  });
}

// Loads each trace tap with the port's inbound lane (again when the lane changed) into its
// panel slot, before anything points at it.
void datapath::write_trace_taps() {
  for (auto& [target, tap] : _trace_taps) {
    port* p = find_port(target);
    auto traced = _traces.find(target);
    if (!p || traced == _traces.end()) continue;
    pcn_hop lane = inbound_lane(*p);
    if (tap.program && same(tap.hop, lane) && std::memcmp(&tap.filter, &traced->second, sizeof tap.filter) == 0) continue;
    unique_fd program = load_framework_program(tap.family, "pcn_trace_tap", lane, traced->second, "the trace tap of " + target);
    set_panel_slot(tap.family, tap.slot, program.get());
    tap = trace_tap{tap.family, tap.slot, lane, traced->second, std::move(program)};
  }
}

}  // namespace pcn::dataplane
