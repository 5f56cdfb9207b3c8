#include "api/framework_routes.hpp"

namespace pcn::api {

void add_version_route(router& r, std::string version) {
  boost::json::value body = {{"polycubed", {{"version", version}}}};
  r.add(http::verb::get, std::string(rest_root) + "/version",
        [body](const request&, const route_params&) -> task<response> { co_return json_response(http::status::ok, body); });
}

}  // namespace pcn::api
