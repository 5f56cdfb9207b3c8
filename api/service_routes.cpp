// Service routes: /polycube/v1/<service>/<cube>/<yang path...>. A request is parsed
// (simdjson), resolved against the service's model, validated whole, and only then handed
// to the datastore, which applies it or changes nothing.
#include <boost/json/serialize.hpp>

#include "api/control_call.hpp"
#include "api/framework_routes.hpp"
#include "api/management_routes.hpp"
#include "api/schema/error.hpp"
#include "api/schema/help.hpp"
#include "api/schema/json_body.hpp"
#include "api/schema/validate.hpp"

namespace pcn::api {

using schema::method;
using schema::request_error;

namespace {

std::optional<method> method_of(http::verb v) {
  switch (v) {
    case http::verb::get: return method::get;
    case http::verb::post: return method::post;
    case http::verb::put: return method::put;
    case http::verb::patch: return method::patch;
    case http::verb::delete_: return method::del;
    default: return std::nullopt;
  }
}

response allow_response(http::status status, const json::value& body, const std::vector<method>& allowed) {
  response res = json_response(status, body);
  std::string allow = "OPTIONS";
  for (method m : allowed) allow += ", " + std::string(schema::method_name(m));
  res.set(http::field::allow, allow);
  return res;
}

// The service's own resource: /polycube/v1/<service>/ lists its cubes.
response service_collection(datastore& store, const service_entry& service, http::verb verb) {
  if (verb == http::verb::options) return json_response(http::status::ok, schema::service_help(*service.schema));
  if (verb != http::verb::get)
    throw request_error(405, "", std::string(http::to_string(verb)) + " does not apply to a service: name a cube");
  json::array cubes;
  for (const auto& name : store.cube_names(service.definition.name)) cubes.push_back(store.view(name));
  return json_response(http::status::ok, cubes);
}

// HATEOAS without touching the body: a GET of the cube, a container or a list entry lists
// where to go next in a Link header (RFC 8288): its containers, lists and actions.
void add_child_links(response& res, const request& req, const schema::resolved_path& target) {
  if (target.kind != schema::target_kind::container && target.kind != schema::target_kind::list_entry) return;
  std::string base(req.target().substr(0, req.target().find('?')));
  if (!base.ends_with('/')) base += '/';
  std::string links;
  for (const auto& c : target.target->children) {
    if (c->kind == schema::node_kind::leaf || c->kind == schema::node_kind::leaf_list) continue;
    const char* rel = c->kind == schema::node_kind::action ? "action" : "child";
    links += (links.empty() ? "<" : ", <") + base + c->name + "/>; rel=\"" + rel + "\"";
  }
  if (!links.empty()) res.set(http::field::link, links);
}

// GET .../<cube>/<name> where the model has no <name>: a stream the cube may offer
// (managed_cube::open_stream), its body produced after the head by the HTTP server.
std::optional<response> cube_stream(datastore& store, const service_entry& service, const std::string& cube,
                                    const std::string& name, const route_params& params) {
  if (service.schema->root().child(name) || store.service_of(cube) != &service) return std::nullopt;
  std::optional<stream_offer> offer = store.open_stream(cube, name, params.query);
  if (!offer) return std::nullopt;
  if (!params.stream) throw request_error(405, name, "a stream cannot be sent on this connection");
  *params.stream = std::move(offer->produce);
  response res{http::status::ok, 11};
  res.set(http::field::content_type, offer->content_type);
  res.set(http::field::cache_control, "no-store");
  return res;
}

task<response> cube_request(datastore& store, const service_entry& service, const request& req,
                            const route_params& params, size_t max_body) {
  const std::vector<std::string>& segments = params.rest;
  const std::string cube = segments[1];
  std::vector<std::string> below(segments.begin() + 2, segments.end());
  if (req.method() == http::verb::get && below.size() == 1)
    if (auto streamed = cube_stream(store, service, cube, below[0], params)) co_return std::move(*streamed);
  schema::resolved_path target = schema::resolve(*service.schema, cube, below);
  if (req.method() == http::verb::options)
    co_return json_response(http::status::ok, schema::help(target));

  auto m = method_of(req.method());
  if (!m) throw request_error(405, target.path, std::string(req.method_string()) + " is not a REST method here");
  bool creating = target.target->is_root() && *m == method::post;
  if (!creating) {
    const service_entry* owner = store.service_of(cube);
    if (!owner) throw request_error(404, "", "no cube " + cube);
    if (owner != &service)
      throw request_error(404, "", "cube " + cube + " is a " + owner->definition.name + ", not a " + service.definition.name);
  }
  auto allowed = schema::allowed_methods(target);
  if (std::find(allowed.begin(), allowed.end(), *m) == allowed.end())
    co_return allow_response(http::status::method_not_allowed,
                             json::object{{"message", (target.path.empty() ? "" : target.path + ": ") +
                                                          std::string(schema::method_name(*m)) + " does not apply to a " +
                                                          std::string(schema::kind_name(target.kind))}},
                             allowed);

  if (*m == method::get) {
    response res = json_response(http::status::ok, store.read(target));
    add_child_links(res, req, target);
    co_return res;
  }

  json::value body = schema::parse_json_body(req.body(), max_body);
  if (*m != method::del && target.kind != schema::target_kind::action)
    body = schema::validate(target, *m, body, {.fill_defaults = creating});
  else if (target.kind == schema::target_kind::action)
    body = schema::validate(target, method::post, body);
  else if (!body.is_null())
    throw request_error(400, target.path, "DELETE takes no body");

  if (creating) {
    co_await store.create_cube(service, cube, body);
    co_return response{http::status::created, 11};
  }
  json::value out = co_await store.change(target, *m, body);
  if (!out.is_null()) co_return json_response(http::status::ok, out);
  co_return response{*m == method::post ? http::status::created : http::status::ok, 11};
}

task<response> service_request(datastore& store, const request& req, const route_params& params, size_t max_body) {
  const auto& segments = params.rest;
  if (segments.empty()) throw request_error(404, "", "no resource here");
  if (is_framework_resource(segments[0]))
    throw request_error(405, "", std::string(req.method_string()) + " does not apply to /" + segments[0]);
  const service_entry* service = store.find_service(segments[0]);
  if (!service) {
    // /polycube/v1/<cube>/...: the same resource under its service's name.
    if (const service_entry* owner = store.service_of(segments[0])) {
      std::string_view target = req.target();
      target.remove_prefix(std::min(target.size(), rest_root.size() + 1));
      response res = json_response(http::status::permanent_redirect,
                                   json::object{{"message", "cube " + segments[0] + " is a " + owner->definition.name}});
      res.set(http::field::location, std::string(rest_root) + "/" + owner->definition.name + "/" + std::string(target));
      co_return res;
    }
    throw request_error(404, "", "no service or cube named " + segments[0]);
  }
  if (segments.size() == 1) co_return service_collection(store, *service, req.method());
  co_return co_await cube_request(store, *service, req, params, max_body);
}

}  // namespace

void add_service_routes(router& r, datastore& store, const management_options& options) {
  const std::string pattern = std::string(rest_root) + "/{*rest}";
  for (auto verb : {http::verb::get, http::verb::post, http::verb::put, http::verb::patch, http::verb::delete_,
                    http::verb::options}) {
    r.add(verb, pattern, [&store, max = options.max_body_bytes](const request& req, const route_params& params) {
      return control_call([&store, &req, &params, max] { return service_request(store, req, params, max); });
    });
  }
}

}  // namespace pcn::api
