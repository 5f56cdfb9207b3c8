#include "api/http_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <cstring>
#include <memory>

#include "base/log.hpp"
#include "base/unique_fd.hpp"

namespace pcn::api {
namespace {

using namespace std::chrono_literals;
namespace beast = boost::beast;

// Input bytes of one connection: [begin, end) are received and not yet parsed.
class input_buffer {
 public:
  std::string_view pending() const { return {_data.get() + _begin, _end - _begin}; }
  void consume(size_t n) { _begin += n; }
  bool empty() const { return _begin == _end; }
  // Room for at least `min` more bytes at the end (moves pending bytes to the front).
  std::span<std::byte> space(size_t min) {
    if (_begin == _end) _begin = _end = 0;
    if (_capacity - _end < min) {
      size_t live = _end - _begin;
      size_t capacity = std::max(_capacity, live + min);
      if (capacity != _capacity) {
        std::unique_ptr<char[]> bigger(new char[capacity]);
        if (live > 0) std::memcpy(bigger.get(), _data.get() + _begin, live);  // none yet: _data is null
        _data = std::move(bigger);
        _capacity = capacity;
      } else {
        std::memmove(_data.get(), _data.get() + _begin, live);
      }
      _begin = 0;
      _end = live;
    }
    return {reinterpret_cast<std::byte*>(_data.get() + _end), _capacity - _end};
  }
  void commit(size_t n) { _end += n; }

 private:
  std::unique_ptr<char[]> _data;
  size_t _capacity = 0, _begin = 0, _end = 0;
};

void serialize_into(response& res, std::string& out) {
  http::serializer<false, http::string_body> sr(res);
  beast::error_code ec;
  do {
    sr.next(ec, [&](beast::error_code&, const auto& buffers) {
      for (auto b : beast::buffers_range_ref(buffers)) out.append(static_cast<const char*>(b.data()), b.size());
      sr.consume(beast::buffer_bytes(buffers));
    });
  } while (!ec && !sr.is_done());
}

response server_error(http::status status, std::string_view message) {
  response res = error_response(status, message);
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

// Why a request could not be read, as the answer the client gets.
std::pair<http::status, std::string> parse_failure(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return {http::status::request_header_fields_too_large, "request headers too large"};
  if (ec == http::error::body_limit) return {http::status::payload_too_large, "request body too large"};
  return {http::status::bad_request, "malformed request: " + ec.message()};
}

constexpr size_t recv_chunk = 16 * 1024;
constexpr std::string_view continue_100 = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

task<void> http_server::serve(int listen_fd) {
  acceptor acc(listen_fd);
  _acceptor = &acc;
  while (!_stopping) {  // stop() may have come before serve()
    io_result r = co_await acc.next();
    if (!r) {
      if (r.error() == ECANCELED) break;
      log::warn("http: accept failed: {}", std::system_category().message(r.error()));
      co_await sleep_for(10ms);  // EMFILE and friends: do not spin
      continue;
    }
    if (_scope.active() >= _limits.max_connections) {
      log::warn("http: {} connections open, refusing one more", _scope.active());
      unique_fd refused(r.result);
      continue;
    }
    int one = 1;
    ::setsockopt(r.result, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // fails harmlessly on unix sockets
    ++_stats.connections;
    _scope.spawn(serve_connection(r.result));
  }
  co_await acc.stop();
  _acceptor = nullptr;
  co_await _scope.join();
}

task<void> http_server::stop() {
  _stopping = true;
  _idle_reads.request_cancel();
  if (_acceptor) co_await _acceptor->stop();
}

task<response> http_server::answer(const request& req) {
  try {
    co_return co_await _router.dispatch(req);
  } catch (const std::exception& e) {
    log::error("http: {} {}: {}", std::string(req.method_string()), std::string(req.target()), e.what());
    co_return error_response(http::status::internal_server_error, std::string("internal error: ") + e.what());
  }
}

task<void> http_server::serve_connection(int raw_fd) {
  unique_fd fd(raw_fd);
  input_buffer in;
  std::string out;
  bool keep_alive = true;

  // The deadline is for all of `bytes`: a timeout per send would let a client that reads a
  // little now and then hold the connection for ever.
  auto flush = [](int sock, std::string& bytes, std::chrono::milliseconds timeout) -> task<bool> {
    auto deadline = clock::now() + timeout;
    size_t sent = 0;
    while (sent < bytes.size()) {
      auto remaining = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - clock::now());
      if (remaining <= 0ns) break;
      io_result r = co_await io::send(sock, std::as_bytes(std::span(bytes)).subspan(sent), {.timeout = remaining});
      if (r.result <= 0) break;
      sent += r.value();
    }
    bool all = sent == bytes.size();
    bytes.clear();
    co_return all;
  };

  while (keep_alive && !_stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(_limits.max_header_bytes));
    parser.body_limit(_limits.max_body_bytes);
    parser.eager(true);
    beast::error_code ec;
    clock::time_point deadline{};
    bool header_seen = false;
    size_t header_bytes = 0;  // parsed (and consumed) so far, while the header is incomplete

    while (!parser.is_done()) {
      if (!in.empty()) {
        std::string_view bytes = in.pending();
        size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
        in.consume(used);
        if (ec == http::error::need_more) ec = {};
        // Beast checks header_limit against one put() only, and we drop what it parsed: the
        // lines of earlier calls count too.
        if (!ec && !parser.is_header_done()) {
          header_bytes += used;
          if (header_bytes + in.pending().size() >= _limits.max_header_bytes) ec = http::error::header_limit;
        }
        if (ec || parser.is_done()) break;
        if (used > 0 && !header_seen && parser.is_header_done()) {
          header_seen = true;
          deadline = clock::now() + _limits.body_timeout;
          auto expect = parser.get()[http::field::expect];
          // RFC 9110 10.1.1: an HTTP/1.0 client's 100-continue expectation is ignored.
          if (parser.get().version() >= 11 && beast::iequals(expect, "100-continue")) out.append(continue_100);
        }
        if (used > 0) continue;  // the parser may take more of what is buffered
      }
      // About to wait for the client: first let it have the answers it is owed.
      if (!co_await flush(fd.get(), out, _limits.write_timeout)) co_return;
      bool idle = !parser.got_some();
      if (idle) deadline = clock::now() + _limits.idle_timeout;
      else if (deadline == clock::time_point{}) deadline = clock::now() + _limits.header_timeout;
      auto remaining = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - clock::now());
      if (remaining <= 0ns) remaining = 1ns;
      io_result r = co_await io::recv(fd.get(), in.space(recv_chunk), {.timeout = remaining, .cancel = idle ? &_idle_reads : nullptr});
      if (r.result > 0) {
        in.commit(r.value());
        if (idle) deadline = clock::now() + _limits.header_timeout;
        continue;
      }
      if (r.error() == ETIMEDOUT && !idle) {
        ++_stats.timeouts;
        out.clear();
        response res = server_error(http::status::request_timeout, "request not received in time");
        serialize_into(res, out);
        co_await flush(fd.get(), out, _limits.write_timeout);
      } else if (r.error() == ETIMEDOUT) {
        ++_stats.timeouts;
      }
      co_return;  // end of stream, timeout, shutdown or error: nothing more to answer
    }

    if (ec) {
      ++_stats.rejected;
      auto [status, message] = parse_failure(ec);
      response res = server_error(status, message);
      serialize_into(res, out);
      co_await flush(fd.get(), out, _limits.write_timeout);
      break;
    }

    request& req = parser.get();
    ++_stats.requests;
    response res = co_await answer(req);
    keep_alive = req.keep_alive() && !_stopping;
    res.version(req.version());
    res.keep_alive(keep_alive);
    res.set(http::field::server, "polycubed");
    res.prepare_payload();
    serialize_into(res, out);
  }
  if (!co_await flush(fd.get(), out, _limits.write_timeout)) co_return;
  // Graceful close: stop sending, then drain what the client still sends (briefly) so that
  // our last response is not destroyed by a reset.
  ::shutdown(fd.get(), SHUT_WR);
  std::byte sink[4096];
  for (int i = 0; i < 16; ++i) {
    io_result r = co_await io::recv(fd.get(), sink, {.timeout = 500ms});
    if (r.result <= 0) break;
  }
}

}  // namespace pcn::api
