#pragma once
// The OpenAPI 3.0 document of a service, derived from its schema tree: a path for the service,
// its cubes, and every container, list, list entry, leaf and action below them, with the
// methods allowed_methods() gives and schemas built from the nodes (one component schema per
// container, list entry and action input and output).
#include <boost/json/object.hpp>
#include <string_view>

#include "api/schema/context.hpp"

namespace pcn::schema {

boost::json::object openapi(const service_schema& service, std::string_view server_url = "/polycube/v1");

}  // namespace pcn::schema
