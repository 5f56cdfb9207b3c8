#include "api/schema/node.hpp"

namespace pcn::schema {

std::string_view kind_name(node_kind kind) {
  switch (kind) {
    case node_kind::container: return "container";
    case node_kind::list: return "list";
    case node_kind::leaf: return "leaf";
    case node_kind::leaf_list: return "leaf-list";
    case node_kind::action: return "action";
  }
  return "unknown";
}

std::string leaf_type::summary() const {
  if (!members.empty() && typedef_name.empty()) {
    std::string out;
    for (const auto& m : members) out += (out.empty() ? "" : " or ") + m.summary();
    return out;
  }
  std::string out = typedef_name.empty() ? base : typedef_name;
  std::string detail;
  for (const auto& e : enums) detail += (detail.empty() ? "" : " | ") + e;
  if (!range.empty()) detail += (detail.empty() ? "range " : ", range ") + range;
  if (!length.empty()) detail += (detail.empty() ? "length " : ", length ") + length;
  if (!detail.empty()) out += " (" + detail + ")";
  return out;
}

const node* node::child(std::string_view child_name) const {
  for (const auto& c : children)
    if (c->name == child_name) return c.get();
  return nullptr;
}

std::string node::schema_path() const {
  if (is_root()) return {};
  std::string up = parent->schema_path();
  return up.empty() ? name : up + "/" + name;
}

}  // namespace pcn::schema
