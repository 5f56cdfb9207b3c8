#pragma once
// Builds a service's schema tree from libyang's compiled module (context.cpp's helper).
#include <memory>
#include <string_view>

#include "api/schema/node.hpp"

struct lys_module;

namespace pcn::schema::detail {

// The root is named `root_name`; throws model_error for what the REST layer cannot serve
// (anydata, anyxml) or a model without the base grouping's `name` leaf.
std::unique_ptr<node> build_tree(const lys_module& module, std::string_view root_name);

}  // namespace pcn::schema::detail
