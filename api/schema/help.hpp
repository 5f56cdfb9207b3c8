#pragma once
// Help and completion for OPTIONS: what polycubectl prints for `?` and completes from,
// derived from the model. The document's shape is described in README.md.
#include <boost/json/object.hpp>

#include "api/schema/context.hpp"
#include "api/schema/path.hpp"

namespace pcn::schema {

// Help for a resolved path: the cube, a container, a list, an entry, a leaf or an action.
boost::json::object help(const resolved_path& target);

// Help for the service itself (/polycube/v1/<service>/): its cubes, a list keyed by name.
boost::json::object service_help(const service_schema& service);

}  // namespace pcn::schema
