#include "api/schema/context.hpp"

#include <libyang/libyang.h>

#include <optional>
#include <utility>

#include "api/schema/build.hpp"
#include "api/schema/error.hpp"
#include "api/schema/libyang_util.hpp"
#include "pcn_schema_yang.hpp"

namespace pcn::schema {
namespace {

constexpr std::string_view base_module = "polycube-base";

struct base_grouping {
  std::string_view module;
  std::string_view grouping;
  service_kind kind;
};
constexpr base_grouping base_groupings[] = {
    {"polycube-standard-base", "standard-base-yang-module", service_kind::standard},
    {"polycube-transparent-base", "transparent-base-yang-module", service_kind::transparent},
};

[[noreturn]] void fail(std::string_view module, const std::string& why) {
  throw model_error("load YANG module " + std::string(module) + ": " + why);
}

const lys_module* load(ly_ctx* ctx, const module_text& m) {
  const std::string text(m.text);  // libyang reads a NUL-terminated string
  lys_module* mod = nullptr;
  if (lys_parse_mem(ctx, text.c_str(), LYS_IN_YANG, &mod) != LY_SUCCESS) fail(m.name, detail::take_error(ctx, true));
  if (m.name != mod->name) fail(m.name, "the text declares module " + std::string(mod->name));
  return mod;
}

// The module name an import prefix (or the module's own prefix) stands for.
std::optional<std::string_view> module_of_prefix(const lysp_module& parsed, std::string_view prefix) {
  if (prefix == parsed.mod->prefix) return std::string_view(parsed.mod->name);
  LY_ARRAY_COUNT_TYPE u;
  LY_ARRAY_FOR(parsed.imports, u) {
    if (prefix == parsed.imports[u].prefix) return std::string_view(parsed.imports[u].name);
  }
  return std::nullopt;
}

// A service uses exactly one base grouping at its top level.
service_kind kind_of(const lys_module& mod) {
  std::optional<service_kind> kind;
  for (const lysp_node* n = mod.parsed->data; n; n = n->next) {
    if (n->nodetype != LYS_USES) continue;
    std::string_view name = n->name;
    auto colon = name.find(':');
    if (colon == std::string_view::npos) continue;
    auto module = module_of_prefix(*mod.parsed, name.substr(0, colon));
    for (const auto& g : base_groupings) {
      if (module != g.module || name.substr(colon + 1) != g.grouping) continue;
      if (kind) fail(mod.name, "it uses both base groupings; a service is standard or transparent");
      kind = g.kind;
    }
  }
  if (!kind)
    fail(mod.name,
         "a service must use polycube-standard-base:standard-base-yang-module or "
         "polycube-transparent-base:transparent-base-yang-module at its top level");
  return *kind;
}

// The polycube-base extensions at the top of the module, from its compiled instances.
service_info info_of(const lys_module& mod) {
  service_info info;
  info.module = mod.name;
  info.kind = kind_of(mod);
  const std::pair<std::string_view, std::string*> fields[] = {
      {"service-name", &info.name},
      {"service-description", &info.description},
      {"service-version", &info.version},
      {"service-min-kernel-version", &info.min_kernel_version},
      {"cli-example", &info.cli_example},
  };
  LY_ARRAY_COUNT_TYPE u;
  LY_ARRAY_FOR(mod.compiled->exts, u) {
    const lysc_ext_instance& ext = mod.compiled->exts[u];
    if (ext.def->module->name != base_module || !ext.argument) continue;
    for (auto [name, field] : fields)
      if (name == ext.def->name) *field = ext.argument;
  }
  if (info.name.empty()) fail(mod.name, "missing polycube-base:service-name, the service's name in REST paths");
  return info;
}

}  // namespace

std::span<const module_text> base_modules() { return embedded::pcn_schema(); }

std::string_view kind_name(service_kind kind) {
  return kind == service_kind::standard ? "standard" : "transparent";
}

void schema_context::context_deleter::operator()(ly_ctx* ctx) const { ly_ctx_destroy(ctx); }

schema_context::schema_context(std::span<const module_text> services) {
  detail::route_libyang_messages();
  ly_ctx* ctx = nullptr;
  // Imports resolve among the modules given here and libyang's own (ietf-inet-types,
  // ietf-yang-types): never from the file system. The parsed node behind each compiled one
  // (lysc_node::priv) keeps the typedef names the compiled types lose.
  const LY_ERR err = ly_ctx_new(nullptr, LY_CTX_NO_YANGLIBRARY | LY_CTX_DISABLE_SEARCHDIRS | LY_CTX_SET_PRIV_PARSED, &ctx);
  if (err != LY_SUCCESS)
    throw model_error(std::string("create a libyang context: ") +
                      (err == LY_EMEM ? "out of memory" : "libyang could not load its own modules"));
  _ctx.reset(ctx);
  for (const auto& m : base_modules()) load(ctx, m);
  std::vector<const lys_module*> loaded;
  for (const auto& m : services) loaded.push_back(load(ctx, m));
  // Only now: each load may have recompiled the modules before it.
  for (const lys_module* mod : loaded) {
    service_schema s;
    s._info = info_of(*mod);
    if (find(s._info.name)) fail(mod->name, "service " + s._info.name + " is already defined by another module");
    s._root = detail::build_tree(*mod, s._info.name);
    _services.push_back(std::move(s));
  }
}

schema_context::~schema_context() = default;

const service_schema* schema_context::find(std::string_view service_name) const {
  for (const auto& s : _services)
    if (s.info().name == service_name) return &s;
  return nullptr;
}

}  // namespace pcn::schema
