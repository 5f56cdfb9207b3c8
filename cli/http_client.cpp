#include "cli/http_client.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "base/unique_fd.hpp"

namespace pcn::cli {
namespace {

namespace http = boost::beast::http;
using clock = std::chrono::steady_clock;

constexpr std::string_view rest_root = "/polycube/v1/";
constexpr int max_redirects = 5;
constexpr uint64_t max_answer_bytes = uint64_t{1} << 30;

std::string errno_text(int err) { return std::strerror(err); }

// Waits for `events` on fd until the deadline; false when it passed.
bool wait_for(int fd, short events, clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) return false;
    pollfd p{.fd = fd, .events = events, .revents = 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60'000)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // let the next call report the error
  }
}

// Connects a non-blocking socket within the deadline; an errno value on failure.
int connect_within(int fd, const sockaddr* addr, socklen_t len, clock::time_point deadline) {
  if (::connect(fd, addr, len) == 0) return 0;
  if (errno != EINPROGRESS && errno != EAGAIN) return errno;
  if (!wait_for(fd, POLLOUT, deadline)) return ETIMEDOUT;
  int err = 0;
  socklen_t err_len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) return errno;
  return err;
}

struct connect_result {
  unique_fd fd;
  int error = 0;  // errno of the last attempt when fd is empty
};

connect_result failed(int error) {
  connect_result r;
  r.error = error;
  return r;
}

connect_result connect_unix(const std::string& path, clock::time_point deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return failed(ENAMETOOLONG);
  std::memcpy(addr.sun_path, path.data(), path.size());
  unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return failed(errno);
  if (int err = connect_within(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr, deadline))
    return failed(err);
  return {std::move(fd), 0};
}

connect_result connect_tcp(const endpoint& ep, clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(ep.host.c_str(), ep.port.c_str(), &hints, &found); rc != 0)
    throw unreachable_error("cannot reach polycubed at " + ep.url + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, ::freeaddrinfo);
  int error = EHOSTUNREACH;
  for (addrinfo* a = found; a; a = a->ai_next) {
    unique_fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol));
    if (!fd) {
      error = errno;
      continue;
    }
    error = connect_within(fd.get(), a->ai_addr, a->ai_addrlen, deadline);
    if (error == 0) return {std::move(fd), 0};
  }
  return failed(error);
}

void send_all(int fd, std::string_view data, clock::time_point deadline, const std::string& url) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd, POLLOUT, deadline)) throw transport_error("sending to polycubed at " + url + ": timed out");
    } else {
      throw transport_error("sending to polycubed at " + url + ": " + errno_text(errno));
    }
  }
}

// Feeds what was received to the parser, as much as it takes now (`stop`: a body reader
// asked to stop). Throws transport_error for a malformed answer.
void feed(http::response_parser<http::string_body>& parser, std::string& pending, const std::string& url, const bool& stop = false) {
  boost::beast::error_code ec;
  for (;;) {
    size_t used = parser.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == http::error::need_more) return;
    if (ec) throw transport_error("bad answer from polycubed at " + url + ": " + ec.message());
    if (parser.is_done() || used == 0 || stop) return;
  }
}

http::response<http::string_body> receive(int fd, clock::time_point deadline, const std::string& url,
                                          std::chrono::milliseconds timeout) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_answer_bytes);
  std::string pending;  // received, not yet consumed by the parser
  char buf[16384];
  boost::beast::error_code ec;
  while (!parser.is_done()) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) throw transport_error("reading the answer of polycubed at " + url + ": " + errno_text(errno));
      if (!wait_for(fd, POLLIN, deadline))
        throw transport_error(fmt::format("no answer from polycubed at {} within {:g} s", url, timeout.count() / 1000.0));
      continue;
    }
    if (n == 0) {
      parser.put_eof(ec);
      if (ec) throw transport_error("polycubed at " + url + " closed the connection before answering in full");
      break;
    }
    pending.append(buf, static_cast<size_t>(n));
    feed(parser, pending, url);
  }
  return parser.release();
}

std::string host_header(const endpoint& ep) {
  if (ep.is_unix()) return "localhost";
  return (ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host) + ":" + ep.port;
}

// The path of a Location: an absolute path, or the path part of an absolute URL.
std::string location_path(std::string_view location) {
  if (size_t scheme = location.find("://"); scheme != std::string_view::npos) {
    size_t path = location.find('/', scheme + 3);
    return path == std::string_view::npos ? "/" : std::string(location.substr(path));
  }
  return std::string(location);
}

}  // namespace

boost::json::value http_response::json() const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  return ec ? boost::json::value(nullptr) : v;
}

endpoint parse_endpoint(std::string_view url) {
  auto bad = [&](const std::string& why) { return std::invalid_argument("bad URL '" + std::string(url) + "': " + why); };
  endpoint ep;
  ep.url = url;
  if (url.starts_with("unix://")) {
    ep.socket_path = url.substr(7);
    if (ep.socket_path.empty() || ep.socket_path[0] != '/') throw bad("unix:// needs an absolute socket path");
    ep.root = rest_root;
    return ep;
  }
  if (url.starts_with("https://")) throw bad("https is not supported; use http:// or unix://");
  if (!url.starts_with("http://")) throw bad("expected http://host:port/polycube/v1/ or unix:///path/to.sock");
  std::string_view rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.starts_with('[')) {  // [v6 address]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) throw bad("unterminated '['");
    ep.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':') throw bad("expected ':' after ']'");
    ep.port = after.empty() ? "80" : std::string(after.substr(1));
  } else {
    size_t colon = authority.rfind(':');
    ep.host = authority.substr(0, colon);
    ep.port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
  }
  if (ep.host.empty()) throw bad("no host");
  if (ep.port.empty() || ep.port.find_first_not_of("0123456789") != std::string::npos) throw bad("bad port");
  ep.root = path.empty() || path == "/" ? std::string(rest_root) : std::string(path);
  if (ep.root.back() != '/') ep.root += '/';
  return ep;
}

http_client::http_client(std::vector<endpoint> endpoints, std::chrono::milliseconds timeout)
    : _endpoints(std::move(endpoints)), _timeout(timeout) {
  if (_endpoints.empty()) throw std::invalid_argument("http_client: no endpoint");
}

int http_client::connect_any() {
  std::string tried;
  for (size_t i = _active; i < _endpoints.size(); ++i) {
    const endpoint& ep = _endpoints[i];
    auto deadline = clock::now() + _timeout;
    connect_result r = ep.is_unix() ? connect_unix(ep.socket_path, deadline) : connect_tcp(ep, deadline);
    if (r.fd) {
      _active = i;
      _settled = true;
      return r.fd.release();
    }
    tried += (tried.empty() ? "" : "; nor at ") + ep.url + ": " + errno_text(r.error);
    // Only a daemon that is not there (refused, no socket) sends us to the next address.
    bool absent = r.error == ECONNREFUSED || r.error == ENOENT;
    if (_settled || !absent) break;
  }
  throw unreachable_error("cannot reach polycubed at " + tried + " (is polycubed running? POLYCUBECTL_URL selects it)");
}

http_response http_client::stream(std::string_view target, const std::function<bool(std::string_view)>& on_data, int interrupt) {
  unique_fd fd(connect_any());
  const endpoint& ep = current();
  std::string wire = "GET " + ep.root + std::string(target) + " HTTP/1.1\r\nHost: " + host_header(ep) +
                     "\r\nUser-Agent: polycubectl\r\nConnection: close\r\n\r\n";
  auto deadline = clock::now() + _timeout;
  send_all(fd.get(), wire, deadline, ep.url);

  http::response_parser<http::string_body> parser;
  parser.body_limit(max_answer_bytes);
  bool stop = false;
  auto to_caller = [&](std::uint64_t, boost::beast::string_view piece, boost::beast::error_code&) {
    if (!stop && !piece.empty() && parser.get().result_int() / 100 == 2) stop = !on_data(std::string_view(piece.data(), piece.size()));
    return piece.size();
  };
  parser.on_chunk_body(to_caller);
  std::string pending;
  char buf[65536];
  boost::beast::error_code ec;
  while (!parser.is_done() && !stop) {
    // The head within the timeout; the body as slowly as the traffic it carries.
    pollfd fds[2] = {{.fd = fd.get(), .events = POLLIN, .revents = 0}, {.fd = interrupt, .events = POLLIN, .revents = 0}};
    int wait_ms = -1;
    if (!parser.is_header_done()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
      if (left <= 0) throw transport_error(fmt::format("no answer from polycubed at {} within {:g} s", ep.url, _timeout.count() / 1000.0));
      wait_ms = static_cast<int>(std::min<long long>(left, 60'000));
    }
    int n = ::poll(fds, interrupt >= 0 ? 2 : 1, wait_ms);
    if (n < 0 && errno != EINTR) throw transport_error("waiting for polycubed at " + ep.url + ": " + errno_text(errno));
    if (n <= 0) continue;
    if (interrupt >= 0 && fds[1].revents) break;
    ssize_t got = ::recv(fd.get(), buf, sizeof buf, 0);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw transport_error("reading the answer of polycubed at " + ep.url + ": " + errno_text(errno));
    }
    if (got == 0) {
      parser.put_eof(ec);
      if (ec && !parser.is_header_done()) throw transport_error("polycubed at " + ep.url + " closed the connection before answering");
      break;  // a stream cut short ends like one that ended
    }
    pending.append(buf, static_cast<size_t>(got));
    feed(parser, pending, ep.url, stop);
  }
  http_response out;
  out.status = parser.is_header_done() ? parser.get().result_int() : 0;
  out.content_type = std::string(parser.get()[http::field::content_type]);
  // A 2xx body that was not chunked (HTTP/1.0 style): what arrived, in one piece.
  if (out.ok() && !parser.get().body().empty() && !stop) on_data(parser.get().body());
  else if (!out.ok()) out.body = parser.get().body();
  return out;
}

http_response http_client::exchange(std::string_view method, const std::string& path, std::string_view body,
                                     bool has_body) {
  unique_fd fd(connect_any());
  const endpoint& ep = current();
  std::string wire = std::string(method) + " " + path + " HTTP/1.1\r\nHost: " + host_header(ep) +
                     "\r\nUser-Agent: polycubectl\r\nAccept: application/json\r\nConnection: close\r\n";
  if (has_body)
    wire += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  wire += "\r\n";
  wire += body;
  auto deadline = clock::now() + _timeout;
  send_all(fd.get(), wire, deadline, ep.url);
  auto res = receive(fd.get(), deadline, ep.url, _timeout);
  http_response out;
  out.status = res.result_int();
  out.body = std::move(res.body());
  out.content_type = std::string(res[http::field::content_type]);
  out.location = std::string(res[http::field::location]);
  return out;
}

http_response http_client::send(std::string_view method, std::string_view target, std::string_view body, bool has_body) {
  std::string path = current().root + std::string(target);
  for (int hop = 0;; ++hop) {
    http_response res = exchange(method, path, body, has_body);
    if (res.status != 307 && res.status != 308) return res;
    if (res.location.empty()) throw transport_error("polycubed redirected " + path + " without a Location");
    if (hop == max_redirects) throw transport_error("too many redirects from " + path);
    path = location_path(res.location);
  }
}

}  // namespace pcn::cli
