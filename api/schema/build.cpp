#include "api/schema/build.hpp"

#include <libyang/libyang.h>

#include <array>
#include <string>

#include "api/schema/error.hpp"
#include "api/schema/value.hpp"

namespace pcn::schema::detail {
namespace {

std::string_view base_name(LY_DATA_TYPE t) {
  switch (t) {
    case LY_TYPE_BINARY: return "binary";
    case LY_TYPE_UINT8: return "uint8";
    case LY_TYPE_UINT16: return "uint16";
    case LY_TYPE_UINT32: return "uint32";
    case LY_TYPE_UINT64: return "uint64";
    case LY_TYPE_STRING: return "string";
    case LY_TYPE_BITS: return "bits";
    case LY_TYPE_BOOL: return "boolean";
    case LY_TYPE_DEC64: return "decimal64";
    case LY_TYPE_EMPTY: return "empty";
    case LY_TYPE_ENUM: return "enumeration";
    case LY_TYPE_IDENT: return "identityref";
    case LY_TYPE_INST: return "instance-identifier";
    case LY_TYPE_LEAFREF: return "leafref";
    case LY_TYPE_UNION: return "union";
    case LY_TYPE_INT8: return "int8";
    case LY_TYPE_INT16: return "int16";
    case LY_TYPE_INT32: return "int32";
    case LY_TYPE_INT64: return "int64";
    default: return "unknown";
  }
}

bool is_builtin(std::string_view name) {
  static constexpr std::array builtins = {
      "binary", "bits", "boolean", "decimal64", "empty", "enumeration", "identityref",
      "instance-identifier", "int8", "int16", "int32", "int64", "leafref", "string", "uint8",
      "uint16", "uint32", "uint64", "union"};
  for (std::string_view b : builtins)
    if (b == name) return true;
  return false;
}

std::string decimal_text(int64_t scaled, unsigned digits) {
  std::string s = std::to_string(scaled < 0 ? -scaled : scaled);
  if (s.size() <= digits) s.insert(0, digits + 1 - s.size(), '0');
  s.insert(s.size() - digits, ".");
  return scaled < 0 ? "-" + s : s;
}

// A compiled range as YANG writes it: "1..100 | 200". Unsigned and length bounds live in the
// u64 members, signed and decimal64 ones (scaled by 10^fraction-digits) in the 64 ones.
std::string range_text(const lysc_range* range, LY_DATA_TYPE type, unsigned digits) {
  if (!range) return {};
  std::string out;
  LY_ARRAY_COUNT_TYPE u;
  LY_ARRAY_FOR(range->parts, u) {
    const auto& part = range->parts[u];
    std::string min, max;
    if (type == LY_TYPE_DEC64) {
      min = decimal_text(part.min_64, digits);
      max = decimal_text(part.max_64, digits);
    } else if (type < LY_TYPE_DEC64) {
      min = std::to_string(part.min_u64);
      max = std::to_string(part.max_u64);
    } else {
      min = std::to_string(part.min_64);
      max = std::to_string(part.max_64);
    }
    if (!out.empty()) out += " | ";
    out += min == max ? min : min + ".." + max;
  }
  return out;
}

// `parsed` is the type as the model wrote it (null when unknown): it carries the typedef name
// the compiled type has lost.
leaf_type describe_type(const lysc_type* type, const lysp_type* parsed) {
  leaf_type out;
  if (parsed && parsed->name) {
    std::string_view name = parsed->name;
    if (auto colon = name.find(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
    if (!is_builtin(name)) out.typedef_name = name;
  }
  if (type->basetype == LY_TYPE_LEAFREF) {
    // A leafref takes its values from its target's type: describe that.
    leaf_type real = describe_type(reinterpret_cast<const lysc_type_leafref*>(type)->realtype, nullptr);
    if (out.typedef_name.empty()) out.typedef_name = real.typedef_name;
    real.typedef_name = out.typedef_name;
    return real;
  }
  out.base = base_name(type->basetype);
  switch (type->basetype) {
    case LY_TYPE_ENUM: {
      auto* e = reinterpret_cast<const lysc_type_enum*>(type);
      LY_ARRAY_COUNT_TYPE u;
      LY_ARRAY_FOR(e->enums, u) out.enums.emplace_back(e->enums[u].name);
      break;
    }
    case LY_TYPE_BITS: {
      auto* b = reinterpret_cast<const lysc_type_bits*>(type);
      LY_ARRAY_COUNT_TYPE u;
      LY_ARRAY_FOR(b->bits, u) out.enums.emplace_back(b->bits[u].name);
      break;
    }
    case LY_TYPE_STRING: {
      auto* s = reinterpret_cast<const lysc_type_str*>(type);
      out.length = range_text(s->length, type->basetype, 0);
      LY_ARRAY_COUNT_TYPE u;
      LY_ARRAY_FOR(s->patterns, u) out.patterns.push_back({s->patterns[u]->expr, s->patterns[u]->inverted != 0});
      break;
    }
    case LY_TYPE_BINARY:
      out.length = range_text(reinterpret_cast<const lysc_type_bin*>(type)->length, type->basetype, 0);
      break;
    case LY_TYPE_DEC64: {
      auto* d = reinterpret_cast<const lysc_type_dec*>(type);
      out.fraction_digits = d->fraction_digits;
      out.range = range_text(d->range, type->basetype, d->fraction_digits);
      break;
    }
    case LY_TYPE_UNION: {
      auto* un = reinterpret_cast<const lysc_type_union*>(type);
      // Member typedef names are known when the union is written inline in the leaf.
      const lysp_type* members = parsed && LY_ARRAY_COUNT(parsed->types) == LY_ARRAY_COUNT(un->types) ? parsed->types : nullptr;
      LY_ARRAY_COUNT_TYPE u;
      LY_ARRAY_FOR(un->types, u) out.members.push_back(describe_type(un->types[u], members ? &members[u] : nullptr));
      break;
    }
    case LY_TYPE_INT8: case LY_TYPE_INT16: case LY_TYPE_INT32: case LY_TYPE_INT64:
    case LY_TYPE_UINT8: case LY_TYPE_UINT16: case LY_TYPE_UINT32: case LY_TYPE_UINT64:
      out.range = range_text(reinterpret_cast<const lysc_type_num*>(type)->range, type->basetype, 0);
      break;
    default:
      break;
  }
  return out;
}

const lysp_type* parsed_type(const lysc_node* sys) {
  auto* p = static_cast<const lysp_node*>(sys->priv);  // LY_CTX_SET_PRIV_PARSED
  if (!p) return nullptr;
  if (p->nodetype == LYS_LEAF) return &reinterpret_cast<const lysp_node_leaf*>(p)->type;
  if (p->nodetype == LYS_LEAFLIST) return &reinterpret_cast<const lysp_node_leaflist*>(p)->type;
  return nullptr;
}

void add_children(node& parent, const lysc_node* sys_parent, const lysc_module* module, uint32_t options,
                  std::vector<std::unique_ptr<node>>& into);

std::unique_ptr<node> make_node(const lysc_node* sys, const node& parent) {
  auto n = std::make_unique<node>();
  n->name = sys->name;
  n->description = sys->dsc ? sys->dsc : "";
  n->sys = sys;
  n->parent = &parent;
  // Action input is written by the client like configuration; output is read like state.
  n->config = (sys->flags & LYS_IS_INPUT) || ((sys->flags & LYS_CONFIG_W) && !(sys->flags & LYS_IS_OUTPUT));
  // Flag bits mean different things on different node types: read each where it applies.
  const bool mandatory = sys->flags & LYS_MAND_TRUE;
  const ly_ctx* ctx = sys->module->ctx;
  switch (sys->nodetype) {
    case LYS_CONTAINER:
      n->kind = node_kind::container;
      n->presence = sys->flags & LYS_PRESENCE;
      add_children(*n, sys, nullptr, 0, n->children);
      break;
    case LYS_LIST:
      n->kind = node_kind::list;
      n->mandatory = mandatory;  // min-elements > 0
      n->user_ordered = sys->flags & LYS_ORDBY_USER;
      add_children(*n, sys, nullptr, 0, n->children);
      for (const auto& c : n->children)
        if (c->key) n->keys.push_back(c.get());  // libyang puts the keys first, in key order
      break;
    case LYS_LEAF: {
      n->kind = node_kind::leaf;
      n->key = sys->flags & LYS_KEY;
      n->mandatory = mandatory || n->key;
      auto* leaf = reinterpret_cast<const lysc_node_leaf*>(sys);
      n->type = describe_type(leaf->type, parsed_type(sys));
      n->units = leaf->units ? leaf->units : "";
      if (leaf->dflt) {
        n->default_value = lyd_value_get_canonical(ctx, leaf->dflt);
        n->default_json = check_leaf_value(*n, *n->default_value).value;
      }
      break;
    }
    case LYS_LEAFLIST: {
      n->kind = node_kind::leaf_list;
      n->mandatory = mandatory;
      n->user_ordered = sys->flags & LYS_ORDBY_USER;
      auto* list = reinterpret_cast<const lysc_node_leaflist*>(sys);
      n->type = describe_type(list->type, parsed_type(sys));
      n->units = list->units ? list->units : "";
      break;
    }
    case LYS_ACTION:
    case LYS_RPC:
      n->kind = node_kind::action;
      n->config = true;
      add_children(*n, sys, nullptr, 0, n->children);
      add_children(*n, sys, nullptr, LYS_GETNEXT_OUTPUT, n->output);
      break;
    default:
      throw model_error("module " + std::string(sys->module->name) + ": " + lys_nodetype2str(sys->nodetype) + " '" +
                        n->name + "' cannot be served over REST");
  }
  return n;
}

// lys_getnext walks through choices and cases (their nodes are the parent's in the data),
// then gives the actions; notifications are not part of the REST interface.
void add_children(node& parent, const lysc_node* sys_parent, const lysc_module* module, uint32_t options,
                  std::vector<std::unique_ptr<node>>& into) {
  for (const lysc_node* c = nullptr; (c = lys_getnext(c, sys_parent, module, options));) {
    if (c->nodetype == LYS_NOTIF) continue;
    into.push_back(make_node(c, parent));
  }
}

}  // namespace

std::unique_ptr<node> build_tree(const lys_module& module, std::string_view root_name) {
  auto root = std::make_unique<node>();
  root->name = root_name;
  root->description = module.dsc ? module.dsc : "";
  add_children(*root, nullptr, module.compiled, 0, root->children);
  node* name = nullptr;
  for (auto& c : root->children)
    if (c->name == "name") name = c.get();
  if (!name || name->kind != node_kind::leaf || !name->mandatory)
    throw model_error("module " + std::string(module.name) + ": no mandatory leaf 'name' names the cube");
  name->key = true;
  root->keys.push_back(name);
  return root;
}

}  // namespace pcn::schema::detail
