#pragma once
// The framework's side of the kernel: the patch panels (one program array per hook
// family), the netdev entry programs, and the topology — which port is connected to what,
// which transparent cubes sit where — compiled into hops (bpf/pcn_abi.h) that the fast
// paths follow. Every change recomputes the hops of what it touches (and of its
// neighbours) and writes only what differs; a change the kernel refuses (a netdev that
// cannot take XDP, say) is undone whole.
//
// Everything is pinned under a root (default /sys/fs/bpf/polycube), so forwarding goes on
// while the owning process restarts: a new datapath on the same root re-adopts the cubes
// re-created with the same names, and finish_restore() removes whatever was not.
#include <functional>
#include <map>
#include <unordered_map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.hpp"
#include "bpf/pcn_abi.h"
#include "dataplane/cube.hpp"
#include "dataplane/netdev_hooks.hpp"
#include "dataplane/object.hpp"
#include "dataplane/table.hpp"
#include "dataplane/types.hpp"

namespace pcn::dataplane {

struct datapath_options {
  std::string pin_root = "/sys/fs/bpf/polycube";
  // Start empty: remove everything a previous run left under pin_root and on netdevs.
  bool clean = false;
};

// What a previous run left, found at start-up.
struct previous_cube {
  std::string name;
  std::string service;
  hook_family family;
  uint32_t slot;
  std::optional<uint32_t> egress_slot;  // a transparent cube's second slot
};

class datapath {
 public:
  explicit datapath(datapath_options options = {});
  ~datapath();
  datapath(const datapath&) = delete;
  datapath& operator=(const datapath&) = delete;

  const std::string& pin_root() const noexcept { return _options.pin_root; }

  // ---- topology ----
  // Sets both ends: a peer is a netdev name or "cube:port"; at least one is a cube port.
  void connect(const std::string& peer1, const std::string& peer2);
  void disconnect(const std::string& peer1, const std::string& peer2);
  // Sets one port's peer ("" to disconnect). A cube port peer is linked both ways.
  void set_peer(port& p, const std::string& peer);
  // Attaches a transparent cube to "cube:port" or a netdev.
  void attach(transparent_cube& t, const std::string& parent, const chain_position& position);
  void detach(transparent_cube& t);

  cube_base* find_cube(std::string_view name) const;
  // The cube in a panel slot (how fast-path events name their cube).
  cube_base* find_cube(hook_family family, uint32_t slot) const;
  // The framework's ring buffer of fast-path events (logs, notifications, TC packets).
  int events_fd() const { return framework_map_fd(PCN_MAP_EVENTS); }
  std::vector<cube_base*> cubes() const;
  port* find_port(std::string_view cube_and_port) const;  // "cube:port"

  // The ordered chain on a port ("cube:port") or netdev, first (outermost) first.
  std::vector<transparent_cube*> chain_of(const std::string& parent) const;
  // Every chain, by parent (none is empty).
  const std::map<std::string, std::vector<transparent_cube*>>& chains() const noexcept { return _chains; }
  // Netdevs the topology uses, with the hook family their entry program runs in.
  std::map<std::string, hook_family> netdevs_in_use() const;
  // How XDP entry programs were attached (for the start-up report).
  std::string xdp_attach_report() const;

  // ---- slow path ----
  // The slow path registers here (null: none); port::send() goes through it.
  void set_packet_io(packet_io* io) noexcept { _packet_io = io; }
  packet_io* packet_out() const noexcept { return _packet_io; }
  packet_io& require_packet_io() const;  // throws std::logic_error without a slow path
  // Where a packet a handler sends through port p goes first: the head of p's inbound
  // lane (ingress) or of its outbound lane (egress).
  pcn_hop slowpath_target(const port& p, direction d) const;
  // Told after every change of the topology, and at once, which netdevs carry the XDP
  // entry program (ifindex -> name): the slow path's AF_XDP sockets follow them.
  using xdp_netdev_listener = std::function<void(const std::map<int, std::string>&)>;
  void set_xdp_netdev_listener(xdp_netdev_listener listener);
  // A framework map (bpf/pcn_maps.h, PCN_MAP_*), e.g. the slow path's XSKMAP, or for an
  // object of the framework's own that declares them.
  int framework_map_fd(std::string_view map) const;
  bool is_framework_map(std::string_view map) const;

  // ---- where cubes' programs are loaded ----
  // Loading a cube's programs (the verifier's work) is most of what creating it costs. By
  // default a cube's constructor loads them. Once loads are spread over `places` (> 0)
  // places through `loader`, a constructor creates the cube's maps only (the service may
  // write them at once) and takes the next place in turn as its home; the programs follow
  // in cube_base::load_programs(), which prepares them here and has the loader load them
  // there (the daemon's other shards, in parallel with this one), then installs them here.
  using object_loader = std::function<task<void>(unsigned place, std::span<bpf_object_file> objects)>;
  void spread_program_loads(unsigned places, object_loader loader);
  bool defers_program_loads() const noexcept { return _load_places > 0; }

  // ---- packet trace ----
  // Traces the packets that enter through a netdev (its entry programs: ingress, and egress
  // where TC runs an egress entry) or a cube port ("cube:port": a trace tap, in a panel
  // slot of its own, then heads the port's inbound lane), flagging those the filter
  // (bpf/pcn_abi.h, with the trace's id) matches. Throws topology_error:
  // not_found when no entry program runs on the netdev, or no such port; conflict when it
  // is traced already. A netdev the topology stops using, or a port removed, stops being
  // traced; stop_trace() then only turns the hop reports off after the last trace.
  void start_trace(const std::string& target, const pcn_trace_filter& filter);
  void stop_trace(const std::string& target, uint32_t id);
  bool traced(const std::string& target) const { return _traces.contains(target); }
  uint32_t trace_id(const std::string& target) const {  // 0: not traced
    auto it = _traces.find(target);
    return it == _traces.end() ? 0 : it->second.id;
  }
  // Whether cubes are loaded with their hop reports in (pcn_trace_hops): while anything
  // is traced. Off, the reports are not in the programs at all.
  bool tracing_hops() const { return _trace_hops; }
  std::vector<std::string> traced_targets() const;

  // ---- netdev events (from rtnetlink) ----
  // The netdev disappeared: its ports go DOWN with their peer reset, the transparent
  // cubes on it are detached. Nothing is re-wired when it comes back.
  void netdev_removed(int ifindex, const std::string& name);

  // ---- restart ----
  std::vector<previous_cube> previous_cubes() const;
  // Removes every cube of the previous run that was not re-created, and detaches entry
  // programs from netdevs the topology no longer uses.
  void finish_restore();
  bool restoring() const noexcept { return _restoring; }

  // The entry program running on a netdev, and the first hop it was loaded with (for
  // tests and tools): -1 / nullopt when the framework has nothing on that hook.
  int entry_program_fd(const std::string& netdev, tc_direction direction = tc_direction::ingress) const;
  std::optional<pcn_hop> entry_hop(const std::string& netdev, tc_direction direction = tc_direction::ingress) const;
  // The netdev entry program of a family (egress: TC's pcn_netdev_egress; XDP has none),
  // e.g. to run packets through the whole datapath with BPF_PROG_TEST_RUN.
  int entry_program_fd(hook_family family, bool egress = false) const;

  // The daemon is stopping but the data plane must go on forwarding until it restarts:
  // from now on destroying cubes leaves the kernel state as it is.
  void keep_kernel_state_on_exit() noexcept { _keep_kernel_state = true; }
  bool keeps_kernel_state() const noexcept { return _keep_kernel_state; }

 private:
  friend class cube_base;
  friend class cube;
  friend class transparent_cube;

  struct netdev_ref {
    int ifindex = 0;
    std::string name;
  };
  struct hook_plan {  // what should run on one netdev
    hook_family family;
    xdp_mode mode = xdp_mode::skb;
    pcn_hop ingress{};
    std::optional<pcn_hop> egress;  // TC, when the netdev has transparent cubes
    pcn_trace_filter trace{};       // id set: the entry programs flag what matches
  };
  using hook_plans = std::map<std::string, hook_plan, std::less<>>;  // by netdev
  struct entry_instance {  // an entry program loaded for one netdev and direction
    pcn_hop hop{};
    pcn_trace_filter trace{};
    // Only the program is kept, not its object: the object's descriptors (its BTF, its
    // .rodata, a duplicate of every framework map) were most of what a cube cost.
    unique_fd program;  // none: adopted from a previous run
    uint32_t adopted_id = 0;
  };
  struct hook_state {  // what runs on one netdev now
    std::string name;
    hook_family family;
    xdp_mode mode = xdp_mode::skb;
    bool dispatcher = false;
    std::optional<entry_instance> ingress, egress;
  };
  struct registry_entry;  // pinned record of a cube: name, family, slot

  // cube lifecycle (called by the SDK base classes)
  // Returns `directions` slots (the first names the cube); adopts a previous cube's of the same name.
  std::vector<uint32_t> register_cube(cube_base& c, unsigned directions);
  void unregister_cube(cube_base& c);
  // The lowest panel slot from `from` on that is neither used nor in `taken` (PCN_MAX_CUBES: none).
  uint32_t first_free_slot(hook_family family, uint32_t from, const std::vector<uint32_t>& taken) const;
  void record_slot(hook_family family, uint32_t slot, uint32_t kind, const std::string& name, const std::string& service);
  void free_slot(hook_family family, uint32_t slot);
  void remove_previous(const previous_cube& p);
  void set_panel_slot(hook_family family, uint32_t slot, int prog_fd);
  std::string cube_pin_dir(const std::string& cube) const;
  std::string framework_pin_path(const std::string& map) const;
  std::string public_pin_path(const std::string& map) const;
  void port_added(port& p);
  void port_removed(port& p);
  // A cube leaving with the kernel state kept: its ports are no longer anyone's peer.
  void forget_ports(const cube& c);

  // topology compilation
  // What a change touches: the attach points (cube ports "cube:port", netdevs) whose own
  // state it changes (a port's peer, a chain, a netdev's ifindex), and the transparent
  // cubes it moves. Every hop depends only on one attach point and its neighbours (a
  // port's peer, the port whose peer it is), so a change recomputes the points it touches
  // and their neighbours, before and after: its cost does not grow with the topology.
  struct change_scope {
    std::set<std::string, std::less<>> points;
    std::set<transparent_cube*> moved;
  };
  // The attach points and their neighbours, as the topology is now.
  std::set<std::string, std::less<>> with_neighbours(const std::set<std::string, std::less<>>& points) const;
  // Recomputes what depends on `points` and writes what differs into the kernel.
  void rewire(const change_scope& scope) { rewire(scope, false); }
  void rewire();  // everything, and removes what nothing refers to any more
  void rewire(const change_scope& scope, bool everything);
  // The head of a port's outbound lane into its cube_ports entry, unless written already.
  void write_port_entry(const cube_base& c, uint16_t index, const pcn_hop& head);
  // Sets a port's peer and keeps _port_by_peer with it: the only way peers change.
  void assign_peer(port& p, std::string peer);
  void unindex_peer(const port& p);  // p no longer answers for its peer in _port_by_peer
  template <typename Mutation>
  void change(const change_scope& scope, Mutation mutate);
  struct topology_snapshot;
  topology_snapshot snapshot(const change_scope& scope) const;
  void restore(const topology_snapshot& s);

  pcn_hop cube_hop(const port& p) const;  // into p's cube, through p
  pcn_hop cube_hop(const transparent_cube& t, uint8_t direction) const;
  pcn_hop inbound_head(const port& p) const;  // a trace tap while p is traced
  pcn_hop inbound_lane(const port& p) const;
  pcn_hop outbound_continuation(const port& p) const;
  pcn_hop outbound_head(const port& p) const;
  pcn_hop ingress_continuation(const std::string& netdev) const;
  pcn_hop ingress_head(const std::string& netdev) const;
  pcn_hop egress_end(const std::string& netdev) const;
  pcn_hop egress_head(const std::string& netdev) const;
  port* port_connected_to(const std::string& netdev) const;
  port* linked_peer(const port& p) const;  // the cube port p is linked with, both ways
  std::optional<hook_family> netdev_family(const std::string& netdev) const;
  xdp_mode netdev_xdp_mode(const std::string& netdev) const;
  void validate_netdev_use(const std::string& netdev) const;
  netdev_ref resolve_netdev(const std::string& name) const;
  static bool is_cube_port_name(std::string_view peer) { return peer.find(':') != std::string_view::npos; }

  void load_framework_maps();
  void adopt_previous_state();
  entry_instance adopt_entry(hook_family family, tc_direction direction, uint32_t id) const;
  // A program of the framework objects (netdev entry, trace tap) with its own first hop and
  // trace filter, from the template of that program (_framework_programs).
  unique_fd load_framework_program(hook_family family, std::string_view program, const pcn_hop& hop,
                                   const pcn_trace_filter& trace, const std::string& what) const;
  unique_fd load_entry(hook_family family, tc_direction direction, const pcn_hop& hop, const pcn_trace_filter& trace,
                       const std::string& netdev) const;
  void sync_hooks(const hook_plans& plans);
  // Tells the listener when the XDP netdevs changed: those of `netdevs` (of every netdev
  // when `everything`) are as `plans` say.
  void report_xdp_netdevs(const hook_plans& plans, const std::vector<std::string_view>& netdevs, bool everything);
  void update_entry(int ifindex, hook_state& state, tc_direction direction, const pcn_hop& hop,
                    const pcn_trace_filter& trace);
  void detach_entry(int ifindex, const hook_state& state, tc_direction direction);
  void set_trace_hops(bool on);
  // A deferring cube's home, in turn; and its objects loaded there (see spread_program_loads).
  unsigned take_load_place() noexcept;
  task<void> load_objects(unsigned place, std::span<bpf_object_file> objects);
  void change_traces(const std::string& target, std::map<std::string, pcn_trace_filter, std::less<>> traces);
  struct trace_tap {  // the start of a cube port's trace (bpf/netdev.bpf.c, pcn_trace_tap)
    hook_family family;
    uint32_t slot;
    pcn_hop hop{};  // what it was loaded with: the port's inbound lane
    pcn_trace_filter filter{};
    unique_fd program;  // none until rewire() loads it
  };
  void write_trace_taps();
  uint32_t take_tap_slot(hook_family family, const std::string& target);

  datapath_options _options;
  bool _restoring = true;
  bool _keep_kernel_state = false;
  // Own the framework maps (every other object reuses them); their programs never run.
  std::unique_ptr<bpf_object_file> _xdp_maps, _tc_maps;
  // Templates of their programs, by family and program name (load_framework_program).
  std::map<std::pair<hook_family, std::string>, program_template, std::less<>> _framework_programs;
  int _registry_fd = -1;

  std::map<std::string, cube_base*, std::less<>> _cubes;
  std::vector<cube_base*> _by_slot[2];  // per hook family: how fast-path messages name cubes
  std::set<uint32_t> _used_slots[2];  // per hook family
  std::map<std::string, previous_cube, std::less<>> _previous;  // not (yet) re-adopted
  std::vector<std::pair<hook_family, uint32_t>> _previous_taps;   // the previous run's trace taps
  std::map<std::string, std::vector<transparent_cube*>> _chains;  // parent -> chain
  std::map<std::string, netdev_ref, std::less<>> _netdevs;  // every netdev the topology names
  std::map<std::string, pcn_trace_filter, std::less<>> _traces;  // by netdev or "cube:port"
  std::map<std::string, trace_tap, std::less<>> _trace_taps;     // by "cube:port"
  bool _trace_hops = false;
  unsigned _load_places = 0;  // spread_program_loads
  unsigned _next_load_place = 0;
  object_loader _loader;

  // What the kernel holds now (written by rewire, or found at start-up).
  std::map<std::pair<const cube_base*, uint16_t>, pcn_hop> _written_ports;
  std::set<uint32_t> _written_devmap;
  std::map<int, hook_state> _hooks;  // by ifindex
  std::map<std::string, std::string> _xdp_modes_seen;  // netdev -> how its XDP entry was attached

  uint64_t _generation = 1;  // of the topology: every rewire() makes a new one
  // The port whose peer a netdev or cube port ("cube:port") is: at most one (connecting a
  // second one is refused). Answers "who is connected to this" without scanning every
  // cube's ports, which made each change cost O(netdevs x ports).
  std::unordered_map<std::string, port*> _port_by_peer;
  packet_io* _packet_io = nullptr;
  xdp_netdev_listener _xdp_listener;
  std::map<int, std::string> _xdp_netdevs_reported;
};

}  // namespace pcn::dataplane
