#include "cubes/bridge/stp.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace pcn::cubes::stp {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr uint8_t flag_topology_change = 0x01;
constexpr uint8_t flag_topology_change_ack = 0x80;
constexpr uint8_t type_config = 0x00;
constexpr uint8_t type_rst = 0x02;  // an RSTP BPDU: read as a configuration BPDU
constexpr uint8_t type_tcn = 0x80;
constexpr size_t config_size = 35;
constexpr size_t tcn_size = 4;
constexpr size_t header = 14 + 3;  // Ethernet (802.3 length) + LLC
constexpr size_t min_frame = 60;
constexpr uint8_t group_address[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v));
}
void put64(std::vector<uint8_t>& out, uint64_t v) {
  put32(out, static_cast<uint32_t>(v >> 32));
  put32(out, static_cast<uint32_t>(v));
}
uint16_t get16(std::span<const uint8_t> in, size_t at) { return static_cast<uint16_t>(in[at] << 8 | in[at + 1]); }
uint32_t get32(std::span<const uint8_t> in, size_t at) { return static_cast<uint32_t>(get16(in, at)) << 16 | get16(in, at + 2); }
uint64_t get64(std::span<const uint8_t> in, size_t at) { return static_cast<uint64_t>(get32(in, at)) << 32 | get32(in, at + 4); }

// BPDU times are in 1/256 s.
uint16_t to_units(milliseconds d) { return static_cast<uint16_t>(std::clamp<int64_t>(d.count() * 256 / 1000, 0, 0xffff)); }
milliseconds from_units(uint16_t v) { return milliseconds(int64_t{v} * 1000 / 256); }
seconds whole_seconds(uint16_t v) { return seconds(std::max<int64_t>(1, (v + 128) / 256)); }

uint64_t make_id(uint16_t priority, const l2::mac_address& mac) {
  uint64_t id = priority;
  for (uint8_t b : mac) id = id << 8 | b;
  return id;
}

}  // namespace

std::string_view to_string(port_state s) {
  switch (s) {
    case port_state::disabled: return "disabled";
    case port_state::blocking: return "blocking";
    case port_state::listening: return "listening";
    case port_state::learning: return "learning";
    case port_state::forwarding: return "forwarding";
  }
  return "?";
}

std::string spanning_tree::format_id(uint64_t id) {
  char text[24];
  std::snprintf(text, sizeof text, "%04x.%012llx", static_cast<unsigned>(id >> 48),
                static_cast<unsigned long long>(id & 0xffffffffffffull));
  return text;
}

uint16_t spanning_tree::port_data::id() const noexcept {
  return static_cast<uint16_t>((params.priority & 0xf0) << 8 | ((index + 1) & 0x0fff));
}

spanning_tree::spanning_tree(l2::mac_address mac, bridge_parameters params)
    : _mac(mac), _params(params), _effective(params), _bridge_id(make_id(params.priority, mac)), _root(_bridge_id) {}

void spanning_tree::set_bridge(l2::mac_address mac, bridge_parameters params, time_point now) {
  if (mac == _mac && params == _params) return;
  _mac = mac;
  _params = params;
  _bridge_id = make_id(params.priority, mac);
  recompute(now);
}

void spanning_tree::set_port(uint16_t port, port_parameters params, bool enabled, time_point now) {
  auto [it, added] = _ports.try_emplace(port);
  port_data& p = it->second;
  if (!added && p.params == params && p.enabled == enabled) return;
  p.index = port;
  p.params = params;
  if (p.enabled != enabled) {
    p.enabled = enabled;
    p.rx.reset();
  }
  recompute(now);
}

void spanning_tree::remove_port(uint16_t port, time_point now) {
  if (_ports.erase(port)) recompute(now);
}

port_state spanning_tree::state(uint16_t port) const {
  auto it = _ports.find(port);
  return it == _ports.end() ? port_state::disabled : it->second.state;
}

port_role spanning_tree::role(uint16_t port) const {
  auto it = _ports.find(port);
  return it == _ports.end() ? port_role::disabled : it->second.role;
}

std::vector<bpdu_out> spanning_tree::take_outgoing() { return std::exchange(_outgoing, {}); }

// ---------------------------------------------------------------- roles

void spanning_tree::recompute(time_point now) {
  // The best root: ourselves, or what a port hears plus that port's cost (ties broken by
  // the sender's bridge and port, then by our port's own identifier).
  struct candidate {
    priority_vector v;
    uint16_t receiving = 0;
    auto operator<=>(const candidate&) const = default;
  };
  candidate best{{_bridge_id, 0, _bridge_id, 0}, 0};
  std::optional<uint16_t> best_port;
  for (const auto& [index, p] : _ports) {
    if (!p.enabled || !p.rx || p.rx->vector.bridge == _bridge_id) continue;
    candidate c{{p.rx->vector.root, p.rx->vector.cost + p.params.path_cost, p.rx->vector.bridge, p.rx->vector.port}, p.id()};
    if (c.v.root < _bridge_id && c < best) {
      best = c;
      best_port = index;
    }
  }
  bool root_changed = best.v.root != _root || best.v.cost != _root_cost || best_port != _root_port;
  _root = best.v.root;
  _root_cost = best.v.cost;
  _root_port = best_port;
  _effective = root_timers();

  for (auto& [index, p] : _ports) {
    port_role role = port_role::designated;
    if (!p.enabled) {
      role = port_role::disabled;
    } else if (_root_port == index) {
      role = port_role::root;
    } else if (p.rx && p.rx->vector < priority_vector{_root, _root_cost, _bridge_id, p.id()}) {
      role = port_role::alternate;  // someone else is designated on that segment (or our better port)
    }
    if (role != p.role || (root_changed && role == port_role::designated)) p.send_now = role == port_role::designated;
    p.role = role;
  }
  apply_roles(now);
}

bridge_parameters spanning_tree::root_timers() const {
  if (!_root_port) return _params;
  const port_data& p = _ports.at(*_root_port);
  bridge_parameters t = _params;
  t.max_age = p.rx->max_age;
  t.hello_time = p.rx->hello_time;
  t.forward_delay = p.rx->forward_delay;
  return t;
}

const bridge_parameters& spanning_tree::timers() const { return _effective; }

void spanning_tree::apply_roles(time_point now) {
  for (auto& [index, p] : _ports) {
    switch (p.role) {
      case port_role::disabled:
        if (p.state == port_state::forwarding) topology_change_detected(now);
        p.state = port_state::disabled;
        break;
      case port_role::alternate:
        if (p.state == port_state::forwarding) topology_change_detected(now);
        if (p.state != port_state::blocking) p.state_since = now;
        p.state = port_state::blocking;
        break;
      case port_role::root:
      case port_role::designated:
        if (p.state == port_state::blocking || p.state == port_state::disabled) {
          p.state = port_state::listening;
          p.state_since = now;
        }
        break;
    }
  }
}

void spanning_tree::topology_change_detected(time_point now) {
  _flush_due = true;
  if (is_root()) {
    _topology_change_until = now + timers().max_age + timers().forward_delay;
  } else {
    _tcn_pending = true;
    if (_root_port) _outgoing.push_back({*_root_port, tcn_bpdu()});
  }
}

// ---------------------------------------------------------------- BPDUs in

void spanning_tree::receive(uint16_t port, std::span<const uint8_t> frame, time_point now) {
  auto it = _ports.find(port);
  if (it == _ports.end() || !it->second.enabled) return;
  port_data& p = it->second;
  if (frame.size() < header + tcn_size || !std::equal(group_address, group_address + 6, frame.begin())) return;
  if (frame[14] != 0x42 || frame[15] != 0x42 || frame[16] != 0x03) return;
  auto bpdu = frame.subspan(header);
  if (get16(bpdu, 0) != 0) return;  // protocol identifier
  uint8_t type = bpdu[3];

  if (type == type_tcn) {
    // From a bridge below us: acknowledge, and pass it on towards the root.
    if (p.role != port_role::designated) return;
    p.ack_topology_change = true;
    p.send_now = true;
    topology_change_detected(now);
    emit(now);
    return;
  }
  if ((type != type_config && type != type_rst) || bpdu.size() < config_size) return;
  received r;
  r.vector = {get64(bpdu, 5), get32(bpdu, 13), get64(bpdu, 17), get16(bpdu, 25)};
  r.message_age = from_units(get16(bpdu, 27));
  r.max_age = whole_seconds(get16(bpdu, 29));
  r.hello_time = whole_seconds(get16(bpdu, 31));
  r.forward_delay = whole_seconds(get16(bpdu, 33));
  r.topology_change = bpdu[4] & flag_topology_change;
  r.at = now;
  if (r.message_age >= r.max_age) return;  // too old to believe

  priority_vector current = p.rx ? p.rx->vector : priority_vector{_root, _root_cost, _bridge_id, p.id()};
  bool same_sender = p.rx && p.rx->vector.bridge == r.vector.bridge && p.rx->vector.port == r.vector.port;
  if (!same_sender && !(r.vector < current)) {
    // Inferior information on a segment we are designated for: tell them better at once.
    if (p.role == port_role::designated) {
      p.send_now = true;
      emit(now);
    }
    return;
  }
  bool was_topology_change = _root_port == port && p.rx && p.rx->topology_change;
  p.rx = r;
  recompute(now);
  if (_root_port == port) {
    if (bpdu[4] & flag_topology_change_ack) _tcn_pending = false;
    if (r.topology_change && !was_topology_change) _flush_due = true;
    // The root's hello goes on down the tree.
    for (auto& [index, q] : _ports)
      if (q.role == port_role::designated) q.send_now = true;
  }
  emit(now);
}

// ---------------------------------------------------------------- time

void spanning_tree::tick(time_point now) {
  bool expired = false;
  for (auto& [index, p] : _ports)
    if (p.rx && p.rx->message_age + (now - p.rx->at) >= p.rx->max_age) {
      p.rx.reset();
      expired = true;
    }
  if (expired) recompute(now);

  for (auto& [index, p] : _ports) {
    if (p.state == port_state::listening && now - p.state_since >= timers().forward_delay) {
      p.state = port_state::learning;
      p.state_since = now;
    } else if (p.state == port_state::learning && now - p.state_since >= timers().forward_delay) {
      p.state = port_state::forwarding;
      p.state_since = now;
      topology_change_detected(now);
    }
  }
  if (_topology_change_until && now >= *_topology_change_until) _topology_change_until.reset();

  if (!_last_hello || now - *_last_hello >= timers().hello_time) {
    _last_hello = now;
    for (auto& [index, p] : _ports)
      if (p.role == port_role::designated) p.send_now = true;
    if (_tcn_pending && _root_port) _outgoing.push_back({*_root_port, tcn_bpdu()});
  }
  emit(now);
}

// ---------------------------------------------------------------- BPDUs out

void spanning_tree::emit(time_point now) {
  for (auto& [index, p] : _ports) {
    if (!p.send_now) continue;
    p.send_now = false;
    if (p.role != port_role::designated) continue;
    _outgoing.push_back({index, config_bpdu(p, now)});
    p.ack_topology_change = false;
  }
}

std::vector<uint8_t> spanning_tree::config_bpdu(const port_data& p, time_point) const {
  std::vector<uint8_t> b;
  put16(b, 0);  // protocol identifier
  b.push_back(0);  // version: STP
  b.push_back(type_config);
  bool topology_change = is_root() ? _topology_change_until.has_value()
                                   : _root_port && _ports.at(*_root_port).rx && _ports.at(*_root_port).rx->topology_change;
  b.push_back(static_cast<uint8_t>((topology_change ? flag_topology_change : 0) | (p.ack_topology_change ? flag_topology_change_ack : 0)));
  put64(b, _root);
  put32(b, _root_cost);
  put64(b, _bridge_id);
  put16(b, p.id());
  // The root's message age plus one hop; the root sends 0.
  milliseconds age = _root_port ? _ports.at(*_root_port).rx->message_age + seconds(1) : milliseconds(0);
  put16(b, to_units(age));
  put16(b, to_units(timers().max_age));
  put16(b, to_units(timers().hello_time));
  put16(b, to_units(timers().forward_delay));
  return frame(b);
}

std::vector<uint8_t> spanning_tree::tcn_bpdu() const {
  std::vector<uint8_t> b;
  put16(b, 0);
  b.push_back(0);
  b.push_back(type_tcn);
  return frame(b);
}

// 802.3 with LLC (DSAP = SSAP = 0x42, UI), padded to the minimum frame size.
std::vector<uint8_t> spanning_tree::frame(std::span<const uint8_t> bpdu) const {
  std::vector<uint8_t> f(std::max(min_frame, header + bpdu.size()), 0);
  std::memcpy(f.data(), group_address, 6);
  std::memcpy(f.data() + 6, _mac.data(), 6);
  auto length = static_cast<uint16_t>(3 + bpdu.size());
  f[12] = static_cast<uint8_t>(length >> 8);
  f[13] = static_cast<uint8_t>(length);
  f[14] = 0x42;
  f[15] = 0x42;
  f[16] = 0x03;
  std::memcpy(f.data() + header, bpdu.data(), bpdu.size());
  return f;
}

}  // namespace pcn::cubes::stp
