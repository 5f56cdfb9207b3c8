#include "api/framework_routes.hpp"

#include <boost/json/serialize.hpp>

namespace pcn::api {

void add_version_route(router& r, std::string version) {
  // The document never changes: serialise it once.
  std::string body = boost::json::serialize(boost::json::value{{"polycubed", {{"version", version}}}});
  r.add(http::verb::get, std::string(rest_root) + "/version",
        [body](const request&, const route_params&) -> task<response> { co_return json_text_response(http::status::ok, body); });
}

}  // namespace pcn::api
