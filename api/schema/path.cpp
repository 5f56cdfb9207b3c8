#include "api/schema/path.hpp"

#include <algorithm>

#include "api/schema/error.hpp"
#include "api/schema/value.hpp"

namespace pcn::schema {
namespace {

std::string join(const std::string& path, std::string_view segment) {
  return path.empty() ? std::string(segment) : path + "/" + std::string(segment);
}

std::string names_of(const std::vector<std::unique_ptr<node>>& nodes) {
  std::string out;
  for (const auto& n : nodes) out += (out.empty() ? "" : ", ") + n->name;
  return out;
}

std::string names_of(const std::vector<const node*>& nodes) {
  std::string out;
  for (const node* n : nodes) out += (out.empty() ? "" : ", ") + n->name;
  return out;
}

path_key checked_key(const node& key, std::string list, std::string_view value, const std::string& path) {
  checked_value v = check_leaf_value(key, value);
  if (!v.ok) throw request_error(400, path, "invalid " + key.name + " '" + std::string(value) + "': " + v.error);
  return {std::move(list), key.name, std::string(value), std::move(v.value)};
}

target_kind kind_of(const node& n) {
  switch (n.kind) {
    case node_kind::container: return target_kind::container;
    case node_kind::list: return target_kind::list;
    case node_kind::leaf: return target_kind::leaf;
    case node_kind::leaf_list: return target_kind::leaf_list;
    case node_kind::action: return target_kind::action;
  }
  return target_kind::container;
}

}  // namespace

std::string_view kind_name(target_kind kind) {
  switch (kind) {
    case target_kind::container: return "container";
    case target_kind::list: return "list";
    case target_kind::list_entry: return "list-entry";
    case target_kind::leaf: return "leaf";
    case target_kind::leaf_list: return "leaf-list";
    case target_kind::action: return "action";
  }
  return "unknown";
}

resolved_path resolve(const service_schema& service, std::string_view cube, std::span<const std::string> segments) {
  resolved_path r;
  r.service = &service;
  r.target = &service.root();
  r.keys.push_back(checked_key(*r.target->keys.front(), {}, cube, {}));
  for (size_t i = 0; i < segments.size();) {
    const node& at = *r.target;
    if (r.kind == target_kind::list) {
      if (at.keys.empty())  // a state list may have no keys: its entries have no address
        throw request_error(404, r.path, "unknown segment '" + segments[i] + "': list " + at.name + " has no keys");
      // The segments after a list are its keys, all of them.
      const size_t given = std::min(at.keys.size(), segments.size() - i);
      if (given < at.keys.size())
        throw request_error(404, r.path,
                            "list " + at.name + " needs " + std::to_string(at.keys.size()) + " keys (" +
                                names_of(at.keys) + ") after it, got " + std::to_string(given));
      const std::string list = at.schema_path();
      for (const node* key : at.keys) {
        r.path = join(r.path, segments[i]);
        r.keys.push_back(checked_key(*key, list, segments[i++], r.path));
      }
      r.kind = target_kind::list_entry;
      continue;
    }
    const std::string& segment = segments[i++];
    if (at.kind == node_kind::leaf || at.kind == node_kind::leaf_list || at.kind == node_kind::action)
      throw request_error(404, r.path,
                          "unknown segment '" + segment + "': nothing is below " + std::string(kind_name(at.kind)) +
                              " " + at.name);
    const node* next = at.child(segment);
    if (!next)
      throw request_error(404, r.path,
                          "unknown segment '" + segment + "' (expected one of: " + names_of(at.children) + ")");
    r.target = next;
    r.kind = kind_of(*next);
    r.path = join(r.path, segment);
  }
  return r;
}

std::string_view method_name(method m) {
  switch (m) {
    case method::get: return "GET";
    case method::post: return "POST";
    case method::put: return "PUT";
    case method::patch: return "PATCH";
    case method::del: return "DELETE";
  }
  return "UNKNOWN";
}

std::vector<method> allowed_methods(const resolved_path& target) {
  const node& n = *target.target;
  if (target.kind == target_kind::action) return {method::post};
  if (!n.config || n.key) return {method::get};
  switch (target.kind) {
    case target_kind::list:
    case target_kind::list_entry:
      return {method::get, method::post, method::put, method::patch, method::del};
    case target_kind::container:
      if (n.is_root() || n.presence) return {method::get, method::post, method::put, method::patch, method::del};
      return {method::get, method::put, method::patch};
    default:
      return {method::get, method::put, method::patch};
  }
}

}  // namespace pcn::schema
