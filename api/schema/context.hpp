#pragma once
// The services' YANG models, compiled by libyang, with the schema tree of each.
//
// A schema_context owns one libyang context holding the base modules and the service modules
// it was built with, and never changes afterwards: threads share it freely. Why: libyang
// recompiles a context's modules when another is added (loading simpleforwarder after
// helloworld moves helloworld's compiled tree), which would leave every lysc_node pointer of
// the schema trees dangling. To add or replace a service, build another context; one per
// service is the natural grain, and destroying it unloads the service.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/schema/module_text.hpp"
#include "api/schema/node.hpp"

struct ly_ctx;

namespace pcn::schema {

// Which base grouping a service builds on: standard cubes have ports, transparent ones are
// attached to a port or a netdev.
enum class service_kind { standard, transparent };
std::string_view kind_name(service_kind kind);  // "standard", "transparent"

// What a service says about itself through the polycube-base extensions.
struct service_info {
  std::string name;  // service-name: the service's segment in REST paths
  std::string module;
  service_kind kind = service_kind::standard;
  std::string description;  // service-description
  std::string version;      // service-version
  std::string min_kernel_version;
  std::string cli_example;
};

class service_schema {
 public:
  const service_info& info() const { return _info; }
  // The tree of one cube of the service (node.hpp).
  const node& root() const { return *_root; }

 private:
  friend class schema_context;
  service_info _info;
  std::unique_ptr<node> _root;
};

class schema_context {
 public:
  // Loads the base modules, then each service module in order. Throws model_error naming the
  // module and, where libyang knows it, the line ("load YANG module x: ... (line 12)").
  explicit schema_context(std::span<const module_text> services);
  ~schema_context();
  schema_context(const schema_context&) = delete;
  schema_context& operator=(const schema_context&) = delete;

  // By service name (service-name, not module name); null when not loaded here.
  const service_schema* find(std::string_view service_name) const;
  const std::vector<service_schema>& services() const { return _services; }

 private:
  struct context_deleter {
    void operator()(ly_ctx* ctx) const;
  };
  std::unique_ptr<ly_ctx, context_deleter> _ctx;
  std::vector<service_schema> _services;
};

}  // namespace pcn::schema
