#pragma once
// A small blocking HTTP/1.1 client for polycubectl: one connection per request, over TCP or
// a unix socket, Beast's parser for the answer, a deadline on connect, send and receive.
// 307 and 308 are followed with the same method and body (the daemon redirects paths
// without the service, /polycube/v1/r1/..., to /polycube/v1/router/r1/...).
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pcn::cli {

inline constexpr std::string_view default_url = "http://localhost:9000/polycube/v1/";
inline constexpr std::string_view default_socket_url = "unix:///run/polycube/polycubed.sock";

// Where the daemon answers: http://host[:port][/root/] or unix://<socket path> (root
// /polycube/v1/). A URL without a path has the root /polycube/v1/.
struct endpoint {
  std::string url;          // as the user wrote it, for messages
  std::string host;         // TCP
  std::string port;         // TCP
  std::string socket_path;  // unix socket
  std::string root;         // the REST root, with both slashes: "/polycube/v1/"

  bool is_unix() const { return !socket_path.empty(); }
};

// Throws std::invalid_argument naming the URL and what is wrong with it.
endpoint parse_endpoint(std::string_view url);

struct http_response {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string location;  // of a redirect

  bool ok() const { return status >= 200 && status < 300; }
  // The body as JSON; null when it is empty or not JSON.
  boost::json::value json() const;
};

// The daemon could not be reached at all (connect failed everywhere it was looked for).
class unreachable_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The daemon was reached, but the exchange failed: a timeout, a broken or malformed answer.
class transport_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class http_client {
 public:
  // `endpoints` are tried in order for the first request, moving on only when a connection
  // is refused or the socket does not exist; the one that answers is kept for the rest.
  http_client(std::vector<endpoint> endpoints, std::chrono::milliseconds timeout);

  // `target` is relative to the REST root ("router/r1/?help=ADD"). Throws unreachable_error
  // or transport_error; any HTTP status is an answer, returned.
  http_response send(std::string_view method, std::string_view target, std::string_view body = {},
                     bool has_body = false);

  // GET of a streamed answer (a live capture): `on_data` gets each piece of a 2xx body as
  // it arrives, with no deadline between pieces, until the body ends, on_data answers false,
  // or `interrupt` (a descriptor, -1 for none) becomes readable. Any other status comes back
  // with its body, like send(). Throws like send().
  http_response stream(std::string_view target, const std::function<bool(std::string_view)>& on_data, int interrupt = -1);

  const endpoint& current() const { return _endpoints[_active]; }

 private:
  int connect_any();
  http_response exchange(std::string_view method, const std::string& path, std::string_view body, bool has_body);

  std::vector<endpoint> _endpoints;
  size_t _active = 0;
  bool _settled = false;  // an endpoint has answered: no more fallbacks
  std::chrono::milliseconds _timeout;
};

}  // namespace pcn::cli
