#include "dataplane/datapath.hpp"

#include <bpf/bpf.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "netdev_tc.skel.h"
#include "netdev_xdp.skel.h"

namespace pcn::dataplane {
namespace {

namespace fs = std::filesystem;

constexpr const char* registry_map = "pcn_registry";
constexpr std::string_view entry_program = "pcn_netdev_ingress";
constexpr std::string_view egress_program = "pcn_netdev_egress";
// The kernel keeps 15 characters of a program's name.
constexpr std::string_view entry_program_kernel_name = "pcn_netdev_ingr";
constexpr std::string_view egress_program_kernel_name = "pcn_netdev_egre";

const char* framework_maps[] = {PCN_MAP_XDP_PANEL, PCN_MAP_TC_PANEL, PCN_MAP_DEVMAP, PCN_MAP_EVENTS, PCN_MAP_XSKS, PCN_MAP_XSK_BASE, PCN_MAP_MD};

std::string errno_text(int err) { return std::system_category().message(err); }

// bpffs is not mounted at boot on every machine: mount it where the pin root lives.
void ensure_bpffs(const std::string& root) {
  fs::path mount_point = "/sys/fs/bpf";
  if (!root.starts_with(mount_point.string())) return;
  struct statfs st{};
  if (::statfs(mount_point.c_str(), &st) == 0 && st.f_type == BPF_FS_MAGIC) return;
  std::error_code ec;
  fs::create_directories(mount_point, ec);
  if (::mount("bpf", mount_point.c_str(), "bpf", 0, "mode=0700") != 0)
    throw bpf_error("mount bpffs at " + mount_point.string() + ": " + errno_text(errno));
  log::info("datapath: mounted bpffs at {}", mount_point.string());
}

size_t family_index(hook_family f) { return f == hook_family::xdp ? 0 : 1; }

// The id of the map pinned at `path` (0: none).
uint32_t pinned_map_id(const std::string& path) {
  unique_fd fd(bpf_obj_get(path.c_str()));
  if (!fd) return 0;
  bpf_map_info info{};
  uint32_t len = sizeof info;
  return bpf_obj_get_info_by_fd(fd.get(), &info, &len) == 0 ? info.id : 0;
}

// What re-adoption needs to know of a loaded program: its tag (the kernel's hash of its
// instructions, which leaves maps and constants out: the same tag is the same code) and
// the ids of the maps it uses.
struct program_facts {
  std::array<uint8_t, BPF_TAG_SIZE> tag{};
  std::vector<uint32_t> map_ids;
};

std::optional<program_facts> facts_of(int prog_fd) {
  uint32_t ids[64]{};
  bpf_prog_info info{};
  info.nr_map_ids = std::size(ids);
  info.map_ids = reinterpret_cast<uintptr_t>(ids);
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) return std::nullopt;
  program_facts f;
  std::copy(std::begin(info.tag), std::end(info.tag), f.tag.begin());
  f.map_ids.assign(ids, ids + std::min<uint32_t>(info.nr_map_ids, std::size(ids)));
  return f;
}

// Whether the program with this id uses the map with that id. An entry program found on a
// netdev belongs to this datapath only if it uses this pin root's patch panel: another
// datapath (another pin root: a test, a second daemon) may share the network namespace.
bool program_uses_map(uint32_t prog_id, uint32_t map_id) {
  if (map_id == 0) return false;
  unique_fd fd(bpf_prog_get_fd_by_id(prog_id));
  auto facts = fd ? facts_of(fd.get()) : std::nullopt;
  return facts && std::find(facts->map_ids.begin(), facts->map_ids.end(), map_id) != facts->map_ids.end();
}

// The .rodata a program was loaded with (its load-time constants); empty when none is found.
std::vector<std::byte> rodata_of(const program_facts& program) {
  for (uint32_t id : program.map_ids) {
    unique_fd map(bpf_map_get_fd_by_id(id));
    if (!map) continue;
    bpf_map_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(map.get(), &info, &len) != 0) continue;
    if (!std::string_view(info.name).ends_with(".rodata") || info.key_size != sizeof(uint32_t) || info.max_entries != 1) continue;
    std::vector<std::byte> value(info.value_size);
    uint32_t key = 0;
    return bpf_map_lookup_elem(map.get(), &key, value.data()) == 0 ? value : std::vector<std::byte>{};
  }
  return {};
}

}  // namespace

struct datapath::registry_entry {
  char name[64];
  char service[32];
  uint32_t in_use;  // registry_cube, registry_egress, registry_trace_tap, or 0: free
  uint32_t family;
};

namespace {
constexpr uint32_t registry_cube = 1;    // the slot of cube `name` (of a transparent cube: its ingress)
constexpr uint32_t registry_egress = 2;  // the egress slot of transparent cube `name`
constexpr uint32_t registry_trace_tap = 3;  // a trace tap on port `name` (no trace outlives its run)
}  // namespace

std::string_view to_string(cube_type t) {
  switch (t) {
    case cube_type::tc: return "TC";
    case cube_type::xdp_skb: return "XDP_SKB";
    case cube_type::xdp_drv: return "XDP_DRV";
  }
  return "?";
}

std::optional<cube_type> parse_cube_type(std::string_view s) {
  if (s == "TC") return cube_type::tc;
  if (s == "XDP_SKB") return cube_type::xdp_skb;
  if (s == "XDP_DRV") return cube_type::xdp_drv;
  return std::nullopt;
}

std::string_view to_string(hook_family f) { return f == hook_family::xdp ? "XDP" : "TC"; }

std::optional<chain_position> chain_position::parse(std::string_view position, std::string_view before,
                                                    std::string_view after) {
  int given = !position.empty() + !before.empty() + !after.empty();
  if (given > 1) return std::nullopt;
  if (!before.empty()) return chain_position{kind::before, std::string(before)};
  if (!after.empty()) return chain_position{kind::after, std::string(after)};
  if (position.empty() || position == "auto" || position == "last") return chain_position{kind::last, {}};
  if (position == "first") return chain_position{kind::first, {}};
  return std::nullopt;
}

datapath::datapath(datapath_options options) : _options(std::move(options)) {
  install_libbpf_logger();
  ensure_bpffs(_options.pin_root);
  std::error_code ec;
  if (_options.clean && fs::exists(_options.pin_root)) {
    // Detach what a previous run attached before its maps go away.
    uint32_t xdp_panel = pinned_map_id(framework_pin_path(PCN_MAP_XDP_PANEL));
    uint32_t tc_panel = pinned_map_id(framework_pin_path(PCN_MAP_TC_PANEL));
    for (const netdev_programs& n : scan_attached_programs()) {
      for (auto [mode, id] : {std::pair{xdp_mode::skb, n.xdp_skb}, std::pair{xdp_mode::native, n.xdp_native}})
        if (id && program_name(id).starts_with(entry_program_kernel_name) && program_uses_map(id, xdp_panel)) {
          unique_fd fd(bpf_prog_get_fd_by_id(id));
          if (fd) detach_xdp(n.ifindex, fd.get(), mode);
        }
      for (auto [d, id] : {std::pair{tc_direction::ingress, n.tc_ingress}, std::pair{tc_direction::egress, n.tc_egress}})
        if (id && program_uses_map(id, tc_panel)) detach_tc(n.ifindex, d);
    }
    fs::remove_all(_options.pin_root, ec);
    if (ec) throw bpf_error("clean " + _options.pin_root + ": " + ec.message());
  }
  fs::create_directories(_options.pin_root + "/cubes", ec);
  if (ec) throw bpf_error("create pin directory " + _options.pin_root + ": " + ec.message());
  if (detail::possible_cpus() > PCN_MAX_CPUS)
    throw bpf_error("this machine has " + std::to_string(detail::possible_cpus()) + " possible CPUs; the XDP metadata has room for " +
                    std::to_string(PCN_MAX_CPUS) + " (PCN_MAX_CPUS in bpf/pcn_abi.h)");
  load_framework_maps();
  adopt_previous_state();
}

datapath::~datapath() {
  if (!_cubes.empty() && !_keep_kernel_state)
    log::warn("datapath: destroyed with {} cube(s) still registered", _cubes.size());
  ::close(_registry_fd);
  // Nothing is left for a next run to re-adopt: the framework's pins go too.
  if (!_keep_kernel_state && _cubes.empty()) {
    std::error_code ec;
    fs::remove_all(_options.pin_root, ec);
    if (ec) log::warn("datapath: cannot remove {}: {}", _options.pin_root, ec.message());
  }
}

bool datapath::is_framework_map(std::string_view map) const {
  for (const char* m : framework_maps)
    if (map == m) return true;
  return false;
}

int datapath::framework_map_fd(std::string_view map) const {
  if (auto fd = _xdp_maps->find_map_fd(map)) return *fd;
  return _tc_maps->map_fd(map);
}

// (bpffs refuses names with a dot: a shared data section's get underscores.)
std::string datapath::framework_pin_path(const std::string& map) const {
  std::string name = map;
  std::replace(name.begin(), name.end(), '.', '_');
  return _options.pin_root + "/" + name;
}
std::string datapath::public_pin_path(const std::string& map) const { return _options.pin_root + "/public/" + map; }
std::string datapath::cube_pin_dir(const std::string& cube) const { return _options.pin_root + "/cubes/" + cube; }

void datapath::load_framework_maps() {
  // A framework map pinned already (by the other entry object, or a previous run) is
  // reused by fd: libbpf's pin compatibility check would refuse a devmap, whose flags the
  // kernel amends at creation.
  auto load = [this](const char* name, elf_image image) {
    auto object = std::make_unique<bpf_object_file>(name, image);
    std::vector<unique_fd> pinned;
    for (const auto& map : object->map_names()) {
      std::string path = framework_pin_path(map);
      unique_fd fd(bpf_obj_get(path.c_str()));
      if (fd) {
        object->reuse_map(map, fd.get());
        pinned.push_back(std::move(fd));
      } else {
        object->pin_map(map, path);
      }
    }
    object->load();
    return object;
  };
  _xdp_maps = load("pcn_netdev_xdp", embedded_object<netdev_xdp>());
  _tc_maps = load("pcn_netdev_tc", embedded_object<netdev_tc>());
  for (auto [family, object] : {std::pair{hook_family::xdp, _xdp_maps.get()}, std::pair{hook_family::tc, _tc_maps.get()}})
    for (const auto& program : object->program_names()) _framework_programs.try_emplace({family, program}, *object, program);

  std::string path = framework_pin_path(registry_map);
  _registry_fd = bpf_obj_get(path.c_str());
  if (_registry_fd < 0) {
    _registry_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, registry_map, sizeof(uint32_t), sizeof(registry_entry), PCN_MAX_CUBES * 2, nullptr);
    if (_registry_fd < 0) throw bpf_error("create the cube registry map: " + errno_text(errno));
    if (bpf_obj_pin(_registry_fd, path.c_str()) != 0) throw bpf_error("pin the cube registry at " + path + ": " + errno_text(errno));
  }
}

void datapath::adopt_previous_state() {
  // Cubes the previous run registered: their slots stay taken until re-adopted or removed.
  std::vector<std::pair<std::string, uint32_t>> egress_slots[2];  // per family: cube name, slot
  for (uint32_t key = 0; key < PCN_MAX_CUBES * 2; ++key) {
    registry_entry e{};
    if (bpf_map_lookup_elem(_registry_fd, &key, &e) != 0 || !e.in_use) continue;
    hook_family f = key < PCN_MAX_CUBES ? hook_family::xdp : hook_family::tc;
    uint32_t slot = key % PCN_MAX_CUBES;
    std::string name(e.name, strnlen(e.name, sizeof e.name));
    _used_slots[family_index(f)].insert(slot);
    if (e.in_use == registry_egress) {
      egress_slots[family_index(f)].emplace_back(name, slot);
      continue;
    }
    if (e.in_use == registry_trace_tap) {  // it may still head a lane: freed by finish_restore()
      _previous_taps.emplace_back(f, slot);
      continue;
    }
    previous_cube p{name, std::string(e.service, strnlen(e.service, sizeof e.service)), f, slot, std::nullopt};
    _previous.emplace(p.name, p);
  }
  for (hook_family f : {hook_family::xdp, hook_family::tc})
    for (const auto& [name, slot] : egress_slots[family_index(f)]) {
      auto it = _previous.find(name);
      if (it != _previous.end() && it->second.family == f) it->second.egress_slot = slot;
      else free_slot(f, slot);  // its cube is gone
    }
  for (auto& [k, v] : table<uint32_t, bpf_devmap_val>(framework_map_fd(PCN_MAP_DEVMAP), PCN_MAP_DEVMAP).entries()) _written_devmap.insert(k);

  // Entry programs a previous run attached keep forwarding until the topology wants the
  // netdev (they are then replaced atomically by this run's) or finish_restore() finds it
  // does not (they are then detached).
  uint32_t xdp_panel = pinned_map_id(framework_pin_path(PCN_MAP_XDP_PANEL));
  uint32_t tc_panel = pinned_map_id(framework_pin_path(PCN_MAP_TC_PANEL));
  for (const netdev_programs& n : scan_attached_programs()) {
    for (auto [mode, id] : {std::pair{xdp_mode::skb, n.xdp_skb}, std::pair{xdp_mode::native, n.xdp_native}}) {
      if (!id || !program_name(id).starts_with(entry_program_kernel_name) || !program_uses_map(id, xdp_panel)) continue;
      hook_state& h = _hooks[n.ifindex];
      h = hook_state{n.name, hook_family::xdp, mode, false, adopt_entry(hook_family::xdp, tc_direction::ingress, id), std::nullopt};
      log::info("datapath: found the XDP entry program of the previous run on {}", n.name);
    }
    for (auto [d, id] : {std::pair{tc_direction::ingress, n.tc_ingress}, std::pair{tc_direction::egress, n.tc_egress}}) {
      if (!id) continue;
      std::string prog = program_name(id);
      if (!prog.starts_with(entry_program_kernel_name) && !prog.starts_with(egress_program_kernel_name)) continue;
      if (!program_uses_map(id, tc_panel)) continue;
      hook_state& h = _hooks.try_emplace(n.ifindex, hook_state{n.name, hook_family::tc, xdp_mode::skb, false, {}, {}}).first->second;
      (d == tc_direction::ingress ? h.ingress : h.egress) = adopt_entry(hook_family::tc, d, id);
      log::info("datapath: found the TC {} entry program of the previous run on {}", d == tc_direction::ingress ? "ingress" : "egress", n.name);
    }
  }
  if (!_previous.empty()) log::info("datapath: {} cube(s) of the previous run are waiting to be re-adopted", _previous.size());
}

// An entry program the previous run left on a netdev. When it is this binary's code (the
// same tag as our own instance of it), its hop and trace filter are read back from its
// constants: a rewire that wants the same then keeps it instead of loading it again, which
// was a third of the program loads of a restart. Otherwise it is only known by its id, and
// replaced by the first rewire that wants the netdev.
datapath::entry_instance datapath::adopt_entry(hook_family family, tc_direction direction, uint32_t id) const {
  entry_instance unknown{{}, {}, unique_fd{}, id};
  const bpf_object_file& own = family == hook_family::xdp ? *_xdp_maps : *_tc_maps;
  auto ours = facts_of(own.program_fd(direction == tc_direction::ingress ? entry_program : egress_program));
  unique_fd fd(bpf_prog_get_fd_by_id(id));
  auto theirs = fd ? facts_of(fd.get()) : std::nullopt;
  if (!ours || !theirs || ours->tag != theirs->tag) return unknown;
  auto hop = own.constant_location("pcn_first_hop"), trace = own.constant_location("pcn_trace");
  std::vector<std::byte> rodata = rodata_of(*theirs);
  auto fits = [&](const auto& where, size_t size) { return where && where->second == size && where->first + size <= rodata.size(); };
  if (!fits(hop, sizeof(pcn_hop)) || !fits(trace, sizeof(pcn_trace_filter))) return unknown;
  entry_instance known{{}, {}, std::move(fd), id};
  std::memcpy(&known.hop, rodata.data() + hop->first, sizeof known.hop);
  std::memcpy(&known.trace, rodata.data() + trace->first, sizeof known.trace);
  return known;
}

std::vector<previous_cube> datapath::previous_cubes() const {
  std::vector<previous_cube> out;
  for (const auto& [name, p] : _previous) out.push_back(p);
  return out;
}

int datapath::entry_program_fd(const std::string& netdev, tc_direction direction) const {
  for (const auto& [ifindex, h] : _hooks) {
    if (h.name != netdev) continue;
    const auto& e = direction == tc_direction::ingress ? h.ingress : h.egress;
    return e ? e->program.get() : -1;
  }
  return -1;
}

std::optional<pcn_hop> datapath::entry_hop(const std::string& netdev, tc_direction direction) const {
  for (const auto& [ifindex, h] : _hooks) {
    if (h.name != netdev) continue;
    const auto& e = direction == tc_direction::ingress ? h.ingress : h.egress;
    if (e && e->program) return e->hop;
  }
  return std::nullopt;
}

void datapath::set_panel_slot(hook_family family, uint32_t slot, int prog_fd) {
  table<uint32_t, uint32_t> panel(framework_map_fd(family == hook_family::xdp ? PCN_MAP_XDP_PANEL : PCN_MAP_TC_PANEL), "panel");
  if (prog_fd >= 0) panel.set(slot, static_cast<uint32_t>(prog_fd));
  else panel.remove(slot);
}

// Takes a slot for good: its registry entry (what a restart finds) and _used_slots.
void datapath::record_slot(hook_family family, uint32_t slot, uint32_t kind, const std::string& name, const std::string& service) {
  registry_entry e{};
  std::strncpy(e.name, name.c_str(), sizeof e.name - 1);
  std::strncpy(e.service, service.c_str(), sizeof e.service - 1);
  e.in_use = kind;
  e.family = static_cast<uint32_t>(family_index(family));
  uint32_t key = slot + (family == hook_family::tc ? PCN_MAX_CUBES : 0);
  if (bpf_map_update_elem(_registry_fd, &key, &e, BPF_ANY) != 0)
    throw bpf_error("register " + name + " in panel slot " + std::to_string(slot) + ": " + errno_text(errno));
  _used_slots[family_index(family)].insert(slot);
}

// Empties a slot: its panel entry and its registry entry.
void datapath::free_slot(hook_family family, uint32_t slot) {
  try {
    set_panel_slot(family, slot, -1);
  } catch (const std::exception& e) {
    log::warn("datapath: clearing panel slot {}: {}", slot, e.what());
  }
  uint32_t key = slot + (family == hook_family::tc ? PCN_MAX_CUBES : 0);
  registry_entry empty{};
  bpf_map_update_elem(_registry_fd, &key, &empty, BPF_ANY);
  _used_slots[family_index(family)].erase(slot);
}

// Every slot of a cube the previous run left, and its pins.
void datapath::remove_previous(const previous_cube& p) {
  free_slot(p.family, p.slot);
  if (p.egress_slot) free_slot(p.family, *p.egress_slot);
  std::error_code ec;
  fs::remove_all(cube_pin_dir(p.name), ec);
}

uint32_t datapath::first_free_slot(hook_family family, uint32_t from, const std::vector<uint32_t>& taken) const {
  // One walk along the ordered used slots, not a lookup per candidate: slots are taken densely.
  const auto& used = _used_slots[family_index(family)];
  for (auto next_used = used.lower_bound(from); from < PCN_MAX_CUBES; ++from) {
    if (next_used != used.end() && *next_used == from) {
      ++next_used;
      continue;
    }
    if (std::find(taken.begin(), taken.end(), from) == taken.end()) return from;
  }
  return PCN_MAX_CUBES;
}

std::vector<uint32_t> datapath::register_cube(cube_base& c, unsigned directions) {
  hook_family f = c.family();
  size_t fi = family_index(f);
  std::vector<uint32_t> slots;
  if (auto it = _previous.find(c.name()); it != _previous.end()) {
    if (it->second.family == f && it->second.service == c.service()) {
      slots.push_back(it->second.slot);
      if (it->second.egress_slot && directions > 1) slots.push_back(*it->second.egress_slot);
      else if (it->second.egress_slot) free_slot(f, *it->second.egress_slot);
      log::info("datapath: cube {} re-adopts its state from the previous run", c.name());
    } else {
      log::info("datapath: cube {} of the previous run was a {} {} cube: its state is removed", c.name(),
                it->second.service, to_string(it->second.family));
      remove_previous(it->second);
    }
    _previous.erase(it);
  } else {
    // Pins of a cube that no registry entry knows (a crash between pin and register) are stale.
    std::error_code ec;
    fs::remove_all(cube_pin_dir(c.name()), ec);
  }
  std::vector<uint32_t> fresh;  // the slots taken now (the others were the previous run's)
  for (uint32_t s = 0; slots.size() < directions; ++s) {
    s = first_free_slot(f, s, slots);
    if (s == PCN_MAX_CUBES) {
      for (uint32_t previous : slots)
        if (std::find(fresh.begin(), fresh.end(), previous) == fresh.end()) free_slot(f, previous);
      throw topology_error(topology_error::kind::conflict, "no free slot for cube " + c.name() + ": " + std::to_string(PCN_MAX_CUBES) + " " + std::string(to_string(f)) + " slots are taken");
    }
    slots.push_back(s);
    fresh.push_back(s);
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    try {
      record_slot(f, slots[i], i == 0 ? registry_cube : registry_egress, c.name(), c.service());
    } catch (...) {
      for (uint32_t taken : slots) free_slot(f, taken);
      throw;
    }
  }
  _cubes[c.name()] = &c;
  if (_by_slot[fi].size() <= slots[0]) _by_slot[fi].resize(slots[0] + 1);
  _by_slot[fi][slots[0]] = &c;  // events name a cube by its first slot
  return slots;
}

void datapath::unregister_cube(cube_base& c) {
  auto it = _cubes.find(c.name());
  if (it == _cubes.end() || it->second != &c) return;
  _cubes.erase(it);
  _by_slot[family_index(c.family())][c.slot()] = nullptr;
  _written_ports.erase(_written_ports.lower_bound({&c, 0}), _written_ports.upper_bound({&c, UINT16_MAX}));
  if (_keep_kernel_state) return;  // the next run re-adopts it
  for (uint32_t slot : c._slots) free_slot(c.family(), slot);
  std::error_code ec;
  fs::remove_all(cube_pin_dir(c.name()), ec);
}

void datapath::finish_restore() {
  for (const auto& [name, p] : _previous) {
    log::info("datapath: cube {} of the previous run was not re-created: removing it", name);
    remove_previous(p);
  }
  _previous.clear();
  _restoring = false;
  rewire();
  // The previous run's trace taps, now bypassed.
  for (auto [family, slot] : std::exchange(_previous_taps, {})) free_slot(family, slot);
}

cube_base* datapath::find_cube(std::string_view name) const {
  auto it = _cubes.find(name);
  return it == _cubes.end() ? nullptr : it->second;
}

cube_base* datapath::find_cube(hook_family family, uint32_t slot) const {
  const auto& by_slot = _by_slot[family_index(family)];
  return slot < by_slot.size() ? by_slot[slot] : nullptr;
}

std::vector<cube_base*> datapath::cubes() const {
  std::vector<cube_base*> out;
  for (const auto& [name, c] : _cubes) out.push_back(c);
  return out;
}

port* datapath::find_port(std::string_view cube_and_port) const {
  size_t colon = cube_and_port.find(':');
  if (colon == std::string_view::npos) return nullptr;
  auto* c = dynamic_cast<cube*>(find_cube(cube_and_port.substr(0, colon)));
  return c ? c->find_port(cube_and_port.substr(colon + 1)) : nullptr;
}

std::vector<transparent_cube*> datapath::chain_of(const std::string& parent) const {
  auto it = _chains.find(parent);
  return it == _chains.end() ? std::vector<transparent_cube*>{} : it->second;
}

std::string datapath::xdp_attach_report() const {
  if (_xdp_modes_seen.empty()) return "no XDP entry program attached yet";
  std::string out;
  for (const auto& [netdev, report] : _xdp_modes_seen) out += (out.empty() ? "" : "; ") + report;
  return out;
}

packet_io& datapath::require_packet_io() const {
  if (!_packet_io) throw std::logic_error("send a packet from the slow path: this datapath has no slow path");
  return *_packet_io;
}

pcn_hop datapath::slowpath_target(const port& p, direction d) const {
  if (p._lanes_generation != _generation) {
    p._lanes = {inbound_head(p), outbound_head(p)};
    p._lanes_generation = _generation;
  }
  return p._lanes[static_cast<size_t>(d)];
}

void datapath::set_xdp_netdev_listener(xdp_netdev_listener listener) {
  _xdp_listener = std::move(listener);
  if (_xdp_listener) _xdp_listener(_xdp_netdevs_reported);
}

void datapath::report_xdp_netdevs(const hook_plans& plans, const std::vector<std::string_view>& netdevs, bool everything) {
  std::map<int, std::string> xdp;
  if (!everything) {
    xdp = _xdp_netdevs_reported;
    std::erase_if(xdp, [&](const auto& n) { return std::find(netdevs.begin(), netdevs.end(), n.second) != netdevs.end(); });
  }
  for (const auto& [name, plan] : plans)
    if (plan.family == hook_family::xdp) xdp.emplace(_netdevs.at(name).ifindex, name);
  if (xdp == _xdp_netdevs_reported) return;
  _xdp_netdevs_reported = std::move(xdp);
  if (_xdp_listener) _xdp_listener(_xdp_netdevs_reported);
}

// A new instance of one of the framework's programs (bpf/netdev.bpf.c), from the template
// of the framework object loaded at start, with its own first hop and trace filter.
unique_fd datapath::load_framework_program(hook_family family, std::string_view program, const pcn_hop& hop,
                                           const pcn_trace_filter& trace, const std::string& what) const {
  auto it = _framework_programs.find(std::pair{family, std::string(program)});
  if (it == _framework_programs.end()) throw bpf_error("datapath: no framework program " + std::string(program));
  return it->second.instantiate({load_constant::of("pcn_first_hop", hop), load_constant::of("pcn_trace", trace)}, what);
}

unique_fd datapath::load_entry(hook_family family, tc_direction direction, const pcn_hop& hop, const pcn_trace_filter& trace,
                               const std::string& netdev) const {
  return load_framework_program(family, direction == tc_direction::ingress ? entry_program : egress_program, hop, trace,
                                "the entry program of " + netdev);
}

// Puts an entry program with this first hop on the netdev's hook: a fresh attach, or an
// atomic replacement of what runs there (the previous instance, or the previous run's).
void datapath::update_entry(int ifindex, hook_state& state, tc_direction direction, const pcn_hop& hop,
                            const pcn_trace_filter& trace) {
  auto& slot = direction == tc_direction::ingress ? state.ingress : state.egress;
  if (slot && slot->program && std::memcmp(&slot->hop, &hop, sizeof hop) == 0 &&
      std::memcmp(&slot->trace, &trace, sizeof trace) == 0)
    return;
  unique_fd program = load_entry(state.family, direction, hop, trace, state.name);
  int fd = program.get();
  if (state.family == hook_family::tc) {
    attach_tc(ifindex, state.name, direction, fd);  // replaces atomically when present
  } else if (!slot) {
    xdp_attachment a = attach_xdp(ifindex, state.name, fd, state.mode);
    state.dispatcher = a.dispatcher;
    std::string report = state.name + ": XDP " + (state.mode == xdp_mode::native ? "native" : "generic") +
                         (a.dispatcher ? " via the libxdp dispatcher" : " as the only program (libxdp dispatcher unavailable)");
    log::info("datapath: {}", report);
    _xdp_modes_seen[state.name] = report;
  } else if (state.dispatcher) {
    // libxdp's dispatcher has no atomic swap of one of its programs: a brief gap.
    detach_entry(ifindex, state, direction);
    attach_xdp(ifindex, state.name, fd, state.mode);
  } else {
    replace_xdp(ifindex, state.name, attached_xdp_program(ifindex, state.mode), fd, state.mode);
  }
  slot = entry_instance{hop, trace, std::move(program), 0};
}

void datapath::detach_entry(int ifindex, const hook_state& state, tc_direction direction) {
  const auto& slot = direction == tc_direction::ingress ? state.ingress : state.egress;
  if (!slot) return;
  if (state.family == hook_family::tc) {
    detach_tc(ifindex, direction);
    return;
  }
  unique_fd adopted;
  int fd = -1;
  if (slot->program) {
    fd = slot->program.get();
  } else {
    adopted.reset(bpf_prog_get_fd_by_id(slot->adopted_id));
    fd = adopted.get();
  }
  if (fd >= 0) detach_xdp(ifindex, fd, state.mode);
}

void datapath::sync_hooks(const hook_plans& plans) {
  // A refusal (driver without native XDP...) aborts the change with what ran before still
  // running: maps pointing at new hops are written after this.
  for (const auto& [name, plan] : plans) {
    int ifindex = _netdevs.at(name).ifindex;
    auto it = _hooks.find(ifindex);
    if (it != _hooks.end() && (it->second.family != plan.family || it->second.mode != plan.mode)) {
      detach_entry(ifindex, it->second, tc_direction::ingress);
      detach_entry(ifindex, it->second, tc_direction::egress);
      _hooks.erase(it);
      it = _hooks.end();
    }
    if (it == _hooks.end()) it = _hooks.emplace(ifindex, hook_state{name, plan.family, plan.mode, false, {}, {}}).first;
    hook_state& state = it->second;
    try {
      update_entry(ifindex, state, tc_direction::ingress, plan.ingress, plan.trace);
      if (plan.egress) update_entry(ifindex, state, tc_direction::egress, *plan.egress, plan.trace);
    } catch (...) {
      if (!state.ingress) _hooks.erase(ifindex);
      throw;
    }
  }
}

void datapath::start_trace(const std::string& target, const pcn_trace_filter& filter) {
  if (!filter.id) throw std::invalid_argument("trace " + target + ": a trace needs an id");
  const bool on_port = is_cube_port_name(target);
  port* p = on_port ? find_port(target) : nullptr;
  if (on_port ? !p : !netdev_family(target))
    throw topology_error(topology_error::kind::not_found,
                         "trace " + target + ": " + (on_port ? "no port " + target : "no cube uses netdev " + target));
  if (traced(target)) throw topology_error(topology_error::kind::conflict, "trace " + target + ": " + target + " is being traced already");
  auto traces = _traces;
  traces[target] = filter;
  if (!p) return change_traces(target, std::move(traces));
  hook_family family = p->owner().family();
  _trace_taps.emplace(target, trace_tap{family, take_tap_slot(family, target), {}, {}, unique_fd{}});
  try {
    change_traces(target, std::move(traces));
  } catch (...) {
    free_slot(family, _trace_taps.extract(target).mapped().slot);
    throw;
  }
}

void datapath::stop_trace(const std::string& target, uint32_t id) {
  auto it = _traces.find(target);
  if (it == _traces.end() || it->second.id != id) {
    // Forgotten already (it left the topology): the reports go with the last trace.
    if (_traces.empty()) set_trace_hops(false);
    return;
  }
  auto traces = _traces;
  traces.erase(target);
  auto tap = _trace_taps.extract(target);  // the port's lane no longer begins with it
  try {
    change_traces(target, std::move(traces));
  } catch (...) {
    if (tap) _trace_taps.insert(std::move(tap));
    throw;
  }
  if (tap) free_slot(tap.mapped().family, tap.mapped().slot);
}

// Entry programs, taps and cubes loaded for the traces wanted, or as they were if that fails.
void datapath::change_traces(const std::string& target, std::map<std::string, pcn_trace_filter, std::less<>> traces) {
  auto before = std::exchange(_traces, std::move(traces));
  try {
    // Cubes report hops before the first packet is flagged, and until the last one was.
    if (!_traces.empty()) set_trace_hops(true);
    rewire();
    if (_traces.empty()) set_trace_hops(false);
  } catch (...) {
    _traces = std::move(before);
    try {
      rewire();
      set_trace_hops(!_traces.empty());
    } catch (const std::exception& e) {
      log::error("datapath: restoring the traces after one of {} failed: {}", target, e.what());
    }
    throw;
  }
}

void datapath::spread_program_loads(unsigned places, object_loader loader) {
  if (places > 0 && !loader) throw std::invalid_argument("datapath: spreading program loads needs a loader");
  _load_places = places;
  _next_load_place = 0;
  _loader = std::move(loader);
}

unsigned datapath::take_load_place() noexcept {
  unsigned place = _next_load_place;
  _next_load_place = (_next_load_place + 1) % std::max(_load_places, 1u);
  return place;
}

task<void> datapath::load_objects(unsigned place, std::span<bpf_object_file> objects) {
  if (!_loader) {  // loads stopped being spread since the cube was made: load here
    load_each(objects);
    co_return;
  }
  co_await _loader(place, objects);
}

// Reloads every cube with or without its hop reports (atomically, state kept).
void datapath::set_trace_hops(bool on) {
  if (_trace_hops == on) return;
  _trace_hops = on;
  std::vector<cube_base*> done;
  try {
    for (auto& [name, cube] : _cubes) {
      cube->reload_installed();
      done.push_back(cube);
    }
  } catch (...) {
    _trace_hops = !on;
    for (cube_base* cube : done) {
      try {
        cube->reload_installed();
      } catch (const std::exception& e) {
        log::error("datapath: reloading cube {} back: {}", cube->name(), e.what());
      }
    }
    throw;
  }
}

std::vector<std::string> datapath::traced_targets() const {
  std::vector<std::string> out;
  for (const auto& [target, _] : _traces) out.push_back(target);
  return out;
}

// A panel slot for a trace tap, recorded so that a restart frees it once nothing points at it.
uint32_t datapath::take_tap_slot(hook_family family, const std::string& target) {
  uint32_t slot = first_free_slot(family, 0, {});
  if (slot == PCN_MAX_CUBES) throw topology_error(topology_error::kind::conflict, "no free " + std::string(to_string(family)) + " panel slot for a trace of " + target);
  record_slot(family, slot, registry_trace_tap, target, "");
  return slot;
}

}  // namespace pcn::dataplane
