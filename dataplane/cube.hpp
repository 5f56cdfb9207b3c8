#pragma once
// The SDK a service's control plane derives from. A cube owns its loaded fast path
// (μcubes and maps) and its place in the datapath's patch panel; constructing one loads
// it (no netdev is touched until a port is connected), destroying one disconnects it and
// removes every trace from the kernel. Program arrays, slots and pinning stay hidden.
//
// Everything here runs on the datapath's shard; none of it is thread-safe.
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bpf/pcn_abi.h"
#include "dataplane/object.hpp"
#include "dataplane/table.hpp"
#include "dataplane/types.hpp"
#include "reactor/async_mutex.hpp"
#include "reactor/task.hpp"

namespace pcn::slowpath {
class packet;     // slowpath/packet.hpp: a packet of the slow path, in a frame of its UMEM
class slow_path;  // slowpath/slow_path.hpp
}  // namespace pcn::slowpath

namespace pcn::dataplane {

class datapath;
class cube;
class cube_base;

// The slow path as the SDK sees it: what carries the packets handlers send back into the
// datapath (implemented by slowpath::slow_path, which registers with the datapath).
class packet_io {
 public:
  // Sends the packet to `target` (a hop of the topology) on behalf of cube `from`.
  virtual task<void> send(slowpath::packet pkt, pcn_hop target, cube_base& from) = 0;
  // A new packet holding a copy of `frame` (zero metadata), for a handler to send what it
  // originates (a protocol message); empty when every frame is in use or it is too big.
  virtual slowpath::packet allocate(std::span<const uint8_t> frame) = 0;
  // Runs slow-path work of cube `owner` that is not a packet_in() (a timer sending its
  // protocol's messages) like one of its handlers: started at once, counted in its
  // in_flight, so that it ends before the cube goes. False, and nothing runs, when the
  // slow path is not serving.
  virtual bool run(task<void> work, cube_base& owner) = 0;

 protected:
  ~packet_io() = default;
};

// What a cube's fast path told its control plane with pcn_notify().
struct notification {
  uint16_t in_port;  // md->in_port when it was sent
  uint32_t reason;
  std::array<uint32_t, 3> data;
};

// A cube's slow path: handlers started and refused, and what its fast path counted.
struct slowpath_counters {
  uint64_t packets_in = 0;      // handed to packet_in()
  uint64_t overload_drops = 0;  // refused: too many of the cube's handlers were running
  uint64_t handler_errors = 0;  // packet_in() threw
  uint64_t packets_out = 0;     // sent by the cube's handlers
  uint64_t out_drops = 0;       // sent to nowhere (an unconnected port) or refused by the kernel
  uint32_t in_flight = 0;       // handlers running now
  // Summed over CPUs from the fast path's own counters:
  uint64_t fastpath_to_slowpath = 0;  // pcn_pkt_controller() calls that reached the slow path
  uint64_t fastpath_drops = 0;        // pcn_pkt_controller() calls with nobody listening, or a full queue
  uint64_t event_drops = 0;           // notifications and log messages lost (ring buffer full)
};

struct cube_options {
  std::string name;
  std::string service;  // a previous run's cube is re-adopted only by the same service
  cube_type type = cube_type::tc;
  fastpath_code code;
  log::level log_level = log::level::info;
  std::vector<load_constant> constants;  // the service's own load-time constants
};

// A named, indexed port of a standard cube. Its peer is a netdev name, another cube's
// "cube:port", or empty.
class port {
 public:
  const std::string& name() const noexcept { return _name; }
  uint16_t index() const noexcept { return _index; }
  const std::string& peer() const noexcept { return _peer; }
  port_status status() const noexcept { return _status; }
  cube& owner() const noexcept { return *_owner; }
  // "cube:port", the way peers and attachments name it.
  std::string path() const;
  // Packet and byte counters of this port, summed over CPUs.
  port_counters counters() const;

  // Slow path: sends a packet through this port. egress: it leaves the cube through the
  // port as pcn_pkt_redirect() would (the port's transparent cubes outbound, then the
  // peer: a netdev's wire, or the peer cube's port); ingress: it enters the cube through
  // the port as if it came from the peer (the port's transparent cubes inbound, then the
  // cube's fast path with md->in_port = this port). An unconnected port drops it (egress).
  task<void> send(slowpath::packet pkt, direction d);

 private:
  friend class datapath;
  friend class cube;
  port(cube& owner, std::string name, uint16_t index) : _owner(&owner), _name(std::move(name)), _index(index) {}

  cube* _owner;
  std::string _name;
  uint16_t _index;
  std::string _peer;
  port_status _status = port_status::down;
  // The heads of its inbound and outbound lanes as of a generation of the topology: what
  // send() needs per packet, computed once per change (datapath::slowpath_target).
  mutable std::array<pcn_hop, 2> _lanes{};
  mutable uint64_t _lanes_generation = 0;
};

class cube_base {
 public:
  virtual ~cube_base();
  cube_base(const cube_base&) = delete;
  cube_base& operator=(const cube_base&) = delete;

  const std::string& name() const noexcept { return _name; }
  const std::string& service() const noexcept { return _service; }
  cube_type type() const noexcept { return _type; }
  hook_family family() const noexcept { return family_of(_type); }
  virtual bool transparent() const noexcept = 0;
  // The cube's panel slot: how the fast path names it (events, slow path). A transparent
  // cube has a second one: it is loaded once per direction (see panel_slot()).
  uint32_t slot() const noexcept { return _slots.front(); }
  // The slot packets travelling in `direction` enter: the instance of a transparent cube
  // for that direction (pcn_direction is a constant of each), the only one of a standard cube.
  uint32_t panel_slot(uint8_t direction) const noexcept { return _slots[direction < _slots.size() ? direction : 0]; }
  datapath& owner_datapath() const noexcept { return *_datapath; }

  log::level log_level() const noexcept { return _log_level; }
  // Changes whenever a leaf the framework owns changes: the log level, a port added or
  // removed, a port's peer (e.g. for a cache of what the management plane shows).
  uint64_t framework_state_version() const noexcept { return _framework_state_version; }
  // Reloads the fast path with the new level as a load-time constant (messages below it
  // are compiled out), as reload_at_home() does; log_level() changes once it is installed.
  task<void> set_log_level(log::level level);

  // A cube constructed while the datapath spreads program loads (datapath::
  // spread_program_loads) has its maps but no programs yet: this loads them at the cube's
  // home place and puts them in the panel. The framework awaits it before the cube gets
  // ports or configuration; until then master_fd() and program_fd() throw. Nothing to do
  // (it returns at once) for a cube loaded by its constructor, or reloaded since.
  task<void> load_programs();
  bool programs_loaded() const noexcept { return !_programs_pending; }
  // Where load_programs() and reload_at_home() load (a place of datapath::spread_program_loads; 0 otherwise).
  unsigned home() const noexcept { return _home; }

  // A service constant for the next reload(), which applies them all atomically. Until
  // then it is staged: nothing else loads it (a reload the datapath makes meanwhile, for
  // new next hops, loads what the last reload installed).
  template <typename T>
  void set_constant(std::string name, const T& value) {
    stage_constant(load_constant::of(std::move(name), value));
  }
  // Loads the cube's code again with the staged constants and switches over atomically;
  // the maps, and so the state, are kept. reload() loads here and now, for callers that
  // cannot wait. reload_at_home() prepares the objects here, has the verifier load them at
  // the cube's home place (datapath::spread_program_loads) while this shard goes on, and
  // installs them here; reloads at home run one at a time, and one that the datapath's
  // changes (next hops) overtook meanwhile loads again here, at once, with them. Both
  // throw, and change nothing, when the kernel refuses the code; the staged constants are
  // then dropped.
  void reload();
  task<void> reload_at_home();

  // Replaces μcube `index` (0 is the master) with the program `program` of another object
  // (a variant of the service); maps with the cube's map names are shared, the others are
  // private to that μcube. Atomic: packets never see a missing program.
  void replace_ucube(unsigned index, elf_image object, const std::string& program, std::vector<load_constant> constants = {});

  template <typename K, typename V>
  table<K, V> get_table(std::string_view map) const {
    return {map_fd(map), _name + "/" + std::string(map)};
  }
  template <typename K, typename V>
  percpu_table<K, V> get_percpu_table(std::string_view map) const {
    return {map_fd(map), _name + "/" + std::string(map)};
  }
  int map_fd(std::string_view map) const;

  // The master μcube (of a transparent cube: the instance for `direction`), e.g. to run
  // packets through it with BPF_PROG_TEST_RUN.
  int master_fd(uint8_t direction = PCN_INGRESS) const;
  // Another program of the cube's object by name, e.g. a devmap egress program to put in a
  // devmap of the cube's. A reload() loads new instances; the old ones stay valid while
  // referenced.
  int program_fd(std::string_view program) const;

  // ---- slow path ----
  // A packet the fast path sent up with pcn_pkt_controller(): a view of the frame (no
  // copy) with the metadata (reason, in_port or direction, data[0..2]). Runs on the cube's
  // shard as a coroutine of its own, so it may co_await without holding up other packets;
  // when too many of the cube's handlers are running the packet is dropped and counted
  // instead. The default drops the packet.
  virtual task<void> packet_in(slowpath::packet pkt);
  // A pcn_notify() of the fast path. The default ignores it.
  virtual void on_notify(const notification&) {}
  // A packet of the cube's own to send from the slow path (BPDUs, ARP requests): a copy of
  // `frame` in a frame of the slow path; empty when none is free. Throws std::logic_error
  // without a slow path.
  slowpath::packet new_packet(std::span<const uint8_t> frame) const;
  // Slow-path work of the cube's own (see packet_io::run): false, and nothing runs, without
  // a slow path serving.
  bool run_in_slowpath(task<void> work);
  // The counters of the cube's slow path, the fast path's included.
  slowpath_counters slowpath_stats() const;

  // Where a transparent cube's packets go next, [PCN_INGRESS] and [PCN_EGRESS]: load-time
  // constants, so that a change reloads the cube (atomically). The datapath decides them;
  // a detached cube drops.
  const std::array<pcn_hop, 2>& next_hops() const noexcept { return _next_hops; }

 protected:
  // directions: 1 for a standard cube, 2 for a transparent one (an instance each).
  cube_base(datapath& dp, cube_options options, unsigned directions);
  void framework_state_changed() noexcept { ++_framework_state_version; }
  // cube_port_stats in place: a row of PCN_MAX_PORTS per possible CPU.
  const mapped_array<pcn_port_stats>& port_stats_rows() const;

 private:
  friend class datapath;
  // A μcube replaced by a program of another object: kept as a recipe, so that a reload
  // (new log level, new successors) loads it again with the new constants.
  struct ucube_variant {
    elf_image image;
    std::string program;
    std::vector<load_constant> constants;
  };
  // The cube's code loaded for one direction: its object and the replaced μcubes' objects.
  // Every map is shared between the instances but cube_ucubes, which holds the μcubes of
  // the instance's own direction.
  struct instance {
    bpf_object_file object;
    std::map<unsigned, bpf_object_file> variants;  // by μcube index
  };
  // What the cube's own code is loaded with, besides what the datapath decides (slot,
  // direction, next hops, trace hops): the installed values, or those a reload is loading.
  struct code_inputs {
    log::level level;
    std::vector<load_constant> constants;
  };

  const elf_image& code() const noexcept { return family() == hook_family::xdp ? _code.xdp : _code.tc; }
  void switch_to(std::vector<instance> fresh);
  void stage_constant(load_constant c);
  code_inputs installed_inputs() const { return {_log_level, _constants}; }
  // The installed inputs with `level` and `changes` (staged constants) in place.
  code_inputs installed_with(log::level level, const std::vector<load_constant>& changes) const;
  void commit(code_inputs in);
  task<void> reload_at_home_with(std::optional<log::level> level);  // none: the installed one
  // reload() of what is installed, with what the datapath decides now (next hops).
  void reload_installed();
  // Loads the code with `in` here, at once, and switches to it (nothing committed).
  void reload_here(const code_inputs& in);
  // An object opened with every constant set and every map pinned or shared: ready to load.
  bpf_object_file prepare_object(elf_image image, const std::string& tag, log::level level, const std::vector<load_constant>& constants,
                                 const bpf_object_file* share_maps_with, uint8_t direction) const;
  bpf_object_file load_object(elf_image image, const std::string& tag, log::level level, const std::vector<load_constant>& constants,
                              const bpf_object_file* share_maps_with, uint8_t direction) const;
  // The code for one direction with its maps created (or reused) and no program loaded.
  instance load_maps(uint8_t direction) const;
  // The code for one direction as load_instance() makes it, opened and not loaded: the
  // object, then its variants in the order of _ucube_variants. Maps are those of the
  // running instance's object (or of the maps-only one).
  std::vector<bpf_object_file> prepare_instance(uint8_t direction, const code_inputs& in) const;
  void require_programs() const;
  friend class port;  // its counters are in the cube's port_stats_rows()
  bpf_object_file prepare_variant(unsigned index, const ucube_variant& v, const bpf_object_file& main, uint8_t direction,
                                  log::level level) const;
  bpf_object_file load_variant(unsigned index, const ucube_variant& v, const bpf_object_file& main, uint8_t direction,
                               log::level level) const;
  instance load_instance(uint8_t direction, const code_inputs& in) const;
  void install(const instance& in, uint8_t direction);
  void set_next_hops(const std::array<pcn_hop, 2>& hops);
  // Sets something the programs are loaded with and reloads them; unchanged if that fails.
  template <typename T>
  void reload_with(T& field, const T& value);

  friend class slowpath::slow_path;  // keeps _slowpath up to date

  datapath* _datapath;
  std::string _name;
  std::string _service;
  cube_type _type;
  fastpath_code _code;
  log::level _log_level;                   // installed
  std::vector<load_constant> _constants;   // installed
  std::vector<load_constant> _staged;      // set_constant() since the last reload
  std::vector<uint32_t> _slots;         // panel slot per direction: [PCN_INGRESS] (the cube's), [PCN_EGRESS]
  std::array<pcn_hop, 2> _next_hops{};  // [PCN_INGRESS], [PCN_EGRESS]
  std::vector<instance> _instances;     // per direction, as _slots
  std::map<unsigned, ucube_variant> _ucube_variants;  // replaced μcubes, by index
  mutable mapped_array<pcn_port_stats> _port_stats;  // cube_port_stats, in place
  bool _programs_pending = false;  // _instances hold maps only, until load_programs()
  uint64_t _installs = 0;       // code switched to (reloads, μcube replacements), counted
  async_mutex _home_reloads;    // reload_at_home() one at a time
  unsigned _home = 0;
  slowpath_counters _slowpath;  // the userspace half; slowpath_stats() adds the kernel's
  uint64_t _framework_state_version = 0;
};

// A cube with ports (bridge, router...). Packets enter through a port (md->in_port) and
// leave through pcn_pkt_redirect().
class cube : public cube_base {
 public:
  bool transparent() const noexcept override { return false; }

  // Adds a port with the lowest free index. Throws topology_error if the name is taken.
  port& add_port(const std::string& name);
  // Disconnects and removes the port. Throws topology_error if it does not exist.
  void remove_port(std::string_view name);
  port* find_port(std::string_view name) const;
  port* find_port(uint16_t index) const;
  std::vector<port*> ports() const;

 protected:
  cube(datapath& dp, cube_options options);
  ~cube() override;

  // Service hooks. on_port_added may refuse the port by throwing topology_error (the port
  // is then removed again); on_port_removed runs before the port disappears.
  virtual void on_port_added(port&) {}
  virtual void on_port_removed(port&) {}
  // The topology changed (a peer, a port, a transparent cube, here or next to one of its
  // ports): where the ports' lanes lead may differ (datapath::slowpath_target). Runs after
  // the datapath wrote the kernel's tables, after every change (an undone one too) that
  // may have changed one of this cube's lanes; a cube that floods decides here which
  // ports it reaches in the kernel and which through the slow path. Throwing undoes the
  // change.
  virtual void on_topology_changed() {}

 private:
  friend class datapath;
  std::vector<std::unique_ptr<port>> _ports;
};

// A cube without ports, attached to a port or netdev in an ordered chain. It is loaded
// once per direction (pcn_direction, a load-time constant of each instance, in a panel
// slot of its own); packets continue with pcn_pkt_pass().
class transparent_cube : public cube_base {
 public:
  bool transparent() const noexcept override { return true; }
  // Where it is attached ("cube:port" or a netdev), empty when detached.
  const std::string& parent() const noexcept { return _parent; }
  // Slow path: lets a packet continue in direction d after this cube, as pcn_pkt_pass()
  // would. A detached cube drops it.
  task<void> send(slowpath::packet pkt, direction d);

 protected:
  transparent_cube(datapath& dp, cube_options options);
  ~transparent_cube() override;

 private:
  friend class datapath;
  std::string _parent;
};

}  // namespace pcn::dataplane
