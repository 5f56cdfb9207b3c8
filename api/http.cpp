#include "api/http.hpp"

#include <boost/json/serialize.hpp>

namespace pcn::api {

response json_response(http::status status, const boost::json::value& body) {
  return json_text_response(status, boost::json::serialize(body));
}

response json_text_response(http::status status, std::string body) {
  response res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = std::move(body);
  return res;
}

response error_response(http::status status, std::string_view message) {
  return json_response(status, boost::json::object{{"message", message}});
}

}  // namespace pcn::api
