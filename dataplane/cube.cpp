#include "dataplane/cube.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstring>
#include <optional>
#include <set>
#include <stdexcept>

#include "dataplane/datapath.hpp"
#include "slowpath/packet.hpp"

namespace pcn::dataplane {
namespace {

constexpr std::string_view master_program = "pcn_master";
constexpr std::string_view ucube_prefix = "pcn_ucube_";
constexpr std::string_view ucubes_map = "cube_ucubes";
constexpr std::string_view port_stats_map = "cube_port_stats";
constexpr std::string_view cube_stats_map = "cube_stats";

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

void check_name(std::string_view what, std::string_view name) {
  if (!valid_name(name) || name == "." || name == "..")
    throw topology_error(topology_error::kind::invalid,
                         std::string(what) + " name '" + std::string(name) +
                             "' is invalid: use 1 to 64 letters, digits, '_', '-' or '.'");
}

uint32_t fast_path_level(log::level l) { return static_cast<uint32_t>(l); }

// cube_port_stats: a row of PCN_MAX_PORTS per CPU number.
size_t port_stats_entries() { return size_t{PCN_MAX_PORTS} * detail::cpu_number_bound(); }

// Calls f with each counter of port `index`, one row per CPU.
template <typename F>
void for_each_counter(const mapped_array<pcn_port_stats>& rows, uint16_t index, F f) {
  for (size_t row = index; row < rows.size(); row += PCN_MAX_PORTS)
    for (__u64* counter : {&rows[row].rx_packets, &rows[row].rx_bytes, &rows[row].tx_packets, &rows[row].tx_bytes})
      f(std::atomic_ref<__u64>(*counter));
}

// A cube_port_stats pinned by a build from before the rows (a per-CPU array, or any other
// shape): libbpf would refuse to reuse it, and the cube to load. Its counts, summed over
// CPUs, are taken (empty: nothing to carry) and the pin removed; the cube carries them
// into its new map. Counts made meanwhile by the previous program are lost.
std::vector<pcn_port_stats> take_older_port_counters(const std::string& path, const std::string& cube) {
  unique_fd old(bpf_obj_get(path.c_str()));
  if (!old) return {};
  bpf_map_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(old.get(), &info, &len) != 0) return {};
  if (info.type == BPF_MAP_TYPE_ARRAY && info.max_entries == port_stats_entries()) return {};  // ours
  std::vector<pcn_port_stats> counts;
  if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY && info.value_size == sizeof(pcn_port_stats) && info.max_entries == PCN_MAX_PORTS) {
    percpu_table<uint32_t, pcn_port_stats> older(old.get(), cube + "/" + std::string(port_stats_map));
    for (uint32_t port = 0; port < PCN_MAX_PORTS; ++port)
      counts.push_back(older.sum(port, [](pcn_port_stats& total, const pcn_port_stats& v) {
        total.rx_packets += v.rx_packets;
        total.rx_bytes += v.rx_bytes;
        total.tx_packets += v.tx_packets;
        total.tx_bytes += v.tx_bytes;
      }));
    log::info("cube {}: port counters of the previous run carried over from their older layout", cube);
  } else {
    log::warn("cube {}: port counters of the previous run in an unknown layout: they start from zero", cube);
  }
  ::unlink(path.c_str());
  return counts;
}

// Sets constant c in `constants`: replaces the one of its name, or adds it.
void put_constant(std::vector<load_constant>& constants, load_constant c) {
  auto it = std::find_if(constants.begin(), constants.end(), [&](const load_constant& x) { return x.name == c.name; });
  if (it != constants.end()) *it = std::move(c);
  else constants.push_back(std::move(c));
}

}  // namespace

std::string port::path() const { return _owner->name() + ":" + _name; }

port_counters port::counters() const {
  // Each CPU's row, read in place while the fast path counts on; the four counters in the
  // order of pcn_port_stats and of port_counters.
  std::array<uint64_t, 4> sums{};
  size_t i = 0;
  for_each_counter(_owner->port_stats_rows(), _index, [&](std::atomic_ref<__u64> c) { sums[i++ % 4] += c.load(std::memory_order_relaxed); });
  return {sums[0], sums[1], sums[2], sums[3]};
}

task<void> port::send(slowpath::packet pkt, direction d) {
  datapath& dp = _owner->owner_datapath();
  return dp.require_packet_io().send(std::move(pkt), dp.slowpath_target(*this, d), *_owner);
}

task<void> cube_base::packet_in(slowpath::packet) { co_return; }

slowpath_counters cube_base::slowpath_stats() const {
  slowpath_counters c = _slowpath;
  auto stats = get_percpu_table<uint32_t, pcn_cube_stats>(cube_stats_map);
  pcn_cube_stats k = stats.sum(0, [](pcn_cube_stats& total, const pcn_cube_stats& v) {
    total.slowpath_packets += v.slowpath_packets;
    total.slowpath_drops += v.slowpath_drops;
    total.event_drops += v.event_drops;
  });
  c.fastpath_to_slowpath = k.slowpath_packets;
  c.fastpath_drops = k.slowpath_drops;
  c.event_drops = k.event_drops;
  return c;
}

cube_base::cube_base(datapath& dp, cube_options options, unsigned directions)
    : _datapath(&dp),
      _name(std::move(options.name)),
      _service(std::move(options.service)),
      _type(options.type),
      _code(options.code),
      _log_level(options.log_level),
      _constants(std::move(options.constants)) {
  check_name("cube", _name);
  if (dp.find_cube(_name)) throw topology_error(topology_error::kind::conflict, "cube " + _name + " already exists");
  if (!code().data) throw topology_error(topology_error::kind::invalid, "cube " + _name + ": the service has no " + std::string(to_string(family())) + " fast path");
  _slots = dp.register_cube(*this, directions);
  try {
    std::vector<pcn_port_stats> carried = take_older_port_counters(dp.cube_pin_dir(_name) + "/" + std::string(port_stats_map), _name);
    if (dp.defers_program_loads()) {  // the programs follow in load_programs()
      _home = dp.take_load_place();
      for (uint8_t d = 0; d < _slots.size(); ++d) _instances.push_back(load_maps(d));
      _programs_pending = true;
    } else {
      for (uint8_t d = 0; d < _slots.size(); ++d) _instances.push_back(load_instance(d, installed_inputs()));
      for (uint8_t d = 0; d < _slots.size(); ++d) install(_instances[d], d);
    }
    for (uint16_t port = 0; port < carried.size(); ++port) port_stats_rows()[port] = carried[port];
  } catch (...) {
    dp.unregister_cube(*this);
    throw;
  }
}

cube_base::~cube_base() { _datapath->unregister_cube(*this); }

bpf_object_file cube_base::prepare_object(elf_image image, const std::string& tag, log::level level,
                                          const std::vector<load_constant>& constants, const bpf_object_file* share_maps_with,
                                          uint8_t direction) const {
  bpf_object_file object(_name + tag, image);
  object.set_constant("pcn_cube_slot", slot());
  object.set_constant("pcn_log_level", fast_path_level(level));
  object.set_constant("pcn_transparent", static_cast<uint32_t>(_slots.size() > 1));  // (transparent() is virtual: not while constructing)
  object.set_constant("pcn_direction", static_cast<uint32_t>(direction));
  object.set_constant("pcn_next_hop", _next_hops[direction]);
  object.set_constant("pcn_trace_hops", static_cast<uint32_t>(_datapath->tracing_hops()));
  for (const auto& c : constants) object.set_constant(c.name, c.value.data(), c.value.size());
  std::string dir = _datapath->cube_pin_dir(_name);
  for (const auto& map : object.map_names()) {
    if (map == port_stats_map) object.set_max_entries(map, static_cast<uint32_t>(port_stats_entries()));
    if (_datapath->is_framework_map(map)) object.reuse_map(map, _datapath->framework_map_fd(map));
    else if (map.starts_with("public_")) object.pin_map(map, _datapath->public_pin_path(map));
    else if (auto fd = share_maps_with ? share_maps_with->find_map_fd(map) : std::nullopt) object.reuse_map(map, *fd);
    else if (map == ucubes_map && direction == PCN_EGRESS) object.pin_map(map, dir + "/egress/" + map);
    else object.pin_map(map, dir + tag + "/" + map);
  }
  return object;
}

bpf_object_file cube_base::load_object(elf_image image, const std::string& tag, log::level level,
                                       const std::vector<load_constant>& constants, const bpf_object_file* share_maps_with,
                                       uint8_t direction) const {
  bpf_object_file object = prepare_object(image, tag, level, constants, share_maps_with, direction);
  object.load();
  return object;
}

cube_base::instance cube_base::load_maps(uint8_t direction) const {
  instance in{prepare_object(code(), "", _log_level, _constants, nullptr, direction), {}};
  for (const auto& program : in.object.program_names()) in.object.set_autoload(program, false);
  in.object.load();
  return in;
}

task<void> cube_base::load_programs() {
  if (_programs_pending) co_await reload_at_home_with(std::nullopt);  // with nothing new: a reload meanwhile does
}

std::vector<bpf_object_file> cube_base::prepare_instance(uint8_t direction, const code_inputs& in) const {
  std::vector<bpf_object_file> objects;
  const bpf_object_file& running = _instances[direction].object;
  objects.push_back(prepare_object(code(), "", in.level, in.constants, &running, direction));
  for (const auto& [index, v] : _ucube_variants) objects.push_back(prepare_variant(index, v, running, direction, in.level));
  return objects;
}

task<void> cube_base::reload_at_home() { return reload_at_home_with(std::nullopt); }

task<void> cube_base::reload_at_home_with(std::optional<log::level> level) {
  auto turn = co_await _home_reloads.lock();  // each starts from what the previous one installed
  const std::vector<load_constant> changes = std::exchange(_staged, {});
  code_inputs wanted = installed_with(level.value_or(_log_level), changes);
  uint64_t installs = _installs;
  std::vector<bpf_object_file> objects;  // per direction: the object, then its variants
  for (uint8_t d = 0; d < _slots.size(); ++d)
    for (auto& object : prepare_instance(d, wanted)) objects.push_back(std::move(object));
  std::exception_ptr failure = co_await failure_of(_datapath->load_objects(_home, objects));
  if (_installs != installs) {
    // Code was installed meanwhile (the datapath's, for new next hops or trace hops; a
    // μcube replaced; a reload() of the service's): what was loaded lacks it. That code is
    // current if this reload brings nothing new; otherwise this one loads again here, at
    // once, on top of what is installed now.
    wanted = installed_with(level.value_or(_log_level), changes);
    if (wanted.level == _log_level && changes.empty()) co_return;
    reload_here(wanted);
    commit(std::move(wanted));
    co_return;
  }
  if (failure) std::rethrow_exception(failure);
  std::vector<instance> fresh(_slots.size());
  auto next = objects.begin();
  for (instance& in : fresh) {
    in.object = std::move(*next++);
    for (const auto& [index, v] : _ucube_variants) {
      in.variants.emplace(index, std::move(*next++));
      in.variants.at(index).program_fd(v.program);  // as load_variant(): throws if it has no such program
    }
  }
  switch_to(std::move(fresh));
  commit(std::move(wanted));
}

// Installs freshly loaded instances, one atomic program-array update per μcube and slot,
// and releases the ones they replace only after the switch.
void cube_base::switch_to(std::vector<instance> fresh) {
  for (uint8_t d = 0; d < _slots.size(); ++d) install(fresh[d], d);
  std::swap(fresh, _instances);
  _programs_pending = false;
  ++_installs;
}

cube_base::code_inputs cube_base::installed_with(log::level level, const std::vector<load_constant>& changes) const {
  code_inputs in{level, _constants};
  for (const auto& c : changes) put_constant(in.constants, c);
  return in;
}

void cube_base::commit(code_inputs in) {
  _log_level = in.level;
  _constants = std::move(in.constants);
}

void cube_base::require_programs() const {
  if (_programs_pending) throw std::logic_error("cube " + _name + ": its programs are not loaded yet (load_programs())");
}

// Loads a variant's object for one direction, sharing the maps of `main` (that
// direction's object of the cube, or the one about to replace it).
bpf_object_file cube_base::prepare_variant(unsigned index, const ucube_variant& v, const bpf_object_file& main, uint8_t direction,
                                           log::level level) const {
  return prepare_object(v.image, "/ucube" + std::to_string(index), level, v.constants, &main, direction);
}

bpf_object_file cube_base::load_variant(unsigned index, const ucube_variant& v, const bpf_object_file& main, uint8_t direction,
                                        log::level level) const {
  bpf_object_file object = prepare_variant(index, v, main, direction, level);
  object.load();
  return object;
}

// The cube's code for one direction, with the current constants and variants. The maps
// are those pinned already (the running instances'), so state is kept.
cube_base::instance cube_base::load_instance(uint8_t direction, const code_inputs& inputs) const {
  instance in{load_object(code(), "", inputs.level, inputs.constants, nullptr, direction), {}};
  for (const auto& [index, v] : _ucube_variants) in.variants.emplace(index, load_variant(index, v, in.object, direction, inputs.level));
  return in;
}

// Points the program arrays at the programs of an instance (and of its variants): each
// μcube by one atomic update of its cube_ucubes, the master by one of its panel slot.
void cube_base::install(const instance& in, uint8_t direction) {
  auto ucubes = table<uint32_t, uint32_t>(in.object.map_fd(ucubes_map), _name + "/" + std::string(ucubes_map));
  std::set<uint32_t> present;
  for (const auto& program : in.object.program_names()) {
    if (!program.starts_with(ucube_prefix)) continue;
    uint32_t index = 0;
    std::string_view digits = std::string_view(program).substr(ucube_prefix.size());
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec != std::errc{} || end != digits.data() + digits.size() || index == 0 || index >= PCN_MAX_UCUBES)
      throw bpf_error(_name + ": μcube program " + program + " must be pcn_ucube_<1.." + std::to_string(PCN_MAX_UCUBES - 1) + ">");
    if (!_ucube_variants.count(index)) ucubes.set(index, static_cast<uint32_t>(in.object.program_fd(program)));
    present.insert(index);
  }
  for (const auto& [index, variant] : _ucube_variants) {
    if (index == 0) continue;
    ucubes.set(index, static_cast<uint32_t>(in.variants.at(index).program_fd(variant.program)));
    present.insert(index);
  }
  for (uint32_t i = 1; i < PCN_MAX_UCUBES; ++i)
    if (!present.count(i)) ucubes.remove(i);
  auto master = _ucube_variants.find(0);
  _datapath->set_panel_slot(family(), _slots[direction],
                            master != _ucube_variants.end() ? in.variants.at(0).program_fd(master->second.program)
                                                            : in.object.program_fd(master_program));
}

int cube_base::master_fd(uint8_t direction) const {
  require_programs();
  const instance& in = _instances.at(direction < _instances.size() ? direction : 0);
  if (auto it = _ucube_variants.find(0); it != _ucube_variants.end()) return in.variants.at(0).program_fd(it->second.program);
  return in.object.program_fd(master_program);
}

int cube_base::map_fd(std::string_view map) const { return _instances.front().object.map_fd(map); }

// Mapped at the first use: the map is the same kernel map for the cube's whole life
// (reloads share it), and the mapping keeps it alive.
const mapped_array<pcn_port_stats>& cube_base::port_stats_rows() const {
  if (!_port_stats.mapped())
    _port_stats = mapped_array<pcn_port_stats>(map_fd(port_stats_map), port_stats_entries(), _name + "/" + std::string(port_stats_map));
  return _port_stats;
}

int cube_base::program_fd(std::string_view program) const {
  require_programs();
  return _instances.front().object.program_fd(program);
}

slowpath::packet cube_base::new_packet(std::span<const uint8_t> frame) const {
  return _datapath->require_packet_io().allocate(frame);
}

bool cube_base::run_in_slowpath(task<void> work) {
  packet_io* io = _datapath->packet_out();
  return io && io->run(std::move(work), *this);
}

void cube_base::stage_constant(load_constant c) { put_constant(_staged, std::move(c)); }

void cube_base::reload() {
  // The new objects share every map with the running ones (same pins), so state is kept;
  // then μcubes and the panel slots switch over, each by one atomic program-array update.
  // The old objects are released only after the switch.
  code_inputs wanted = installed_with(_log_level, std::exchange(_staged, {}));
  reload_here(wanted);
  commit(std::move(wanted));
}

void cube_base::reload_installed() { reload_here(installed_inputs()); }

void cube_base::reload_here(const code_inputs& in) {
  std::vector<instance> fresh;
  for (uint8_t d = 0; d < _slots.size(); ++d) fresh.push_back(load_instance(d, in));
  switch_to(std::move(fresh));
}

template <typename T>
void cube_base::reload_with(T& field, const T& value) {
  if (std::memcmp(&field, &value, sizeof value) == 0) return;
  T previous = field;
  field = value;
  try {
    reload_installed();
  } catch (...) {
    field = previous;
    throw;
  }
}

void cube_base::set_next_hops(const std::array<pcn_hop, 2>& hops) { reload_with(_next_hops, hops); }

task<void> cube_base::set_log_level(log::level level) {
  if (level == _log_level) co_return;
  log::level previous = _log_level;
  bool had_programs = !_programs_pending;
  uint32_t before = had_programs ? verified_instructions(master_fd()) : 0;
  co_await reload_at_home_with(level);
  framework_state_changed();
  // Messages below the level are gone from the programs: show what that saved.
  uint32_t after = verified_instructions(master_fd());
  if (had_programs)
    log::info("cube {}: log level {} -> {}: master μcube {} -> {} instructions", _name, log::to_string(previous),
              log::to_string(level), before, after);
  else
    log::info("cube {}: log level {} -> {}: master μcube of {} instructions", _name, log::to_string(previous), log::to_string(level), after);
}

void cube_base::replace_ucube(unsigned index, elf_image image, const std::string& program, std::vector<load_constant> constants) {
  if (index >= PCN_MAX_UCUBES) throw topology_error(topology_error::kind::invalid, _name + ": no μcube index " + std::to_string(index));
  ucube_variant v{image, program, std::move(constants)};
  if (_programs_pending) reload_installed();  // the rest of the code first: install() wants it
  std::vector<bpf_object_file> loaded;  // per direction; then the objects they replace
  for (uint8_t d = 0; d < _instances.size(); ++d) {
    loaded.push_back(load_variant(index, v, _instances[d].object, d, _log_level));
    loaded.back().program_fd(program);  // throws now if the object has no such program
  }
  // The previous variant (if any) is released only after the switch.
  auto previous = _ucube_variants.find(index) != _ucube_variants.end()
                      ? std::optional<ucube_variant>(std::move(_ucube_variants.at(index)))
                      : std::nullopt;
  _ucube_variants.insert_or_assign(index, std::move(v));
  for (uint8_t d = 0; d < _instances.size(); ++d) std::swap(_instances[d].variants[index], loaded[d]);
  try {
    for (uint8_t d = 0; d < _instances.size(); ++d) install(_instances[d], d);
  } catch (...) {
    for (uint8_t d = 0; d < _instances.size(); ++d) {
      if (previous) std::swap(_instances[d].variants[index], loaded[d]);
      else _instances[d].variants.erase(index);
    }
    if (previous) _ucube_variants.insert_or_assign(index, std::move(*previous));
    else _ucube_variants.erase(index);
    throw;
  }
  ++_installs;  // a reload under way lacks the variant
}

cube::cube(datapath& dp, cube_options options) : cube_base(dp, std::move(options), 1) {}

cube::~cube() {
  if (owner_datapath().keeps_kernel_state()) {  // the next run re-adopts the wiring
    owner_datapath().forget_ports(*this);
    return;
  }
  while (!_ports.empty()) {
    try {
      remove_port(_ports.back()->name());
    } catch (const std::exception& e) {
      log::error("cube {}: removing port {}: {}", name(), _ports.back()->name(), e.what());
      _ports.pop_back();
    }
  }
}

port& cube::add_port(const std::string& name) {
  check_name("port", name);
  if (find_port(name)) throw topology_error(topology_error::kind::conflict, "port " + this->name() + ":" + name + " already exists");
  uint16_t index = 0;
  while (index < PCN_MAX_PORTS && find_port(index)) ++index;
  if (index == PCN_MAX_PORTS)
    throw topology_error(topology_error::kind::conflict, "cube " + this->name() + " has the maximum of " + std::to_string(PCN_MAX_PORTS) + " ports");
  _ports.push_back(std::unique_ptr<port>(new port(*this, name, index)));
  port& added = *_ports.back();
  try {
    owner_datapath().port_added(added);
  } catch (...) {
    _ports.pop_back();
    throw;
  }
  try {
    on_port_added(added);
  } catch (...) {
    remove_port(name);
    throw;
  }
  framework_state_changed();
  return added;
}

void cube::remove_port(std::string_view name) {
  auto it = std::find_if(_ports.begin(), _ports.end(), [&](const auto& p) { return p->name() == name; });
  if (it == _ports.end()) throw topology_error(topology_error::kind::not_found, "port " + this->name() + ":" + std::string(name) + " does not exist");
  on_port_removed(**it);
  owner_datapath().port_removed(**it);
  // A later port at this index starts from zero.
  for_each_counter(port_stats_rows(), (*it)->index(), [](std::atomic_ref<__u64> c) { c.store(0, std::memory_order_relaxed); });
  _ports.erase(it);
  framework_state_changed();
}

port* cube::find_port(std::string_view name) const {
  for (const auto& p : _ports)
    if (p->name() == name) return p.get();
  return nullptr;
}

port* cube::find_port(uint16_t index) const {
  for (const auto& p : _ports)
    if (p->index() == index) return p.get();
  return nullptr;
}

std::vector<port*> cube::ports() const {
  std::vector<port*> out;
  for (const auto& p : _ports) out.push_back(p.get());
  return out;
}

transparent_cube::transparent_cube(datapath& dp, cube_options options) : cube_base(dp, std::move(options), 2) {}

task<void> transparent_cube::send(slowpath::packet pkt, direction d) {
  datapath& dp = owner_datapath();
  return dp.require_packet_io().send(std::move(pkt), next_hops()[static_cast<size_t>(d)], *this);
}

transparent_cube::~transparent_cube() {
  if (_parent.empty() || owner_datapath().keeps_kernel_state()) return;
  try {
    owner_datapath().detach(*this);
  } catch (const std::exception& e) {
    log::error("cube {}: detaching from {}: {}", name(), _parent, e.what());
  }
}

}  // namespace pcn::dataplane
