#include "api/config_tree.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/schema/error.hpp"

namespace pcn::api {

using schema::method;
using schema::node;
using schema::node_kind;
using schema::request_error;
using schema::resolved_path;
using schema::target_kind;

namespace {

// The nodes from the root (excluded) down to the target.
std::vector<const node*> chain_to(const node* target) {
  std::vector<const node*> chain;
  for (const node* n = target; n && !n->is_root(); n = n->parent) chain.push_back(n);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

bool entry_matches(const json::object& entry, const resolved_path& target, const std::string& list_path) {
  for (const auto& k : target.keys) {
    if (k.list != list_path) continue;
    const json::value* v = entry.if_contains(k.name);
    if (!v || *v != k.json) return false;
  }
  return true;
}

json::object* entry_in(json::array& list, const resolved_path& target, const std::string& list_path) {
  for (auto& e : list)
    if (e.is_object() && entry_matches(e.get_object(), target, list_path)) return &e.get_object();
  return nullptr;
}

// A list entry's keys as one string (its key members' values, serialised); nullopt when
// one is missing. Entries with the same keys are the same entry.
std::optional<std::string> keys_of(const node& list_node, const json::object& entry) {
  json::array id;
  for (const node* k : list_node.keys) {
    const json::value* v = entry.if_contains(k->name);
    if (!v) return std::nullopt;
    id.push_back(*v);
  }
  return json::serialize(id);
}

// Where each entry of a list is, by its keys: n entries of a request are found in a list
// of m in O(n + m), where a scan of the list per entry made a bulk request O(n x m).
std::unordered_map<std::string, size_t> index_entries(const node& list_node, const json::array& list) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i].is_object())
      if (auto keys = keys_of(list_node, list[i].get_object())) index.emplace(std::move(*keys), i);
  return index;
}

// Merges `patch` into `into` following the model: objects member by member, list entries
// by key, everything else replaced.
void merge(const node& n, json::object& into, const json::object& patch) {
  for (const auto& [name, value] : patch) {
    const node* c = n.child(name);
    json::value* existing = into.if_contains(name);
    if (c && existing && c->kind == node_kind::container && existing->is_object() && value.is_object()) {
      merge(*c, existing->get_object(), value.get_object());
    } else if (c && existing && c->kind == node_kind::list && existing->is_array() && value.is_array()) {
      json::array& list = existing->get_array();
      auto index = index_entries(*c, list);
      for (const auto& e : value.get_array()) {
        if (!e.is_object()) continue;
        auto keys = keys_of(*c, e.get_object());
        if (auto at = keys ? index.find(*keys) : index.end(); at != index.end()) {
          merge(*c, list[at->second].get_object(), e.get_object());
        } else {
          list.push_back(e);
          if (keys) index.emplace(std::move(*keys), list.size() - 1);
        }
      }
    } else {
      into[name] = value;
    }
  }
}

// Where the target lives: the object holding it, and its member name there; for a list
// entry, the list holding it. Creates absent containers and lists on the way when
// `create` (PUT, POST, PATCH); otherwise answers null.
struct location {
  json::object* parent = nullptr;  // object holding the target's member
  json::array* list = nullptr;     // for an entry: the list holding it
  json::object* entry = nullptr;   // for an entry: the entry, when present
};

location locate(json::object& cube, const resolved_path& target, bool create) {
  location loc;
  json::object* cur = &cube;
  auto chain = chain_to(target.target);
  for (size_t i = 0; i < chain.size(); ++i) {
    const node* n = chain[i];
    bool last = i + 1 == chain.size();
    if (last && target.kind != target_kind::list_entry) {
      loc.parent = cur;
      return loc;
    }
    json::value* member = cur->if_contains(n->name);
    if (!member) {
      if (!create) return {};
      member = &cur->emplace(n->name, n->kind == node_kind::list ? json::value(json::array()) : json::value(json::object()))
                    .first->value();
    }
    if (n->kind == node_kind::list) {
      if (!member->is_array()) return {};
      json::object* entry = entry_in(member->get_array(), target, n->schema_path());
      if (last) {
        loc.list = &member->get_array();
        loc.entry = entry;
        return loc;
      }
      if (!entry) return {};
      cur = entry;
    } else {
      if (!member->is_object()) return {};
      cur = &member->get_object();
    }
  }
  loc.parent = cur;  // the cube itself
  return loc;
}

[[noreturn]] void not_found(const resolved_path& target) {
  throw request_error(404, target.path, "no such " + std::string(schema::kind_name(target.kind)));
}

}  // namespace

const json::value* find_in_config(const json::object& cube, const resolved_path& target) {
  if (target.target->is_root()) return nullptr;  // the cube: callers use it directly
  // locate() creates nothing when asked not to, so the cast never writes.
  location loc = locate(const_cast<json::object&>(cube), target, false);
  if (target.kind == target_kind::list_entry) {
    if (!loc.entry) return nullptr;
    // An entry is an object inside an array: find its json::value.
    for (const auto& e : *loc.list)
      if (e.is_object() && &e.get_object() == loc.entry) return &e;
    return nullptr;
  }
  if (!loc.parent) return nullptr;
  return loc.parent->if_contains(target.target->name);
}

void edit_config(json::object& cube, const resolved_path& target, method m, const json::value& body) {
  const node& n = *target.target;
  if (n.is_root()) {
    // The cube itself: its name is its key and stays.
    json::value name = cube.contains("name") ? cube["name"] : json::value(nullptr);
    if (m == method::put) {
      cube = body.is_object() ? body.get_object() : json::object();
    } else if (m == method::patch) {
      if (body.is_object()) merge(n, cube, body.get_object());
    } else {
      throw request_error(405, "", std::string(schema::method_name(m)) + " does not apply to a cube's configuration here");
    }
    if (!name.is_null()) cube["name"] = name;
    return;
  }

  bool create = m != method::del;
  location loc = locate(cube, target, create);

  if (target.kind == target_kind::list_entry) {
    if (!loc.list) not_found(target);
    switch (m) {
      case method::post:
        if (loc.entry) throw request_error(409, target.path, "already exists");
        loc.list->push_back(body);
        return;
      case method::put:
        if (loc.entry)
          *loc.entry = body.get_object();
        else
          loc.list->push_back(body);
        return;
      case method::patch:
        if (!loc.entry) not_found(target);
        merge(n, *loc.entry, body.get_object());
        return;
      case method::del: {
        if (!loc.entry) not_found(target);
        auto it = std::find_if(loc.list->begin(), loc.list->end(),
                               [&](const json::value& e) { return e.is_object() && &e.get_object() == loc.entry; });
        loc.list->erase(it);
        return;
      }
      case method::get: break;
    }
    return;
  }

  if (!loc.parent) not_found(target);
  json::value* existing = loc.parent->if_contains(n.name);
  switch (m) {
    case method::post:
      if (n.kind == node_kind::list) {
        if (!existing) existing = &loc.parent->emplace(n.name, json::array()).first->value();
        auto index = index_entries(n, existing->get_array());
        for (const auto& e : body.get_array())
          if (auto keys = keys_of(n, e.get_object()); keys && index.contains(*keys))
            throw request_error(409, target.path, "entry " + json::serialize(e) + " already exists");
        for (const auto& e : body.get_array()) existing->get_array().push_back(e);
        return;
      }
      if (existing) throw request_error(409, target.path, "already exists");
      (*loc.parent)[n.name] = body;
      return;
    case method::put:
      (*loc.parent)[n.name] = body;
      return;
    case method::patch:
      if (n.kind == node_kind::container) {
        if (!existing || !existing->is_object()) existing = &((*loc.parent)[n.name] = json::object());
        if (body.is_object()) merge(n, existing->get_object(), body.get_object());
      } else if (n.kind == node_kind::list && existing && existing->is_array()) {
        json::object wrapper{{n.name, body}};
        merge(*n.parent, *loc.parent, wrapper);
      } else {
        (*loc.parent)[n.name] = body;
      }
      return;
    case method::del:
      if (n.mandatory || n.key) throw request_error(400, target.path, "cannot delete a mandatory leaf or a key");
      if (!existing) not_found(target);
      loc.parent->erase(n.name);
      return;
    case method::get: break;
  }
}

json::object config_only(const node& n, const json::object& view) {
  json::object out;
  for (const auto& [name, value] : view) {
    const node* c = n.child(name);
    if (!c || !c->config || c->kind == node_kind::action) continue;
    if (c->kind == node_kind::container && value.is_object()) {
      out[name] = config_only(*c, value.get_object());
    } else if (c->kind == node_kind::list && value.is_array()) {
      json::array entries;
      for (const auto& e : value.get_array())
        if (e.is_object()) entries.push_back(config_only(*c, e.get_object()));
      out[name] = std::move(entries);
    } else {
      out[name] = value;
    }
  }
  return out;
}

}  // namespace pcn::api
