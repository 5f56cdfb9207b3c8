#pragma once
// The HTTP vocabulary of the API layer: Beast's message types (parsed and serialised by
// Beast, carried by our reactor) and the JSON response helpers every handler uses.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "reactor/cancel.hpp"
#include "reactor/task.hpp"

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
// Appends the status line and the header fields only (a streamed response's head).
void write_head(const response& res, std::string& out);

// A streamed response body (a live capture, say): the handler hands the server a producer,
// which the server runs after sending the head; the body goes out in chunks (HTTP/1.1) or
// raw until the connection closes (HTTP/1.0), and the connection closes after it.
class body_stream {
 public:
  virtual ~body_stream() = default;
  // Sends `data` (now, within the server's write deadline). False when the client is gone
  // or too slow: the producer should stop.
  virtual task<bool> write(std::string_view data) = 0;
  // Cancelled when the client hangs up or the server stops: a producer waiting for
  // something to send waits with it (sleep_until(..., &closed()), io options...).
  virtual cancel_source& closed() = 0;
};
using stream_producer = std::function<task<void>(body_stream&)>;
// The error shape of the REST contract: {"message": "..."}.
response error_response(http::status status, std::string_view message);

}  // namespace pcn::api
