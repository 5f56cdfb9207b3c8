#pragma once
// A cube's configuration as a JSON tree shaped by its model (containers are objects, lists
// arrays of entries, leaf-lists arrays), and the REST edits on it. Pure functions: the
// datastore edits a copy, hands it to the cube and keeps it only if the cube accepted it.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "api/schema/path.hpp"

namespace pcn::api {

namespace json = boost::json;

// What `target` designates inside `cube`, or null when it is not there (an absent leaf,
// container or entry). The cube itself for its root.
const json::value* find_in_config(const json::object& cube, const schema::resolved_path& target);

// Applies a validated body (schema::validate's result) at `target`:
// - POST creates: an entry (409 if it exists), entries of a list, a presence container;
// - PUT replaces what is there (or creates it);
// - PATCH merges: members into objects, list entries by their keys, leaf-lists replaced;
//   the target must exist (404), except members of the cube and containers;
// - DELETE removes (404 if absent); mandatory leaves and keys cannot be deleted (400).
// Throws schema::request_error.
void edit_config(json::object& cube, const schema::resolved_path& target, schema::method m, const json::value& body);

// Keeps only what a client may write (config true) and may be saved: state leaves are
// dropped, recursively, following the model from `n`.
json::object config_only(const schema::node& n, const json::object& view);

}  // namespace pcn::api
