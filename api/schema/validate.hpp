#pragma once
// Validation of a request body against the model, complete before anything is applied: a
// pure function of the resolved target, the method and the body, which either returns the
// body normalised or throws every problem it found.
//
// - POST creates and PUT replaces: mandatory leaves are required. PATCH updates: nothing is.
// - Members must be children of the target that the client may write: unknown members are
//   named with the allowed ones; state (config false) is refused.
// - Leaf values are checked by libyang against the leaf's type; strings are accepted for
//   numeric and boolean leaves (the CLI sends key=value text), objects and arrays are not.
// - List entries (arrays of objects) need all their keys and distinct ones; keys given both
//   in the path and in the body must agree; leaf-list values must be distinct.
// - The result has numbers as JSON numbers, booleans as booleans, enums and other text as
//   strings, the path's keys filled in, and defaults when asked.
#include <boost/json/value.hpp>

#include "api/schema/path.hpp"

namespace pcn::schema {

struct validate_options {
  // On POST and PUT, add the default of every absent leaf that has one (in absent non-presence
  // containers too), so that the result is the whole configuration.
  bool fill_defaults = false;
};

// `body` is what parse_json_body() gave: null stands for an empty body. `m` is POST, PUT or
// PATCH. Throws request_error: 405 when the method does not apply to the target, 400 with
// the problems found (at most 20, then a count of the rest).
boost::json::value validate(const resolved_path& target, method m, const boost::json::value& body,
                            const validate_options& options = {});

}  // namespace pcn::schema
