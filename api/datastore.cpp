#include "api/datastore.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <random>
#include <set>
#include <stdexcept>

#include "api/config_tree.hpp"
#include "api/schema/error.hpp"
#include "api/schema/validate.hpp"
#include "cli/yaml_json.hpp"
#include "reactor/when_all.hpp"

namespace pcn::api {

using dataplane::topology_error;
using schema::method;
using schema::request_error;
using schema::resolved_path;
using schema::target_kind;

struct datastore::cube_record {
  const service_entry* service = nullptr;
  std::string name;
  std::string uuid;
  json::object config;  // configuration leaves as last applied; peers are read live
  uint64_t config_version = 0;  // counts the changes of `config`
  std::map<std::string, std::string> port_uuids;
  std::unique_ptr<managed_cube> control;
  async_mutex mutex;
  bool removed = false;  // deleted: requests still holding the record find it so
  // What the saved document shows of it changes only with these: the version of its
  // configuration and that of the leaves the framework owns (log level, ports, peers).
  using version_pair = std::pair<uint64_t, uint64_t>;
  version_pair versions() const { return {config_version, control->fastpath().framework_state_version()}; }
  // Its element of the saved document (indented as there) and the versions it was made from.
  struct saved_part {
    version_pair versions;
    std::string text;
  };
  mutable std::optional<saved_part> saved;
  std::optional<version_pair> last_saved;  // what the last save had (either kind)
};

namespace {

std::string new_uuid() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  uint64_t hi = random(), lo = random();
  hi = (hi & 0xffffffffffff0fffull) | 0x4000ull;        // version 4
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 1
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                     lo & 0xffffffffffffull);
}

std::string text_of(const json::object& o, std::string_view member, std::string fallback = {}) {
  const json::value* v = o.if_contains(member);
  return v && v->is_string() ? std::string(v->get_string()) : fallback;
}

const json::array* array_of(const json::object& o, std::string_view member) {
  const json::value* v = o.if_contains(member);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

std::set<std::string> port_names(const json::object& config) {
  std::set<std::string> names;
  if (const json::array* ports = array_of(config, "ports"))
    for (const auto& p : *ports)
      if (p.is_object()) names.insert(text_of(p.get_object(), "name"));
  return names;
}

task<void> run_now(std::function<void()> step) {
  step();
  co_return;
}

// Undo steps of a change, run in reverse when a later step fails. A step is a coroutine
// (undoing a service's apply() may suspend) or a plain function.
class undo_log {
 public:
  void push(std::function<task<void>()> step) { _steps.push_back(std::move(step)); }
  void push_now(std::function<void()> step) {
    _steps.push_back([step = std::move(step)] { return run_now(step); });
  }
  task<void> rollback() {
    for (auto it = _steps.rbegin(); it != _steps.rend(); ++it) {
      std::string error;
      try {
        co_await (*it)();
      } catch (const std::exception& e) {
        error = e.what();
      }
      if (!error.empty()) log::error("rollback step failed: {}", error);
    }
    _steps.clear();
  }

 private:
  std::vector<std::function<task<void>()>> _steps;
};

}  // namespace

void rethrow_as_request_error(const topology_error& e, std::string path) {
  unsigned status = 400;
  switch (e.what_kind()) {
    case topology_error::kind::invalid: status = 400; break;
    case topology_error::kind::not_found: status = 404; break;
    case topology_error::kind::conflict: status = 409; break;
  }
  throw request_error(status, std::move(path), e.what());
}

task<json::value> managed_cube::run_action(const resolved_path& action, const json::value&) {
  throw request_error(405, action.path, "action " + action.target->name + " is not implemented by this service");
  co_return nullptr;
}

void managed_cube::read_state(json::object&) const {}
void managed_cube::record_choices(json::object&) const {}

std::optional<stream_offer> managed_cube::open_stream(std::string_view, std::string_view) { return std::nullopt; }

datastore::datastore(dataplane::datapath& dp) : _datapath(dp) {}

datastore::~datastore() {
  // Transparent cubes first: they sit on ports of the standard ones.
  for (auto it = _cubes.begin(); it != _cubes.end();)
    it = it->second->control->fastpath().transparent() ? _cubes.erase(it) : std::next(it);
  _cubes.clear();
}

// ---------------------------------------------------------------- services

const service_entry& datastore::add_service(service_definition definition, std::string origin) {
  if (_services.contains(definition.name))
    throw std::invalid_argument("service " + definition.name + " exists already");
  auto entry = std::make_unique<service_entry>();
  entry->context = std::make_unique<schema::schema_context>(definition.modules);
  entry->schema = entry->context->find(definition.name);
  if (!entry->schema)
    throw schema::model_error("service " + definition.name + ": its modules declare no service-name '" + definition.name + "'");
  entry->definition = std::move(definition);
  entry->origin = std::move(origin);
  auto& stored = *entry;
  _services.emplace(stored.definition.name, std::move(entry));
  return stored;
}

void datastore::remove_service(std::string_view name) {
  auto it = _services.find(name);
  if (it == _services.end()) throw request_error(404, "", "no service " + std::string(name));
  if (!cube_names(name).empty())
    throw request_error(409, "", "service " + std::string(name) + " has cubes: delete them first");
  if (it->second->creations > 0)
    throw request_error(409, "", "service " + std::string(name) + " has cubes being created: delete them first");
  if (_document_load.locked())  // its plan may name the service
    throw request_error(409, "", "a topology document is being loaded: remove service " + std::string(name) + " after it");
  _services.erase(it);
}

const service_entry* datastore::find_service(std::string_view name) const {
  auto it = _services.find(name);
  return it == _services.end() ? nullptr : it->second.get();
}

std::vector<const service_entry*> datastore::services() const {
  std::vector<const service_entry*> out;
  for (const auto& [_, s] : _services) out.push_back(s.get());
  return out;
}

// ---------------------------------------------------------------- cubes

namespace {
request_error no_cube(std::string_view cube) { return request_error(404, "", "no cube " + std::string(cube)); }
}  // namespace

datastore::cube_record& datastore::record(std::string_view cube) const {
  auto it = _cubes.find(cube);
  if (it == _cubes.end()) throw no_cube(cube);
  return *it->second;
}

const service_entry* datastore::service_of(std::string_view cube) const {
  auto it = _cubes.find(cube);
  return it == _cubes.end() ? nullptr : it->second->service;
}

std::vector<std::string> datastore::cube_names(std::string_view service) const {
  std::vector<std::string> out;
  for (const auto& [name, r] : _cubes)
    if (service.empty() || r->service->definition.name == service) out.push_back(name);
  return out;
}

json::object datastore::live_config(const cube_record& r) const {
  json::object c = r.config;
  const dataplane::cube_base& fp = r.control->fastpath();
  c["name"] = r.name;
  c["type"] = dataplane::to_string(fp.type());
  c["loglevel"] = log::to_string(fp.log_level());
  if (auto* standard = dynamic_cast<const dataplane::cube*>(&fp)) {
    json::array ports;
    const json::array* configured = array_of(r.config, "ports");
    for (const dataplane::port* p : standard->ports()) {
      json::object entry;
      if (configured)
        for (const auto& e : *configured)
          if (e.is_object() && text_of(e.get_object(), "name") == p->name()) entry = e.get_object();
      entry["name"] = p->name();
      if (p->peer().empty())
        entry.erase("peer");
      else
        entry["peer"] = p->peer();
      ports.push_back(std::move(entry));
    }
    c["ports"] = std::move(ports);
  }
  return c;
}

json::object datastore::view(std::string_view cube) const {
  const cube_record& r = record(cube);
  json::object v = live_config(r);
  v["uuid"] = r.uuid;
  v["service-name"] = r.service->definition.name;
  const dataplane::cube_base& fp = r.control->fastpath();
  if (auto* standard = dynamic_cast<const dataplane::cube*>(&fp)) {
    for (auto& e : v["ports"].get_array()) {
      json::object& entry = e.get_object();
      std::string name = text_of(entry, "name");
      const dataplane::port* p = standard->find_port(name);
      auto uuid = r.port_uuids.find(name);
      if (uuid != r.port_uuids.end()) entry["uuid"] = uuid->second;
      entry["status"] = p && p->status() == dataplane::port_status::up ? "UP" : "DOWN";
      json::array tcubes;
      if (p)
        for (const auto* t : _datapath.chain_of(p->path())) tcubes.push_back(json::string(t->name()));
      entry["tcubes"] = std::move(tcubes);
    }
  } else if (auto* t = dynamic_cast<const dataplane::transparent_cube*>(&fp)) {
    if (!t->parent().empty()) v["parent"] = t->parent();
  }
  r.control->read_state(v);
  return v;
}

json::value datastore::read(const resolved_path& target) const {
  json::object v = view(target.keys.front().value);
  if (target.target->is_root()) return v;
  const json::value* found = find_in_config(v, target);
  if (!found) throw request_error(404, target.path, "no such " + std::string(schema::kind_name(target.kind)));
  return *found;
}

std::optional<stream_offer> datastore::open_stream(std::string_view cube, std::string_view name, std::string_view query) {
  return record(cube).control->open_stream(name, query);
}

task<void> datastore::apply_change(cube_record& r, json::object before, json::object after) {
  dataplane::cube_base& fp = r.control->fastpath();
  auto* standard = dynamic_cast<dataplane::cube*>(&fp);

  // The type is set at creation: a replacement that leaves it out keeps it.
  if (!after.contains("type")) after["type"] = before["type"];
  if (text_of(after, "type") != text_of(before, "type"))
    throw request_error(400, "type", "is set at creation only (the cube is " + text_of(before, "type") + ")");

  undo_log undo;
  std::exception_ptr failure;
  try {
    if (auto level = log::parse_level(text_of(after, "loglevel")); level && *level != fp.log_level()) {
      log::level old = fp.log_level();
      co_await fp.set_log_level(*level);
      undo.push([&fp, old] { return fp.set_log_level(old); });
    }
    std::set<std::string> old_ports = port_names(before), new_ports = port_names(after);
    if (standard) {
      for (const auto& name : new_ports) {
        if (old_ports.contains(name)) continue;
        standard->add_port(name);
        if (!r.port_uuids.contains(name)) r.port_uuids[name] = new_uuid();
        undo.push_now([standard, name] { standard->remove_port(name); });
      }
    }
    co_await r.control->apply(before, after);
    // The service's part is undone by applying the old configuration again.
    undo.push([&r, &before, &after] { return r.control->apply(after, before); });
    if (standard) {
      for (const auto& name : old_ports) {
        if (new_ports.contains(name)) continue;
        dataplane::port* p = standard->find_port(name);
        std::string peer = p ? p->peer() : std::string();
        standard->remove_port(name);
        undo.push_now([this, standard, name, peer] {
          dataplane::port& back = standard->add_port(name);
          if (!peer.empty()) _datapath.set_peer(back, peer);
        });
      }
      if (const json::array* ports = array_of(after, "ports")) {
        for (const auto& e : *ports) {
          const json::object& entry = e.get_object();
          dataplane::port* p = standard->find_port(text_of(entry, "name"));
          std::string peer = text_of(entry, "peer");
          if (!p || p->peer() == peer) continue;
          std::string old = p->peer();
          // Pushed first: set_peer may have let go of the old peer before refusing the new one.
          undo.push_now([this, p, old] {
            if (p->peer() != old) _datapath.set_peer(*p, old);
          });
          try {
            _datapath.set_peer(*p, peer);
          } catch (const topology_error& e) {
            // A peer that does not exist is a bad value in the body, not a missing resource.
            throw request_error(e.what_kind() == topology_error::kind::conflict ? 409 : 400,
                                "ports/" + p->name() + "/peer", e.what());
          }
        }
      }
    }
  } catch (const topology_error& e) {
    try {
      rethrow_as_request_error(e);
    } catch (...) {
      failure = std::current_exception();
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    co_await undo.rollback();
    std::rethrow_exception(failure);
  }
  r.config = config_only(r.service->schema->root(), after);
  r.config.erase("type");
  r.config.erase("loglevel");
  ++r.config_version;
}

namespace {

// Counts a creation of the service's cubes as under way, for the scope's life.
class creation_hold {
 public:
  explicit creation_hold(const service_entry& s) : _service(&s) { ++s.creations; }
  ~creation_hold() { --_service->creations; }
  creation_hold(const creation_hold&) = delete;
  creation_hold& operator=(const creation_hold&) = delete;

 private:
  const service_entry* _service;
};

}  // namespace

task<void> datastore::create_cube(const service_entry& service, const std::string& name, const json::value& body) {
  co_await create(service, name, body);
  co_await committed();
}

task<void> datastore::create(const service_entry& service, const std::string& name, const json::value& body) {
  creation_hold hold(service);
  if (_cubes.contains(name)) throw request_error(409, "", "cube " + name + " exists already");
  json::object config = body.is_object() ? body.get_object() : json::object();
  config["name"] = name;
  auto type = dataplane::parse_cube_type(text_of(config, "type", "TC"));
  auto level = log::parse_level(text_of(config, "loglevel", "INFO"));
  if (!type) throw request_error(400, "type", "unknown cube type " + text_of(config, "type"));
  if (!level) throw request_error(400, "loglevel", "unknown log level " + text_of(config, "loglevel"));

  auto r = std::make_shared<cube_record>();
  r->service = &service;
  r->name = name;
  r->uuid = new_uuid();
  try {
    r->control = service.definition.create(cube_setup{_datapath, name, *type, *level, config});
  } catch (const topology_error& e) {
    rethrow_as_request_error(e);
  }
  // Loaded elsewhere when the datapath spreads program loads: other requests go on here.
  // Not in _cubes meanwhile, so no request reaches it; the name is held by the datapath. The
  // slow path may (a re-adopted slot runs the previous program): a failure lets it finish.
  std::exception_ptr load_failure = co_await failure_of(r->control->fastpath().load_programs());
  if (load_failure) {
    if (_removing) co_await _removing(r->control->fastpath());
    std::rethrow_exception(load_failure);
  }
  _cubes.emplace(name, r);
  auto guard = co_await r->mutex.lock();  // a new mutex: at once; held until the cube is kept or gone
  std::exception_ptr failure = co_await failure_of(apply_change(*r, live_config(*r), config));
  if (failure) {
    co_await remove_locked(r);
    std::rethrow_exception(failure);
  }
  log::info("cube {} ({}, {}) created", name, service.definition.name, dataplane::to_string(*type));
}

task<void> datastore::delete_cube(const std::string& name) {
  cube_lock locked = co_await lock_cube(name);
  if (!locked.record) throw no_cube(name);
  co_await remove_locked(locked.record);
  log::info("cube {} deleted", name);
  co_await committed();
}

task<json::value> datastore::change(const resolved_path& target, method m, const json::value& body) {
  const std::string cube = target.keys.front().value;
  if (target.target->is_root() && m == method::del) {
    co_await delete_cube(cube);
    co_return nullptr;
  }
  if (target.target->is_root() && m == method::post) throw request_error(409, "", "cube " + cube + " exists already");
  cube_lock locked = co_await lock_cube(cube);
  if (!locked.record) throw no_cube(cube);
  cube_record& r = *locked.record;
  if (target.kind == target_kind::action) {
    json::value out = co_await r.control->run_action(target, body);
    co_await committed();
    co_return out;
  }
  json::object before = live_config(r);
  json::object after = before;
  edit_config(after, target, m, body);
  co_await apply_change(r, std::move(before), std::move(after));
  co_await committed();
  co_return nullptr;
}

task<void> datastore::remove_cube(const std::string& name) {
  cube_lock locked = co_await lock_cube(name);
  if (locked.record) co_await remove_locked(locked.record);
}

task<void> datastore::remove_locked(std::shared_ptr<cube_record> r) {
  if (r->removed) co_return;
  if (_removing) co_await _removing(r->control->fastpath());
  r->removed = true;
  if (auto it = _cubes.find(r->name); it != _cubes.end() && it->second == r) _cubes.erase(it);
  r->control.reset();  // the cube goes now, whoever still holds the record
}

task<void> datastore::committed() {
  if (!_committed) co_return;
  if (_document_load.locked()) {  // after the load, whether it is kept or undone
    auto wait = co_await _document_load.lock();
  }
  co_await _committed();
}

task<void> datastore::external_change() { co_await committed(); }

// ---------------------------------------------------------------- topology

// Requests on one cube run one at a time: each holds the cube's lock.
task<datastore::cube_lock> datastore::lock_cube(std::string name) {
  cube_lock locked;
  auto it = _cubes.find(name);
  if (it == _cubes.end()) co_return locked;
  locked.record = it->second;
  locked.guard = co_await locked.record->mutex.lock();
  if (locked.record->removed) {  // deleted by another request while this one waited
    locked.guard = {};
    locked.record.reset();
  }
  co_return locked;
}

// The cubes a topology request touches, locked in name order (no two requests can wait
// for each other): a change suspended in a cube's handler never sees its peers move.
task<std::vector<datastore::cube_lock>> datastore::lock_cubes(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::vector<cube_lock> locks;
  for (auto& name : names) {
    cube_lock locked = co_await lock_cube(std::move(name));
    if (locked.record) locks.push_back(std::move(locked));
  }
  co_return locks;
}

namespace {

std::string cube_of(const std::string& peer) {
  auto colon = peer.find(':');
  return colon == std::string::npos ? std::string() : peer.substr(0, colon);
}

}  // namespace

task<void> datastore::connect(const std::string& peer1, const std::string& peer2) {
  // (Named first: GCC 12 cannot keep a braced list alive across a co_await.)
  std::vector<std::string> touched{cube_of(peer1), cube_of(peer2)};
  auto guards = co_await lock_cubes(std::move(touched));
  try {
    _datapath.connect(peer1, peer2);
  } catch (const topology_error& e) {
    rethrow_as_request_error(e);
  }
  co_await committed();
}

task<void> datastore::disconnect(const std::string& peer1, const std::string& peer2) {
  // (Named first: GCC 12 cannot keep a braced list alive across a co_await.)
  std::vector<std::string> touched{cube_of(peer1), cube_of(peer2)};
  auto guards = co_await lock_cubes(std::move(touched));
  try {
    _datapath.disconnect(peer1, peer2);
  } catch (const topology_error& e) {
    rethrow_as_request_error(e);
  }
  co_await committed();
}

task<void> datastore::attach(const std::string& cube, const std::string& parent,
                             const dataplane::chain_position& position) {
  std::vector<std::string> touched{cube, cube_of(parent)};
  auto guards = co_await lock_cubes(std::move(touched));
  auto* t = dynamic_cast<dataplane::transparent_cube*>(&record(cube).control->fastpath());
  if (!t) throw request_error(400, "cube", cube + " is not a transparent cube: only transparent cubes are attached");
  try {
    _datapath.attach(*t, parent, position);
  } catch (const topology_error& e) {
    rethrow_as_request_error(e);
  }
  co_await committed();
}

task<void> datastore::detach(const std::string& cube) {
  std::vector<std::string> touched{cube};
  auto guards = co_await lock_cubes(std::move(touched));
  auto* t = dynamic_cast<dataplane::transparent_cube*>(&record(cube).control->fastpath());
  if (!t) throw request_error(400, "cube", cube + " is not a transparent cube");
  try {
    _datapath.detach(*t);
  } catch (const topology_error& e) {
    rethrow_as_request_error(e);
  }
  co_await committed();
}

// ---------------------------------------------------------------- whole configuration

json::object datastore::dump_entry(const cube_record& r) const {
  json::object c = config_only(r.service->schema->root(), live_config(r));
  r.control->record_choices(c);
  json::object entry{{"service-name", r.service->definition.name}};
  for (auto& [k, v] : c) entry[k] = v;
  return entry;
}

json::array datastore::dump_attachments() const {
  json::array attachments;
  for (const auto& [parent, chain] : _datapath.chains())
    for (const auto* t : chain)
      if (_cubes.contains(t->name())) attachments.push_back(json::object{{"cube", t->name()}, {"port", parent}, {"position", "last"}});
  return attachments;
}

json::object datastore::dump() const {
  json::array cubes;
  for (const auto& [name, r] : _cubes) cubes.push_back(dump_entry(*r));
  return {{"cubes", std::move(cubes)}, {"attachments", dump_attachments()}};
}

std::string datastore::saved_document() {
  std::vector<const std::string*> cubes;
  cubes.reserve(_cubes.size());
  _saved_cubes.clear();
  for (const auto& [name, r] : _cubes) {
    const auto versions = r->versions();
    if (!r->saved || r->saved->versions != versions) {
      std::string text;
      yaml_json::append_pretty_json(text, dump_entry(*r), 4);
      r->saved = cube_record::saved_part{versions, std::move(text)};
    }
    cubes.push_back(&r->saved->text);
    r->last_saved = versions;
    _saved_cubes.insert(_saved_cubes.end(), name);
  }
  std::string out = "{\n  \"cubes\": ";
  yaml_json::append_pretty_array(out, cubes.size(), 2, [&](size_t i) { out += *cubes[i]; });
  out += ",\n  \"attachments\": ";
  const json::array attachments = dump_attachments();
  yaml_json::append_pretty_json(out, attachments, 2);
  out += "\n}\n";
  _saved_attachments = json::serialize(attachments);
  return out;
}

std::string datastore::saved_changes() {
  json::object cubes;
  // Both sets are ordered by name: one walk finds the new, the changed and the deleted.
  auto saved = _saved_cubes.begin();
  auto deleted = [&] {
    cubes[*saved] = nullptr;
    saved = _saved_cubes.erase(saved);
  };
  for (const auto& [name, r] : _cubes) {
    while (saved != _saved_cubes.end() && *saved < name) deleted();
    const bool known = saved != _saved_cubes.end() && *saved == name;
    if (const auto versions = r->versions(); !known || r->last_saved != versions) {
      cubes[name] = dump_entry(*r);
      r->last_saved = versions;
    }
    if (known) ++saved;
    else _saved_cubes.insert(saved, name);
  }
  while (saved != _saved_cubes.end()) deleted();
  json::object record;
  if (!cubes.empty()) record["cubes"] = std::move(cubes);
  json::array attachments = dump_attachments();
  if (std::string text = json::serialize(attachments); text != _saved_attachments) {
    record["attachments"] = std::move(attachments);
    _saved_attachments = std::move(text);
  }
  return record.empty() ? std::string() : json::serialize(record) + "\n";
}

// Cubes a load() creates at once when their programs load elsewhere: this shard builds the
// next ones (maps, configuration) while the others verify and load programs.
constexpr unsigned creations_at_once = 4;

struct datastore::creation_run {
  creation_run(const std::vector<planned_cube>& p, std::vector<std::string>& c) : plan(p), created(c) {}
  const std::vector<planned_cube>& plan;
  std::vector<std::string>& created;
  size_t next = 0;
  std::exception_ptr failure;  // the first; no cube is started after it
  std::string failing;
};

task<void> datastore::create_all(const std::vector<planned_cube>& plan, std::vector<std::string>& created, std::string& failing) {
  creation_run run(plan, created);
  unsigned width = _datapath.defers_program_loads() ? creations_at_once : 1;
  std::vector<task<void>> creators;
  for (unsigned i = 0; i < width; ++i) creators.push_back(create_some(run));
  co_await when_all(std::move(creators));
  if (run.failure) {
    failing = run.failing;
    std::rethrow_exception(run.failure);
  }
}

// Creates the next cube of the plan until none is left or one failed.
task<void> datastore::create_some(creation_run& run) {
  while (run.next < run.plan.size() && !run.failure) {
    const planned_cube& p = run.plan[run.next++];
    try {
      co_await create(*p.service, p.name, p.config);
      run.created.push_back(p.name);
    } catch (...) {
      if (!run.failure) {
        run.failure = std::current_exception();
        run.failing = "cube " + p.name;
      }
    }
  }
}

task<void> datastore::load(const json::value& document) {
  {
    auto exclusive = co_await _document_load.lock();
    co_await load_exclusively(document);
  }
  co_await committed();
}

task<void> datastore::load_exclusively(const json::value& document) {
  if (!document.is_object()) throw request_error(400, "", "a topology document is an object with \"cubes\"");
  const json::object& doc = document.get_object();
  for (const auto& [k, _] : doc)
    if (k != "cubes" && k != "attachments" && k != "connections")
      throw request_error(400, std::string(k), "unknown member (allowed: cubes, connections, attachments)");

  // Validate everything before creating anything.
  std::vector<planned_cube> plan;
  std::vector<schema::problem> problems;
  size_t conflicts = 0;  // cubes that exist already: a 409 when nothing else is wrong
  std::set<std::string> names;
  const json::array* cubes = array_of(doc, "cubes");
  if (doc.contains("cubes") && !cubes) throw request_error(400, "cubes", "expected an array of cubes");
  for (size_t i = 0; cubes && i < cubes->size(); ++i) {
    const json::value& c = (*cubes)[i];
    std::string where = "cubes[" + std::to_string(i) + "]";
    if (!c.is_object()) {
      problems.push_back({where, "expected an object"});
      continue;
    }
    json::object body = c.get_object();
    std::string service = text_of(body, "service-name");
    std::string name = text_of(body, "name");
    if (!name.empty()) where += " (" + name + ")";
    const service_entry* s = find_service(service);
    if (!s) {
      problems.push_back({where, service.empty() ? "missing service-name" : "unknown service " + service});
      continue;
    }
    if (name.empty() || _cubes.contains(name) || !names.insert(name).second) {
      problems.push_back({where, name.empty() ? "missing name" : "cube " + name + " exists already"});
      conflicts += !name.empty();
      continue;
    }
    body.erase("service-name");
    body.erase("uuid");
    planned_cube p{s, name, nullptr, {}};
    if (auto* ports = body.if_contains("ports"); ports && ports->is_array())
      for (auto& e : ports->get_array())
        if (e.is_object())
          if (auto* peer = e.get_object().if_contains("peer"); peer && peer->is_string()) {
            p.peers.emplace_back(text_of(e.get_object(), "name"), std::string(peer->get_string()));
            e.get_object().erase("peer");
          }
    try {
      resolved_path root = schema::resolve(*s->schema, name, {});
      p.config = schema::validate(root, method::post, body, {.fill_defaults = true});
    } catch (const request_error& e) {
      for (const auto& pr : e.problems()) problems.push_back({where + (pr.path.empty() ? "" : "/" + pr.path), pr.reason});
      continue;
    }
    plan.push_back(std::move(p));
  }
  if (!problems.empty()) {
    unsigned status = conflicts == problems.size() ? 409 : 400;
    throw request_error(status, std::move(problems));
  }

  std::vector<std::string> created;
  std::exception_ptr failure;
  std::string failing;
  try {
    co_await create_all(plan, created, failing);
    for (const auto& p : plan) {
      auto* standard = dynamic_cast<dataplane::cube*>(&record(p.name).control->fastpath());
      for (const auto& [port, peer] : p.peers) {
        failing = "port " + p.name + ":" + port + " peer " + peer;
        dataplane::port* pt = standard ? standard->find_port(port) : nullptr;
        if (!pt) throw request_error(400, "", "no port " + port);
        if (pt->peer() != peer) _datapath.set_peer(*pt, peer);
      }
    }
    if (const json::array* connections = array_of(doc, "connections"))
      for (const auto& c : *connections) {
        if (!c.is_object()) throw request_error(400, "connections", "expected objects {peer1, peer2}");
        std::string p1 = text_of(c.get_object(), "peer1"), p2 = text_of(c.get_object(), "peer2");
        failing = "connect " + p1 + " " + p2;
        _datapath.connect(p1, p2);
      }
    if (const json::array* attachments = array_of(doc, "attachments"))
      for (const auto& a : *attachments) {
        if (!a.is_object()) throw request_error(400, "attachments", "expected objects {cube, port, position}");
        const json::object& o = a.get_object();
        std::string cube = text_of(o, "cube"), port = text_of(o, "port");
        failing = "attach " + cube + " to " + port;
        auto position = dataplane::chain_position::parse(text_of(o, "position"), text_of(o, "before"), text_of(o, "after"));
        if (!position) throw request_error(400, "", "position is one of auto, first, last, or before/after a cube");
        auto* t = _cubes.contains(cube) ? dynamic_cast<dataplane::transparent_cube*>(&record(cube).control->fastpath())
                                        : nullptr;
        if (!t) throw request_error(400, "", cube + " is not a transparent cube of this document");
        _datapath.attach(*t, port, *position);
      }
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    for (auto it = created.rbegin(); it != created.rend(); ++it) co_await remove_cube(*it);
    try {
      std::rethrow_exception(failure);
    } catch (const request_error& e) {
      std::vector<schema::problem> ps;
      for (const auto& pr : e.problems()) ps.push_back({failing + (pr.path.empty() ? "" : "/" + pr.path), pr.reason});
      throw request_error(e.status(), std::move(ps));
    } catch (const topology_error& e) {
      rethrow_as_request_error(e, failing);
    }
  }
}

}  // namespace pcn::api
