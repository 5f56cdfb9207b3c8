#pragma once
// The spanning tree of one bridge (IEEE 802.1D-1998 STP): root election, port roles, the
// blocking -> listening -> learning -> forwarding states with the forward delay, aging of
// received information, topology change notification and acknowledgement. Pure logic:
// BPDUs come in as frames, go out as frames (take_outgoing()), time is given by the
// caller — the bridge's slow path and a timer feed it; tests drive it with any clock.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cubes/l2/mac.hpp"
#include "reactor/reactor.hpp"

namespace pcn::cubes::stp {

using time_point = clock::time_point;
using seconds = std::chrono::seconds;

enum class port_state : uint8_t { disabled, blocking, listening, learning, forwarding };
enum class port_role : uint8_t { disabled, root, designated, alternate };
std::string_view to_string(port_state s);  // "disabled", "blocking", ...

struct bridge_parameters {
  uint16_t priority = 32768;
  seconds hello_time{2};
  seconds max_age{20};
  seconds forward_delay{15};
  bool operator==(const bridge_parameters&) const = default;
};

struct port_parameters {
  uint32_t path_cost = 4;
  uint8_t priority = 128;  // the upper 4 bits count (802.1D-2004 port identifiers)
  bool operator==(const port_parameters&) const = default;
};

// A BPDU to send, out of the bridge's port with this index.
struct bpdu_out {
  uint16_t port;
  std::vector<uint8_t> frame;
};

class spanning_tree {
 public:
  spanning_tree(l2::mac_address mac, bridge_parameters params);

  void set_bridge(l2::mac_address mac, bridge_parameters params, time_point now);
  const bridge_parameters& parameters() const noexcept { return _params; }
  // Adds or updates a port (index as the bridge numbers them); an enabled port takes part
  // (a connected one), a disabled one is left out.
  void set_port(uint16_t port, port_parameters params, bool enabled, time_point now);
  void remove_port(uint16_t port, time_point now);

  // A frame to 01:80:c2:00:00:00 received on a port; anything not a BPDU is ignored.
  void receive(uint16_t port, std::span<const uint8_t> frame, time_point now);
  // Timers: hellos, state transitions, aging of received information. Call often (every
  // few hundred milliseconds).
  void tick(time_point now);

  port_state state(uint16_t port) const;
  port_role role(uint16_t port) const;
  bool is_root() const noexcept { return _root == _bridge_id; }
  uint64_t bridge_id() const noexcept { return _bridge_id; }
  uint64_t root_id() const noexcept { return _root; }
  uint32_t root_path_cost() const noexcept { return _root_cost; }
  std::optional<uint16_t> root_port() const noexcept { return _root_port; }

  // BPDUs due since the last call.
  std::vector<bpdu_out> take_outgoing();
  // True once after each topology change this bridge detected or was told of: learned
  // addresses may be behind other ports now and should be forgotten.
  bool take_topology_change() noexcept { return std::exchange(_flush_due, false); }

  // "8000.020000000001"
  static std::string format_id(uint64_t id);

 private:
  struct priority_vector {
    uint64_t root = 0;
    uint32_t cost = 0;
    uint64_t bridge = 0;
    uint16_t port = 0;
    auto operator<=>(const priority_vector&) const = default;
  };
  struct received {
    priority_vector vector;
    std::chrono::milliseconds message_age{0};
    seconds max_age{20}, hello_time{2}, forward_delay{15};
    bool topology_change = false;
    time_point at;
  };
  struct port_data {
    uint16_t index = 0;
    port_parameters params;
    bool enabled = false;
    std::optional<received> rx;
    port_role role = port_role::disabled;
    port_state state = port_state::disabled;
    time_point state_since;
    bool send_now = false;
    bool ack_topology_change = false;
    uint16_t id() const noexcept;
  };

  void recompute(time_point now);
  void apply_roles(time_point now);
  void topology_change_detected(time_point now);
  void emit(time_point now);
  const bridge_parameters& timers() const;  // the root's, as its BPDUs say (ours when root)
  bridge_parameters root_timers() const;
  std::vector<uint8_t> config_bpdu(const port_data& p, time_point now) const;
  std::vector<uint8_t> tcn_bpdu() const;
  std::vector<uint8_t> frame(std::span<const uint8_t> bpdu) const;

  l2::mac_address _mac;
  bridge_parameters _params;
  bridge_parameters _effective;  // timers in force: the root's
  uint64_t _bridge_id = 0;
  std::map<uint16_t, port_data> _ports;
  uint64_t _root = 0;
  uint32_t _root_cost = 0;
  std::optional<uint16_t> _root_port;
  std::optional<time_point> _last_hello;
  std::optional<time_point> _topology_change_until;  // root: TC flag in our BPDUs until then
  bool _tcn_pending = false;                          // non-root: TCN towards the root until acknowledged
  bool _flush_due = false;
  std::vector<bpdu_out> _outgoing;
};

}  // namespace pcn::cubes::stp
