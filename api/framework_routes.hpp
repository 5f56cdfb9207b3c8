#pragma once
// The routes of the framework itself (not of a service) under /polycube/v1/.
#include "api/router.hpp"

namespace pcn::api {

inline constexpr std::string_view rest_root = "/polycube/v1";

// GET /polycube/v1/version: {"polycubed": {"version": "..."}}, as the original daemon.
void add_version_route(router& r, std::string version);

}  // namespace pcn::api
