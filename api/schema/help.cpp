#include "api/schema/help.hpp"

#include <boost/json/array.hpp>

namespace pcn::schema {
namespace {

namespace json = boost::json;

json::array strings(const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); }

json::object param(const node& n) {
  json::object p;
  p["name"] = n.name;
  p["kind"] = kind_name(n.kind);
  p["type"] = n.type ? n.type->summary() : std::string(kind_name(n.kind));
  p["description"] = n.description;
  p["config"] = n.config;
  p["mandatory"] = n.mandatory;
  p["key"] = n.key;
  if (n.type) {
    p["base"] = n.type->base;
    if (!n.type->typedef_name.empty()) p["typedef"] = n.type->typedef_name;
    if (!n.type->enums.empty()) p["enum"] = strings(n.type->enums);
  }
  if (n.default_value) p["default"] = *n.default_value;
  if (!n.units.empty()) p["units"] = n.units;
  return p;
}

// The children a command line may name after this node: data, not keys (given in the path
// or listed apart), not actions (commands of their own).
json::array params(const std::vector<std::unique_ptr<node>>& children) {
  json::array out;
  for (const auto& c : children)
    if (!c->key && c->kind != node_kind::action) out.push_back(param(*c));
  return out;
}

json::array keys(const node& n) {
  json::array out;
  for (const node* k : n.keys) out.push_back(param(*k));
  return out;
}

json::array actions(const node& n) {
  json::array out;
  for (const auto& c : n.children)
    if (c->kind == node_kind::action) out.push_back(json::object{{"name", c->name}, {"description", c->description}});
  return out;
}

json::array commands(target_kind kind, const node& n) {
  if (kind == target_kind::action) return {};
  if (!n.config || n.key) return {"show"};
  if (kind == target_kind::list) return {"add", "del", "show"};
  return {"show", "set"};
}

}  // namespace

json::object help(const resolved_path& target) {
  const node& n = *target.target;
  const service_schema& service = *target.service;
  json::object out;
  out["service"] = service.info().name;
  out["path"] = target.path;
  out["kind"] = kind_name(target.kind);
  out["description"] = n.is_root() ? service.info().description : n.description;
  out["commands"] = commands(target.kind, n);
  out["actions"] = actions(n);
  switch (target.kind) {
    case target_kind::list:
      out["keys"] = keys(n);
      out["params"] = params(n.children);
      break;
    case target_kind::leaf:
    case target_kind::leaf_list:
      out["params"] = json::array{param(n)};
      break;
    case target_kind::action:
      out["params"] = params(n.children);
      out["output"] = params(n.output);
      break;
    default:
      out["params"] = params(n.children);
      break;
  }
  if (n.is_root() && !service.info().cli_example.empty()) out["example"] = service.info().cli_example;
  return out;
}

json::object service_help(const service_schema& service) {
  const node& root = service.root();
  const service_info& info = service.info();
  json::object out;
  out["service"] = info.name;
  out["path"] = "";
  out["kind"] = "service";
  out["description"] = info.description;
  out["commands"] = json::array{"add", "del", "show"};
  out["actions"] = json::array{};
  out["keys"] = keys(root);
  out["params"] = params(root.children);
  out["service-kind"] = kind_name(info.kind);
  out["version"] = info.version;
  if (!info.cli_example.empty()) out["example"] = info.cli_example;
  return out;
}

}  // namespace pcn::schema
