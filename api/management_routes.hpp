#pragma once
// The management plane's REST routes (shared/COMPAT.md), all derived from the datastore and
// the services' models; nothing here names a service.
//
// - service routes: /polycube/v1/<service>/[<cube>/<yang path...>] with GET, POST, PUT,
//   PATCH, DELETE and OPTIONS (help); /polycube/v1/<cube>/... answers 308 to the
//   service-qualified URL;
// - framework resources: /, /services, /cubes, /netdevs, /connect, /disconnect, /attach,
//   /detach, /topology, /openapi.json.
// Handlers run on the control shard (control_call.hpp).
#include <cstddef>
#include <string_view>

#include "api/datastore.hpp"
#include "api/router.hpp"

namespace pcn::api {

struct management_options {
  size_t max_body_bytes = 1 << 20;
};

// The first path segments the framework's own resources take: no service or cube is
// reached through them, and a method they do not answer is a 405.
bool is_framework_resource(std::string_view first_segment);

void add_service_routes(router& r, datastore& store, const management_options& options);
void add_framework_routes(router& r, datastore& store, const management_options& options);

}  // namespace pcn::api
