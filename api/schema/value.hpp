#pragma once
// One leaf value, checked against the leaf's compiled type by libyang (lyd_value_validate:
// patterns, lengths, ranges, enums, unions, inet and yang types) and normalised for a body.
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/schema/node.hpp"

namespace pcn::schema {

struct checked_value {
  bool ok = false;
  boost::json::value value;  // when ok: a JSON number for numeric types, a bool for boolean,
                             // null for empty, the text as given otherwise
  std::string error;         // when not ok: libyang's reason
};

// `leaf` is a leaf or a leaf-list; `text` is the value in its YANG lexical form ("10", "true",
// "FORWARD"). Leafrefs are accepted when their type accepts the value: whether the target
// exists is the datastore's question.
checked_value check_leaf_value(const node& leaf, std::string_view text);

// The lexical form of a JSON scalar, as the CLI would have sent it: strings as they are,
// numbers and booleans spelled out. Nothing for objects, arrays and null.
std::optional<std::string> scalar_text(const boost::json::value& v);

}  // namespace pcn::schema
