#pragma once
// What a service gives the management plane, and the control-plane SDK a service writes
// against. The framework knows nothing of a service beyond its YANG model and these
// handlers: it routes, validates, stores and persists the configuration generically, owns
// the leaves every cube has (name, uuid, type, loglevel, ports with their peers, parent),
// and hands the service only what is its own.
//
//   struct hello final : api::managed_cube {
//     task<void> apply(const json::object& before, const json::object& after) override;
//   };
//   api::service_definition{.name = "helloworld", .modules = ..., .create = ...}
//
// Everything here runs on the control shard (shard 0), where the datapath lives; a
// handler's reloads (cube_base::reload_at_home()) are verified on the cube's home shard
// while it waits, and other requests go on meanwhile.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "api/http.hpp"
#include "api/schema/module_text.hpp"
#include "api/schema/path.hpp"
#include "base/log.hpp"
#include "dataplane/cube.hpp"
#include "reactor/task.hpp"

namespace pcn::dataplane {
class datapath;
}

namespace pcn::api {

namespace json = boost::json;

// A body a cube streams (a live capture): its content type, and the producer the HTTP
// server runs on the connection's shard, which may be any shard (reach the cube's with
// on_shard, never block it; see api/http.hpp).
struct stream_offer {
  std::string content_type;
  stream_producer produce;
};

// One cube's control plane.
class managed_cube {
 public:
  virtual ~managed_cube() = default;

  // The cube's fast path (the SDK object owning its programs, maps and ports).
  virtual dataplane::cube_base& fastpath() = 0;

  // Applies a validated change of the service's own configuration. `before` and `after`
  // are the cube's whole configuration (config leaves only, defaults filled, the framework's
  // leaves included for reference); a new cube gets an empty `before`. Runs after the
  // framework added the new ports and before it removes the old ones and sets peers.
  // To refuse, throw (schema::request_error for a 4xx naming the path; anything else is a
  // 500): the framework then undoes its own steps, and the cube must be as `before` left it.
  virtual task<void> apply(const json::object& before, const json::object& after) = 0;

  // Operational state: fill the config-false leaves of the service (counters, learned
  // tables) into `view`, the cube's configuration as GET shows it.
  virtual void read_state(json::object& view) const;

  // Config leaves the client left unset and the cube chose itself, once and for good (a
  // router port's MAC): filled into `config`, the cube's entry in the saved document, so
  // that a restore rebuilds the cube as it is even when the data plane is gone. The
  // default chooses nothing.
  virtual void record_choices(json::object& config) const;

  // A YANG action (POST to .../<action>/): `action` is resolved, `input` validated.
  // Answers the action's output (null for none). The default refuses with 405.
  virtual task<json::value> run_action(const schema::resolved_path& action, const json::value& input);

  // A named stream: GET .../<service>/<cube>/<name> where the model has no node of that
  // name; `query` is the request's, after '?', undecoded. Nothing (the default): 404.
  virtual std::optional<stream_offer> open_stream(std::string_view name, std::string_view query);
};

// What create() gets: where the cube lives and what it was created with.
struct cube_setup {
  dataplane::datapath& datapath;
  std::string name;
  dataplane::cube_type type;
  log::level level;
  const json::object& config;  // validated, defaults filled; apply() gets it too
};

struct service_definition {
  std::string name;  // the service-name of its model: its segment in REST paths
  // The service's YANG modules, the service module last (imports before it).
  std::span<const schema::module_text> modules;
  // Loads a new cube's fast path (no ports yet). Throws like apply() to refuse.
  std::function<std::unique_ptr<managed_cube>(const cube_setup&)> create;
};

// A string member of a configuration object, or `fallback` when absent.
inline std::string string_member(const json::object& o, std::string_view name, std::string fallback = {}) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->get_string()) : fallback;
}

}  // namespace pcn::api
