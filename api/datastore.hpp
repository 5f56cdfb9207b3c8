#pragma once
// The management plane's model of the world: the services the daemon knows (with their
// compiled YANG schemas) and every cube's configuration. Every change goes through here:
// it is validated whole, applied to the data plane (the framework's leaves by the
// framework, the rest by the cube's handlers), undone whole if any step fails, and only
// then kept, announced to the persistence layer, and acknowledged.
//
// Leaves every cube has are owned by the framework and read live from the data plane:
// uuid, type (set at creation), service-name, loglevel, ports (name, uuid, status, peer,
// tcubes) and, for transparent cubes, parent. A cube's own leaves are the service's.
//
// Lives on the control shard (shard 0), with the datapath; not thread-safe. Requests on
// one cube are serialised; requests on different cubes interleave when handlers suspend,
// as they do while the verifier loads a cube's programs on its home shard (creation, and
// the reloads handlers ask for): that work of different cubes proceeds in parallel.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/schema/context.hpp"
#include "api/schema/path.hpp"
#include "api/service.hpp"
#include "dataplane/datapath.hpp"
#include "reactor/async_mutex.hpp"
#include "reactor/task.hpp"

namespace pcn::api {

namespace json = boost::json;

// A service the daemon knows: its definition and its compiled model.
struct service_entry {
  service_definition definition;
  std::unique_ptr<schema::schema_context> context;
  const schema::service_schema* schema = nullptr;
  std::string origin;  // "builtin" or the plugin's path
  // Creations of its cubes under way (they wait for their programs on other shards, or in
  // a document load): the service may not go meanwhile.
  mutable size_t creations = 0;
};

class datastore {
 public:
  explicit datastore(dataplane::datapath& dp);
  ~datastore();
  datastore(const datastore&) = delete;
  datastore& operator=(const datastore&) = delete;

  dataplane::datapath& datapath() noexcept { return _datapath; }
  const dataplane::datapath& datapath() const noexcept { return _datapath; }

  // ---- services ----
  // Compiles the service's model and adds it. Throws schema::model_error for a model that
  // does not load, std::invalid_argument for a name already taken.
  const service_entry& add_service(service_definition definition, std::string origin = "builtin");
  // Throws schema::request_error 404 (unknown) or 409 (cubes of it exist).
  void remove_service(std::string_view name);
  const service_entry* find_service(std::string_view name) const;
  std::vector<const service_entry*> services() const;

  // ---- cubes ----
  // The service of a cube, or null.
  const service_entry* service_of(std::string_view cube) const;
  std::vector<std::string> cube_names(std::string_view service = {}) const;
  bool has_cube(std::string_view cube) const { return _cubes.contains(cube); }

  // Creates a cube from `body` (the validated configuration of POST /<service>/<cube>/).
  task<void> create_cube(const service_entry& service, const std::string& name, const json::value& body);
  task<void> delete_cube(const std::string& name);

  // The cube as GET shows it (configuration, framework leaves, state).
  json::object view(std::string_view cube) const;
  // GET below the cube: what `target` designates in the view. 404 when absent.
  json::value read(const schema::resolved_path& target) const;
  // POST/PUT/PATCH/DELETE below the cube (POST/DELETE of the cube itself: create/delete).
  // `body` is validated already. Answers an action's output, null otherwise.
  task<json::value> change(const schema::resolved_path& target, schema::method m, const json::value& body);
  // A stream the cube offers (managed_cube::open_stream); nothing when it offers none.
  std::optional<stream_offer> open_stream(std::string_view cube, std::string_view name, std::string_view query);

  // ---- topology (POST /connect, /disconnect, /attach, /detach) ----
  task<void> connect(const std::string& peer1, const std::string& peer2);
  task<void> disconnect(const std::string& peer1, const std::string& peer2);
  task<void> attach(const std::string& cube, const std::string& parent, const dataplane::chain_position& position);
  task<void> detach(const std::string& cube);

  // ---- the whole configuration (persistence and appliance files) ----
  // {"cubes": [{"service-name": ..., "name": ..., ...}], "attachments": [{"cube", "port",
  // "position"}]}: what it takes to rebuild the topology, in an order that rebuilds it.
  json::object dump() const;
  // dump() as the saved file holds it: indented JSON, to_pretty_json(dump()) to the byte.
  // Each cube's part is kept from the last save and made again only when what it shows
  // changed (its configuration, log level, ports or peers). Marks everything saved.
  std::string saved_document();
  // What changed since the last saved_document() or saved_changes(), as one line of compact
  // JSON for the persistence journal: {"cubes": {"<name>": <its element of dump()'s
  // "cubes">, or null when it was deleted}, "attachments": [...]} (each member only when
  // something in it changed); empty when nothing did. Marks it saved. Costs the changed
  // cubes, and a comparison of two versions per cube.
  std::string saved_changes();
  // Creates everything in `document` (same shape) on top of what exists; all or nothing:
  // on any failure, what was created is removed again and the error names the cube.
  task<void> load(const json::value& document);

  // Called after every acknowledged change (awaited before the answer goes out).
  void on_committed(std::function<task<void>()> hook) { _committed = std::move(hook); }
  // Called before a cube is destroyed, to let work on it finish (the slow path's handlers).
  void before_cube_removal(std::function<task<void>(const dataplane::cube_base&)> hook) {
    _removing = std::move(hook);
  }
  // Tell the store that the data plane changed under it (a netdev disappeared).
  task<void> external_change();

 private:
  struct cube_record;
  cube_record& record(std::string_view cube) const;
  json::object live_config(const cube_record& r) const;  // configuration, framework leaves live
  json::object dump_entry(const cube_record& r) const;   // one element of dump()'s "cubes"
  json::array dump_attachments() const;
  task<void> apply_change(cube_record& r, json::object before, json::object after);
  task<void> create(const service_entry& service, const std::string& name, const json::value& body);  // no save
  task<void> committed();
  // A cube locked by a request: the lock, and its record kept alive with it. Both empty
  // when there is no such cube, or another request deleted it while this one waited.
  struct cube_lock {
    std::shared_ptr<cube_record> record;
    async_mutex::guard guard;  // released before the record goes
  };
  task<cube_lock> lock_cube(std::string name);
  task<std::vector<cube_lock>> lock_cubes(std::vector<std::string> names);
  // Removes a cube (nothing if it is gone): remove_cube() locks it first, remove_locked()
  // is for the holder of its lock. Requests waiting for the lock then find it removed.
  task<void> remove_cube(const std::string& name);
  task<void> remove_locked(std::shared_ptr<cube_record> r);
  // load(): a cube of the document, validated, its peers set apart for after every cube exists.
  struct planned_cube {
    const service_entry* service;
    std::string name;
    json::value config;  // without peers
    std::vector<std::pair<std::string, std::string>> peers;  // port, peer
  };
  task<void> load_exclusively(const json::value& document);  // load() under _document_load
  struct creation_run;
  task<void> create_all(const std::vector<planned_cube>& plan, std::vector<std::string>& created, std::string& failing);
  task<void> create_some(creation_run& run);

  dataplane::datapath& _datapath;
  std::map<std::string, std::unique_ptr<service_entry>, std::less<>> _services;
  std::map<std::string, std::shared_ptr<cube_record>, std::less<>> _cubes;
  // The last save (saved_document() or saved_changes()): its cubes and attachments.
  std::set<std::string, std::less<>> _saved_cubes;
  std::string _saved_attachments;  // compact JSON
  std::function<task<void>()> _committed;
  std::function<task<void>(const dataplane::cube_base&)> _removing;
  // Held by load() while it changes the store: a save waits for it, so that what is saved
  // holds either none of a document or all of it; loads run one at a time.
  async_mutex _document_load;
};

// Maps the data plane's topology_error onto the REST status it stands for.
[[noreturn]] void rethrow_as_request_error(const dataplane::topology_error& e, std::string path = {});

}  // namespace pcn::api
