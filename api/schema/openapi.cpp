#include "api/schema/openapi.hpp"

#include <boost/json/array.hpp>
#include <cmath>

#include "api/schema/path.hpp"

namespace pcn::schema {
namespace {

namespace json = boost::json;

json::object leaf_schema(const leaf_type& t) {
  json::object s;
  if (!t.members.empty()) {
    json::array any;
    for (const auto& m : t.members) any.push_back(leaf_schema(m));
    s["anyOf"] = std::move(any);
  } else if (t.base.starts_with("int") || t.base.starts_with("uint")) {
    s["type"] = "integer";
    s["format"] = t.base == "int64" || t.base == "uint64" || t.base == "uint32" ? "int64" : "int32";
    if (t.base.starts_with("uint")) s["minimum"] = 0;
  } else if (t.base == "decimal64") {
    s["type"] = "number";
    s["multipleOf"] = std::pow(10.0, -double(t.fraction_digits));
  } else if (t.base == "boolean") {
    s["type"] = "boolean";
  } else if (t.base == "empty") {
    s["nullable"] = true;
  } else {
    s["type"] = "string";
    if (t.base == "binary") s["format"] = "byte";
    if (!t.enums.empty()) s["enum"] = json::array(t.enums.begin(), t.enums.end());
    // OpenAPI takes one pattern; several (or an inverted one) stay in the YANG extension.
    if (t.patterns.size() == 1 && !t.patterns[0].inverted) s["pattern"] = t.patterns[0].expr;
  }
  if (!t.typedef_name.empty()) s["x-yang-type"] = t.typedef_name;
  if (!t.range.empty()) s["x-yang-range"] = t.range;
  if (!t.length.empty()) s["x-yang-length"] = t.length;
  if (t.patterns.size() > 1 || (t.patterns.size() == 1 && t.patterns[0].inverted)) {
    json::array patterns;
    for (const auto& p : t.patterns) patterns.push_back(json::string((p.inverted ? "!" : "") + p.expr));
    s["x-yang-patterns"] = std::move(patterns);
  }
  return s;
}

json::object with_details(json::object s, const node& n) {
  if (!n.description.empty()) s["description"] = n.description;
  if (!n.config) s["readOnly"] = true;
  if (n.default_value) s["default"] = n.default_json;
  if (!n.units.empty()) s["x-yang-units"] = n.units;
  return s;
}

// Whether the order of an array's items means something (YANG ordered-by user).
json::object ordered(json::object s, const node& n) {
  if (n.user_ordered) s["x-yang-ordered-by"] = "user";
  return s;
}

json::object error_response() {
  return {{"description", "What was wrong, and where"},
          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/error"}}}}}}}};
}

class generator {
 public:
  explicit generator(const service_schema& service) : _service(service) {}

  json::object run(std::string_view server_url) {
    const node& root = _service.root();
    const std::string cube_path = "/" + _service.info().name + "/{name}/";
    json::array params{parameter("name", *root.keys.front())};
    object_schema(root);
    _paths["/" + _service.info().name + "/"] = json::object{
        {"get", operation("get", "Lists the cubes of the service", "cubes_" + schema_name(root), ref_array(root), {},
                          nullptr, "200")}};
    walk(root, target_kind::container, cube_path, params);

    json::object info{{"title", _service.info().name},
                      {"description", _service.info().description},
                      {"version", _service.info().version.empty() ? "0" : _service.info().version}};
    _schemas["error"] = json::object{{"type", "object"},
                                     {"properties", {{"message", {{"type", "string"}}}}},
                                     {"required", json::array{"message"}}};
    return {{"openapi", "3.0.3"},
            {"info", std::move(info)},
            {"servers", json::array{json::object{{"url", server_url}}}},
            {"paths", std::move(_paths)},
            {"components", {{"schemas", std::move(_schemas)}}}};
  }

 private:
  // Component names: the service and the schema path, dotted ("helloworld.ports").
  std::string schema_name(const node& n, std::string_view suffix = {}) const {
    std::string name = _service.info().name;
    for (char c : n.schema_path()) name += c == '/' ? '.' : c;
    if (!n.is_root()) name.insert(_service.info().name.size(), ".");
    return name + std::string(suffix);
  }

  json::object ref(const std::string& name) const { return {{"$ref", "#/components/schemas/" + name}}; }
  json::object ref_array(const node& n) const { return {{"type", "array"}, {"items", ref(schema_name(n))}}; }

  json::object parameter(const std::string& name, const node& key) const {
    return {{"name", name},
            {"in", "path"},
            {"required", true},
            {"description", key.description},
            {"schema", leaf_schema(*key.type)}};
  }

  // The schema of a node as it appears in a body; containers and entries by reference.
  json::object schema_of(const node& n) {
    switch (n.kind) {
      case node_kind::container:
        object_schema(n);
        return ref(schema_name(n));
      case node_kind::list:
        object_schema(n);
        return ordered(with_details(ref_array(n), n), n);
      case node_kind::leaf:
        return with_details(leaf_schema(*n.type), n);
      case node_kind::leaf_list:
        return ordered(with_details({{"type", "array"}, {"items", leaf_schema(*n.type)}}, n), n);
      case node_kind::action:
        break;
    }
    return {};
  }

  // A component for a container, a list entry, the cube or an action's input or output.
  void object_schema(const node& n, const std::vector<std::unique_ptr<node>>& members, const std::string& name) {
    if (_schemas.contains(name)) return;  // met again through another path
    json::object properties;
    json::array required;
    for (const auto& c : members) {
      if (c->kind == node_kind::action) continue;
      properties[c->name] = schema_of(*c);
      if (c->mandatory && c->config) required.push_back(json::string(c->name));
    }
    json::object s{{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty()) s["required"] = std::move(required);
    if (!n.description.empty()) s["description"] = n.description;
    if (!n.config) s["readOnly"] = true;
    _schemas[name] = std::move(s);
  }
  void object_schema(const node& n) { object_schema(n, n.children, schema_name(n)); }

  // `id` tells the path apart from the others of the node (a list and its entries share one).
  static json::object operation(std::string_view verb, std::string summary, std::string id, json::object response_schema,
                                const json::array& params, const json::object* request_schema, std::string_view status) {
    json::object op;
    op["summary"] = std::move(summary);
    id.insert(0, std::string(verb) + "_");
    for (char& c : id)
      if (c == '.' || c == '-') c = '_';
    op["operationId"] = std::move(id);
    if (!params.empty()) op["parameters"] = params;
    if (request_schema)
      op["requestBody"] = json::object{{"required", true},
                                       {"content", {{"application/json", {{"schema", *request_schema}}}}}};
    json::object ok{{"description", "Success"}};
    if (!response_schema.empty()) ok["content"] = json::object{{"application/json", {{"schema", std::move(response_schema)}}}};
    op["responses"] = json::object{{std::string(status), std::move(ok)}, {"default", error_response()}};
    return op;
  }

  void add_path(const std::string& path, const node& n, target_kind kind, const json::array& params,
                json::object body_schema) {
    resolved_path target;
    target.target = &n;
    target.kind = kind;
    json::object item;
    const std::string what = std::string(kind_name(kind)) + " " + (n.is_root() ? "cube" : n.schema_path());
    const std::string id = std::string(kind_name(kind)) + "_" + schema_name(n);
    for (method m : allowed_methods(target)) {
      switch (m) {
        case method::get:
          item["get"] = operation("get", "Reads the " + what, id, body_schema, params, nullptr, "200");
          break;
        case method::post:
          if (kind == target_kind::action) {
            const std::string input = schema_name(n, ".input"), output = schema_name(n, ".output");
            object_schema(n, n.children, input);
            json::object in = ref(input), out;
            if (!n.output.empty()) {
              object_schema(n, n.output, output);
              out = ref(output);
            }
            item["post"] = operation("post", "Runs the action " + n.schema_path(), id, std::move(out), params, &in,
                                     n.output.empty() ? "204" : "200");
          } else {
            item["post"] = operation("post", "Creates the " + what, id, {}, params, &body_schema, "201");
          }
          break;
        case method::put:
          item["put"] = operation("put", "Replaces the " + what, id, {}, params, &body_schema, "204");
          break;
        case method::patch:
          item["patch"] = operation("patch", "Updates the " + what, id, {}, params, &body_schema, "204");
          break;
        case method::del:
          item["delete"] = operation("delete", "Deletes the " + what, id, {}, params, nullptr, "204");
          break;
      }
    }
    _paths[path] = std::move(item);
  }

  void walk(const node& n, target_kind kind, const std::string& path, const json::array& params) {
    switch (kind) {
      case target_kind::container:
        add_path(path, n, kind, params, n.is_root() ? (object_schema(n), ref(schema_name(n))) : schema_of(n));
        for (const auto& c : n.children) walk_child(*c, path, params);
        return;
      case target_kind::list: {
        add_path(path, n, kind, params, schema_of(n));
        if (n.keys.empty()) return;  // a state list without keys: its entries have no address
        std::string entry = path;
        json::array entry_params = params;
        for (const node* k : n.keys) {
          const std::string name = n.name + "_" + k->name;
          entry += "{" + name + "}/";
          entry_params.push_back(parameter(name, *k));
        }
        add_path(entry, n, target_kind::list_entry, entry_params, ref(schema_name(n)));
        for (const auto& c : n.children) walk_child(*c, entry, entry_params);
        return;
      }
      default:
        add_path(path, n, kind, params, n.kind == node_kind::action ? json::object{} : schema_of(n));
        return;
    }
  }

  void walk_child(const node& c, const std::string& path, const json::array& params) {
    const std::string p = path + c.name + "/";
    switch (c.kind) {
      case node_kind::container: walk(c, target_kind::container, p, params); break;
      case node_kind::list: walk(c, target_kind::list, p, params); break;
      case node_kind::leaf: walk(c, target_kind::leaf, p, params); break;
      case node_kind::leaf_list: walk(c, target_kind::leaf_list, p, params); break;
      case node_kind::action: walk(c, target_kind::action, p, params); break;
    }
  }

  const service_schema& _service;
  json::object _paths;
  json::object _schemas;
};

}  // namespace

json::object openapi(const service_schema& service, std::string_view server_url) {
  return generator(service).run(server_url);
}

}  // namespace pcn::schema
