// Framework resources (shared/COMPAT.md): /, /services, /cubes, /netdevs, /connect,
// /disconnect, /attach, /detach, /topology, /openapi.json.
#include <net/if.h>

#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>

#include "api/control_call.hpp"
#include "api/framework_routes.hpp"
#include "api/management_routes.hpp"
#include "api/plugins.hpp"
#include "api/schema/error.hpp"
#include "api/schema/json_body.hpp"
#include "api/schema/openapi.hpp"

namespace pcn::api {

using schema::request_error;

namespace {

namespace fs = std::filesystem;

std::string text_member(const json::object& o, std::string_view name, bool required, std::string_view what) {
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) {
    if (required) throw request_error(400, std::string(name), "missing (" + std::string(what) + ")");
    return {};
  }
  if (!v->is_string()) throw request_error(400, std::string(name), "expected a string");
  return std::string(v->get_string());
}

// A body that must be an object whose members are all in `allowed`.
json::object object_body(const request& req, size_t max_body, std::initializer_list<std::string_view> allowed) {
  json::value body = schema::parse_json_body(req.body(), max_body);
  if (!body.is_object()) throw request_error(400, "", "expected a JSON object");
  for (const auto& [k, _] : body.get_object()) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(k)) != allowed.end()) continue;
    std::string names;
    for (auto a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
    throw request_error(400, std::string(k), "unknown member (allowed: " + names + ")");
  }
  return std::move(body.get_object());
}

json::object service_summary(const service_entry& s) {
  const auto& info = s.schema->info();
  return {{"name", info.name},
          {"description", info.description},
          {"version", info.version},
          {"service-kind", std::string(schema::kind_name(info.kind))},
          {"min-kernel-version", info.min_kernel_version},
          {"origin", s.origin}};
}

std::string read_sysfs(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

std::optional<json::object> netdev_info(const std::string& name) {
  unsigned ifindex = if_nametoindex(name.c_str());
  if (!ifindex) return std::nullopt;
  fs::path dir = fs::path("/sys/class/net") / name;
  json::object o{{"name", name}, {"ifindex", ifindex}, {"mac", read_sysfs(dir / "address")},
                 {"status", read_sysfs(dir / "operstate") == "down" ? "DOWN" : "UP"}};
  std::string mtu = read_sysfs(dir / "mtu");
  if (!mtu.empty()) o["mtu"] = std::stoll(mtu);
  return o;
}

std::string chain_text(std::vector<dataplane::transparent_cube*> chain, bool egress) {
  if (egress) std::reverse(chain.begin(), chain.end());
  std::string out;
  for (const auto* t : chain) out += t->name() + " ---> ";
  return out + "stack";
}

json::object netdev_topology(datastore& store, const std::string& netdev) {
  auto chain = store.datapath().chain_of(netdev);
  json::object o{{"name", netdev},
                 {"ingress service chain", chain_text(chain, false)},
                 {"egress service chain", chain_text(chain, true)}};
  for (const auto& cube : store.cube_names())
    if (auto* c = dynamic_cast<dataplane::cube*>(store.datapath().find_cube(cube)))
      for (const auto* p : c->ports())
        if (p->peer() == netdev) o["peer"] = p->path();
  return o;
}

json::object topology(datastore& store) {
  json::array cubes, netdevs;
  for (const auto& name : store.cube_names()) {
    json::object v = store.view(name);
    json::object c{{"name", name}, {"service-name", v["service-name"]}, {"type", v["type"]}};
    if (auto* ports = v.if_contains("ports")) {
      json::array ps;
      for (const auto& p : ports->get_array()) {
        const json::object& po = p.get_object();
        json::object e{{"name", po.at("name")}, {"status", po.at("status")}, {"tcubes", po.at("tcubes")}};
        if (auto* peer = po.if_contains("peer")) e["peer"] = *peer;
        ps.push_back(std::move(e));
      }
      c["ports"] = std::move(ps);
    }
    if (auto* parent = v.if_contains("parent")) c["parent"] = *parent;
    cubes.push_back(std::move(c));
  }
  for (const auto& [netdev, _] : store.datapath().netdevs_in_use()) netdevs.push_back(netdev_topology(store, netdev));
  return {{"cubes", std::move(cubes)}, {"netdevs", std::move(netdevs)}};
}

// POST /cubes takes what GET /cubes answers ({service: [cube...]}), a list of cubes with
// their service-name, or a whole topology document ({"cubes": [...], "attachments": ...}).
json::value topology_document(json::value body) {
  if (body.is_array()) return json::object{{"cubes", std::move(body)}};
  if (!body.is_object()) throw request_error(400, "", "expected cubes: an object or an array");
  json::object& o = body.get_object();
  if (o.contains("cubes")) return body;
  json::array cubes;
  for (auto& [service, list] : o) {
    if (!list.is_array()) throw request_error(400, std::string(service), "expected an array of cubes");
    for (auto& c : list.get_array()) {
      if (!c.is_object()) throw request_error(400, std::string(service), "expected cube objects");
      json::object entry = c.get_object();
      entry["service-name"] = service;
      cubes.push_back(std::move(entry));
    }
  }
  return json::object{{"cubes", std::move(cubes)}};
}

using control_handler = std::function<task<response>(datastore&, const request&, const route_params&, size_t)>;

void add(router& r, datastore& store, const management_options& options, http::verb verb, std::string_view path,
         control_handler h) {
  r.add(verb, std::string(rest_root) + std::string(path),
        [&store, max = options.max_body_bytes, h](const request& req, const route_params& params) {
          return control_call([&store, &req, &params, max, h] { return h(store, req, params, max); });
        });
}

response ok(const json::value& v) { return json_response(http::status::ok, v); }
response done() { return response{http::status::ok, 11}; }

task<response> get_root(datastore& store, const request&, const route_params&, size_t) {
  json::array services, cubes, links;
  for (const auto* s : store.services()) services.push_back(json::string(s->definition.name));
  for (const auto& c : store.cube_names()) cubes.push_back(json::string(c));
  for (std::string_view rel : {"services", "cubes", "netdevs", "topology", "version", "metrics", "openapi.json"})
    links.push_back(json::object{{"rel", rel}, {"href", std::string(rest_root) + "/" + std::string(rel)}});
  co_return ok(json::object{{"services", services}, {"cubes", cubes}, {"links", links}});
}

task<response> get_services(datastore& store, const request&, const route_params&, size_t) {
  json::array out;
  for (const auto* s : store.services()) out.push_back(service_summary(*s));
  co_return ok(out);
}

task<response> get_service(datastore& store, const request&, const route_params& p, size_t) {
  const service_entry* s = store.find_service(p["name"]);
  if (!s) throw request_error(404, "", "no service " + p["name"]);
  co_return ok(service_summary(*s));
}

task<response> post_service(datastore& store, const request& req, const route_params&, size_t max) {
  json::object body = object_body(req, max, {"type", "uri", "name"});
  std::string type = text_member(body, "type", false, "lib");
  if (!type.empty() && type != "lib") throw request_error(400, "type", "only \"lib\" (a plugin .so) is supported");
  std::string uri = text_member(body, "uri", true, "the plugin's path");
  std::string name = text_member(body, "name", false, "");
  load_service_plugin(store, uri, name);
  co_return response{http::status::created, 11};
}

task<response> delete_service(datastore& store, const request&, const route_params& p, size_t) {
  unload_service(store, p["name"]);
  co_return done();
}

task<response> get_cubes(datastore& store, const request&, const route_params&, size_t) {
  json::object out;
  for (const auto* s : store.services()) {
    json::array cubes;
    for (const auto& name : store.cube_names(s->definition.name)) cubes.push_back(store.view(name));
    if (!cubes.empty()) out[s->definition.name] = std::move(cubes);
  }
  co_return ok(out);
}

task<response> get_cube(datastore& store, const request&, const route_params& p, size_t) {
  if (!store.has_cube(p["name"])) throw request_error(404, "", "no cube " + p["name"]);
  co_return ok(store.view(p["name"]));
}

task<response> post_cubes(datastore& store, const request& req, const route_params&, size_t max) {
  co_await store.load(topology_document(schema::parse_json_body(req.body(), max)));
  co_return response{http::status::created, 11};
}

task<response> get_netdevs(datastore&, const request&, const route_params&, size_t) {
  json::array out;
  if (struct if_nameindex* all = if_nameindex()) {
    for (auto* i = all; i->if_index != 0; ++i)
      if (auto info = netdev_info(i->if_name)) out.push_back(std::move(*info));
    if_freenameindex(all);
  }
  co_return ok(out);
}

task<response> get_netdev(datastore&, const request&, const route_params& p, size_t) {
  auto info = netdev_info(p["name"]);
  if (!info) throw request_error(404, "", "no netdev " + p["name"]);
  co_return ok(*info);
}

task<response> post_connect(datastore& store, const request& req, const route_params&, size_t max) {
  json::object body = object_body(req, max, {"peer1", "peer2"});
  co_await store.connect(text_member(body, "peer1", true, "a netdev or cube:port"),
                         text_member(body, "peer2", true, "a netdev or cube:port"));
  co_return done();
}

task<response> post_disconnect(datastore& store, const request& req, const route_params&, size_t max) {
  json::object body = object_body(req, max, {"peer1", "peer2"});
  co_await store.disconnect(text_member(body, "peer1", true, "a netdev or cube:port"),
                            text_member(body, "peer2", true, "a netdev or cube:port"));
  co_return done();
}

task<response> post_attach(datastore& store, const request& req, const route_params&, size_t max) {
  json::object body = object_body(req, max, {"cube", "port", "position", "before", "after"});
  std::string cube = text_member(body, "cube", true, "the transparent cube");
  std::string port = text_member(body, "port", true, "cube:port or a netdev");
  auto position = dataplane::chain_position::parse(text_member(body, "position", false, ""),
                                                   text_member(body, "before", false, ""),
                                                   text_member(body, "after", false, ""));
  if (!position)
    throw request_error(400, "position", "one of auto, first, last — or before/after a cube, never more than one");
  co_await store.attach(cube, port, *position);
  co_return done();
}

task<response> post_detach(datastore& store, const request& req, const route_params&, size_t max) {
  json::object body = object_body(req, max, {"cube", "port"});
  std::string cube = text_member(body, "cube", true, "the transparent cube");
  std::string port = text_member(body, "port", false, "");
  if (const service_entry* s = store.service_of(cube); s && !port.empty()) {
    json::object v = store.view(cube);
    auto* parent = v.if_contains("parent");
    if (!parent || parent->as_string() != port)
      throw request_error(400, "port", cube + " is not attached to " + port);
  }
  co_await store.detach(cube);
  co_return done();
}

task<response> get_topology(datastore& store, const request&, const route_params&, size_t) {
  co_return ok(topology(store));
}

task<response> get_netdev_topology(datastore& store, const request&, const route_params& p, size_t) {
  const std::string& name = p["name"];
  if (!if_nametoindex(name.c_str()) && store.datapath().chain_of(name).empty())
    throw request_error(404, "", "no netdev " + name);
  co_return ok(netdev_topology(store, name));
}

task<response> get_openapi(datastore& store, const request&, const route_params&, size_t) {
  json::object paths, schemas;
  for (const auto* s : store.services()) {
    json::object doc = schema::openapi(*s->schema, rest_root);
    for (auto& [k, v] : doc["paths"].as_object()) paths[k] = v;
    for (auto& [k, v] : doc["components"].as_object()["schemas"].as_object()) schemas[k] = v;
  }
  co_return ok(json::object{{"openapi", "3.0.3"},
                            {"info", {{"title", "polycubed"}, {"version", PCN_VERSION}}},
                            {"servers", json::array{json::object{{"url", rest_root}}}},
                            {"paths", std::move(paths)},
                            {"components", {{"schemas", std::move(schemas)}}}});
}

}  // namespace

bool is_framework_resource(std::string_view first_segment) {
  for (std::string_view name : {"services", "cubes", "netdevs", "connect", "disconnect", "attach", "detach", "topology",
                                "version", "metrics", "openapi.json", "trace"})
    if (first_segment == name) return true;
  return false;
}

void add_framework_routes(router& r, datastore& store, const management_options& options) {
  using v = http::verb;
  add(r, store, options, v::get, "/", get_root);
  add(r, store, options, v::get, "/services", get_services);
  add(r, store, options, v::post, "/services", post_service);
  add(r, store, options, v::get, "/services/{name}", get_service);
  add(r, store, options, v::delete_, "/services/{name}", delete_service);
  add(r, store, options, v::get, "/cubes", get_cubes);
  add(r, store, options, v::post, "/cubes", post_cubes);
  add(r, store, options, v::get, "/cubes/{name}", get_cube);
  add(r, store, options, v::get, "/netdevs", get_netdevs);
  add(r, store, options, v::get, "/netdevs/{name}", get_netdev);
  add(r, store, options, v::post, "/connect", post_connect);
  add(r, store, options, v::post, "/disconnect", post_disconnect);
  add(r, store, options, v::post, "/attach", post_attach);
  add(r, store, options, v::post, "/detach", post_detach);
  add(r, store, options, v::get, "/topology", get_topology);
  add(r, store, options, v::get, "/topology/{name}", get_netdev_topology);
  add(r, store, options, v::get, "/openapi.json", get_openapi);
}

}  // namespace pcn::api
