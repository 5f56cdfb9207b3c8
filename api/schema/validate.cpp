#include "api/schema/validate.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <stdexcept>
#include <unordered_map>

#include "api/schema/error.hpp"
#include "api/schema/value.hpp"

namespace pcn::schema {
namespace {

namespace json = boost::json;

constexpr size_t max_problems = 20;

std::string join(const std::string& path, std::string_view segment) {
  return path.empty() ? std::string(segment) : path + "/" + std::string(segment);
}

std::string at_index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

std::string_view json_kind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: return "an object";
    case json::kind::array: return "an array";
    case json::kind::string: return "a string";
    case json::kind::bool_: return "a boolean";
    case json::kind::null: return "null";
    default: return "a number";
  }
}

bool is_key_of(const node& parent, const node& child) {
  return std::find(parent.keys.begin(), parent.keys.end(), &child) != parent.keys.end();
}

// The members a client may write in a body for `n`: its configuration, not its actions.
bool writable(const node& n) { return n.config && n.kind != node_kind::action; }

std::string writable_names(const node& n) {
  std::string out;
  for (const auto& c : n.children)
    if (writable(*c)) out += (out.empty() ? "" : ", ") + c->name;
  return out;
}

class validator {
 public:
  validator(method m, const validate_options& options)
      : _create(m != method::patch), _fill(options.fill_defaults && m != method::patch) {}

  json::value run(const resolved_path& target, const json::value& body) {
    const node& n = *target.target;
    switch (target.kind) {
      case target_kind::container:
      case target_kind::list_entry: {
        // The keys in the path that name this entry (or the cube): the last ones met.
        std::vector<const path_key*> own;
        for (size_t i = target.keys.size() - n.keys.size(); i < target.keys.size(); ++i) own.push_back(&target.keys[i]);
        return members(n, body, target.path, own);
      }
      case target_kind::action:
        _create = true;  // an action's input is whole: its mandatory leaves are required
        return members(n, body, target.path, {});
      case target_kind::list:
        return entries(n, body, target.path);
      case target_kind::leaf:
        return leaf(n, body, target.path);
      case target_kind::leaf_list:
        return leaf_list(n, body, target.path);
    }
    return nullptr;
  }

  std::vector<problem> take_problems() {
    if (_dropped) _problems.push_back({"", "and " + std::to_string(_dropped) + " more problems"});
    return std::move(_problems);
  }

 private:
  void add(std::string path, std::string reason) {
    if (_problems.size() < max_problems)
      _problems.push_back({std::move(path), std::move(reason)});
    else
      ++_dropped;
  }

  // A container, a list entry, the cube or an action's input: an object of members. `keys`
  // are the entry's keys given by the path, which the body may repeat but not contradict.
  json::value members(const node& n, const json::value& body, const std::string& path,
                      const std::vector<const path_key*>& keys) {
    if (!body.is_null() && !body.is_object()) {
      add(path, "expected an object, got " + std::string(json_kind(body)));
      return nullptr;
    }
    json::object out;
    for (const path_key* k : keys) out[k->name] = k->json;
    if (body.is_object()) {
      for (const auto& [name, value] : body.get_object()) {
        const std::string p = join(path, name);
        const node* c = n.child(name);
        if (!c || c->kind == node_kind::action) {
          add(p, "unknown member (allowed: " + writable_names(n) + ")");
          continue;
        }
        if (!c->config) {
          add(p, "read-only (config false)");
          continue;
        }
        json::value v = member(*c, value, p);
        auto from_path = std::find_if(keys.begin(), keys.end(), [&](const path_key* k) { return k->name == c->name; });
        if (from_path == keys.end()) {
          out[name] = std::move(v);
        } else if (!v.is_null() && v != (*from_path)->json) {
          add(p, "'" + scalar_text(v).value_or("") + "' does not match the key in the path ('" + (*from_path)->value + "')");
        }
      }
    }
    if (_create) absent(n, out, path);
    return out;
  }

  // What create and replace need of the members the body left out: the mandatory ones, and the
  // defaults when asked. Keys are checked where they are given (path or list entry).
  void absent(const node& n, json::object& out, const std::string& path) {
    for (const auto& c : n.children) {
      if (!writable(*c) || out.contains(c->name) || is_key_of(n, *c)) continue;
      const std::string p = join(path, c->name);
      if (c->mandatory) {
        add(p, "missing mandatory " + std::string(kind_name(c->kind)));
      } else if (c->kind == node_kind::container && !c->presence) {
        // A non-presence container exists whenever its parent does: its mandatory leaves too.
        json::value inner = members(*c, nullptr, p, {});
        if (_fill && !inner.get_object().empty()) out[c->name] = std::move(inner);
      } else if (_fill && c->default_value) {
        out[c->name] = c->default_json;
      }
    }
  }

  json::value member(const node& c, const json::value& value, const std::string& path) {
    switch (c.kind) {
      case node_kind::container: return members(c, value, path, {});
      case node_kind::list: return entries(c, value, path);
      case node_kind::leaf: return leaf(c, value, path);
      case node_kind::leaf_list: return leaf_list(c, value, path);
      case node_kind::action: break;
    }
    return nullptr;
  }

  // A whole list: an array of entries, each with all its keys, no two with the same.
  json::value entries(const node& list, const json::value& body, const std::string& path) {
    if (body.is_null()) return json::array{};
    if (!body.is_array()) {
      add(path, "expected an array of entries, got " + std::string(json_kind(body)));
      return nullptr;
    }
    json::array out;
    std::unordered_map<std::string, size_t> seen;  // the serialised keys of each entry
    const json::array& in = body.get_array();
    for (size_t i = 0; i < in.size(); ++i) {
      if (!in[i].is_object()) {
        add(at_index(path, i), "expected an object, got " + std::string(json_kind(in[i])));
        continue;
      }
      const json::object& entry = in[i].get_object();
      // Problems inside an entry are reported under its keys as written, as a path would be.
      std::string entry_path = path;
      bool keyed = true;
      for (const node* k : list.keys) {
        const json::value* v = entry.if_contains(k->name);
        if (!v) add(at_index(path, i), "missing key '" + k->name + "'");
        auto text = v ? scalar_text(*v) : std::nullopt;
        if (text && keyed) entry_path = join(entry_path, *text);
        keyed = keyed && text;
      }
      if (!keyed) entry_path = at_index(path, i);
      json::value normalised = members(list, in[i], entry_path, {});
      if (!normalised.is_object()) continue;
      json::array id;
      for (const node* k : list.keys) {
        const json::value* v = normalised.get_object().if_contains(k->name);
        if (!v || v->is_null()) break;
        id.push_back(*v);
      }
      if (id.size() == list.keys.size()) {
        auto [it, fresh] = seen.emplace(json::serialize(id), i);
        if (!fresh) add(entry_path, "entry " + std::to_string(i) + " repeats the key of entry " + std::to_string(it->second));
      }
      out.push_back(std::move(normalised));
    }
    return out;
  }

  json::value leaf(const node& n, const json::value& body, const std::string& path) {
    // An `empty` leaf has no value: JSON null, or [null] as RFC 7951 writes it.
    if (n.type->base == "empty" &&
        (body.is_null() || (body.is_array() && body.get_array().size() == 1 && body.get_array()[0].is_null())))
      return nullptr;
    auto text = scalar_text(body);
    if (!text) {
      add(path, "expected a value (a string, a number or a boolean), got " + std::string(json_kind(body)));
      return nullptr;
    }
    checked_value v = check_leaf_value(n, *text);
    if (!v.ok) {
      add(path, v.error);
      return nullptr;
    }
    return std::move(v.value);
  }

  json::value leaf_list(const node& n, const json::value& body, const std::string& path) {
    if (!body.is_array()) {
      add(path, "expected an array of values, got " + std::string(json_kind(body)));
      return nullptr;
    }
    json::array out;
    std::unordered_map<std::string, size_t> seen;  // serialised values
    const json::array& in = body.get_array();
    for (size_t i = 0; i < in.size(); ++i) {
      json::value v = leaf(n, in[i], at_index(path, i));
      if (v.is_null()) continue;
      // Configuration leaf-list values are distinct (RFC 7950, 7.7).
      auto [it, fresh] = seen.emplace(json::serialize(v), i);
      if (!fresh) {
        add(at_index(path, i), "repeats the value of " + at_index(path, it->second));
        continue;
      }
      out.push_back(std::move(v));
    }
    return out;
  }

  bool _create;
  bool _fill;
  std::vector<problem> _problems;
  size_t _dropped = 0;
};

}  // namespace

json::value validate(const resolved_path& target, method m, const json::value& body, const validate_options& options) {
  if (m != method::post && m != method::put && m != method::patch)
    throw std::invalid_argument("validate: " + std::string(method_name(m)) + " carries no body to validate");
  const auto allowed = allowed_methods(target);
  if (std::find(allowed.begin(), allowed.end(), m) == allowed.end()) {
    std::string names;
    for (method a : allowed) names += (names.empty() ? "" : ", ") + std::string(method_name(a));
    throw request_error(405, target.path,
                        std::string(method_name(m)) + " does not apply to this " + std::string(kind_name(target.kind)) +
                            " (allowed: " + names + ")");
  }
  validator v(m, options);
  json::value out = v.run(target, body);
  auto problems = v.take_problems();
  if (!problems.empty()) throw request_error(400, std::move(problems));
  return out;
}

}  // namespace pcn::schema
