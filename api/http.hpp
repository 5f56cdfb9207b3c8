#pragma once
// The HTTP vocabulary of the API layer: Beast's message types (parsed and serialised by
// Beast, carried by our reactor) and the JSON response helpers every handler uses.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace pcn::api {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

// A response whose body is `body` serialised as JSON.
response json_response(http::status status, const boost::json::value& body);
// A response whose body is JSON text serialised already.
response json_text_response(http::status status, std::string body);
// Appends the response, as it goes on the wire, to `out` (call prepare_payload() first).
void write_response(response& res, std::string& out);
// The error shape of the REST contract: {"message": "..."}.
response error_response(http::status status, std::string_view message);

}  // namespace pcn::api
