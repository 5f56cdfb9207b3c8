#include "api/http.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/json/serialize.hpp>
#include <string>

namespace pcn::api {

namespace beast = boost::beast;

// Beast's own serializer, for what write_response() does not write itself.
static void serialize_into(response& res, std::string& out) {
  http::serializer<false, http::string_body> sr(res);
  beast::error_code ec;
  do {
    sr.next(ec, [&](beast::error_code&, const auto& buffers) {
      for (auto b : beast::buffers_range_ref(buffers)) out.append(static_cast<const char*>(b.data()), b.size());
      sr.consume(beast::buffer_bytes(buffers));
    });
  } while (!ec && !sr.is_done());
}

// A response with its length known is written straight from Beast's message: Beast's
// generic serializer costs about 1.1 µs per response (12% of a busy server's CPU, measured
// by pcn-bench http), the direct write under 0.1 µs. Anything else goes through Beast.
void write_head(const response& res, std::string& out) {
  out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(res.result_int());
  out += ' ';
  std::string_view reason = res.reason();
  out += reason.empty() ? std::string_view(http::obsolete_reason(res.result())) : reason;
  out += "\r\n";
  for (const auto& field : res) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
}

void write_response(response& res, std::string& out) {
  if (res.chunked() || !res.has_content_length()) {
    serialize_into(res, out);
    return;
  }
  write_head(res, out);
  out += res.body();
}

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
