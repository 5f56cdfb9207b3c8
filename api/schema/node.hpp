#pragma once
// The schema tree of one service: our own view of libyang's compiled tree (lysc_node), built
// once when the model is loaded and read-only afterwards. The REST layer resolves paths
// against it, validates bodies with it and describes it in help and OpenAPI.
//
// The root stands for one cube: its children are the service's top-level nodes (those of the
// base grouping first). Cubes are entries of the service, named by the root's `name` leaf,
// so the root's `keys` holds that leaf.
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct lysc_node;

namespace pcn::schema {

enum class node_kind { container, list, leaf, leaf_list, action };
std::string_view kind_name(node_kind kind);  // "container", "list", "leaf", "leaf-list", "action"

struct type_pattern {
  std::string expr;  // XSD regular expression, as written in the model
  bool inverted;     // YANG `modifier invert-match`: the value must not match
};

// A leaf's type, summarised for help and OpenAPI; values themselves are checked by libyang.
struct leaf_type {
  std::string base;          // the YANG built-in type: "string", "uint16", "enumeration", ...
  std::string typedef_name;  // the typedef the model names ("ipv4-prefix", "mac-address"), or empty
  std::vector<std::string> enums;  // enumeration (or bits) names, in model order
  std::string range;               // numeric restriction, "1..100 | 200"; empty when none
  std::string length;              // string or binary length restriction, "1..64"
  std::vector<type_pattern> patterns;
  unsigned fraction_digits = 0;   // decimal64
  std::vector<leaf_type> members;  // union members, in order

  // One line for help: "ipv4-prefix", "uint16 (range 1..100 | 200)",
  // "enumeration (DROP | FORWARD)", "uint8 or enumeration (auto)".
  std::string summary() const;
};

struct node {
  std::string name;
  node_kind kind = node_kind::container;
  std::string description;
  bool config = true;       // the client may write it: YANG config true, or an action's input
  bool mandatory = false;   // YANG mandatory true (list keys are mandatory too)
  bool key = false;         // names its entry: a list key, or the cube's name
  bool presence = false;    // a presence container
  bool user_ordered = false;  // list or leaf-list ordered-by user
  std::optional<std::string> default_value;  // canonical text of a leaf's default
  boost::json::value default_json;           // the same, normalised; null when no default
  std::string units;
  std::optional<leaf_type> type;        // leaf and leaf-list
  std::vector<const node*> keys;        // list (and the root): key leaves, in key order
  std::vector<std::unique_ptr<node>> children;  // model order; an action's are its input
  std::vector<std::unique_ptr<node>> output;    // an action's output
  const node* parent = nullptr;
  const lysc_node* sys = nullptr;  // the compiled libyang node; null for the root

  const node* child(std::string_view child_name) const;
  bool is_root() const { return parent == nullptr; }
  // The path of names from the root, "ports/peer"; empty for the root.
  std::string schema_path() const;
};

}  // namespace pcn::schema
