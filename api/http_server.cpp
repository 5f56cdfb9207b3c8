#include "api/http_server.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <cstring>
#include <memory>

#include "base/log.hpp"
#include "reactor/when_all.hpp"
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

// One timer per connection instead of one per operation (a linked timeout armed and
// cancelled in the kernel at every recv and send cost about 11% of a busy server's CPU):
// the watchdog wakes at the connection's deadline and, once it has passed, cancels whatever
// operation is pending. Deadlines move without waking it (that would cost a loop turn per
// request); it looks again at least every quarter of the shortest timeout, so a deadline
// brought forward is enforced at most that late.
struct http_server::connection_clock {
  clock::time_point deadline = clock::time_point::max();
  cancel_source expire;  // the pending recv or send, cancelled at the deadline or at stop()
  cancel_source done;    // the conversation is over: the watchdog ends
  bool expired = false;
};

task<void> http_server::watchdog(connection_clock& c, clock::duration period) {
  while (!c.done.cancel_requested()) {
    auto now = clock::now();
    if (c.deadline <= now) {
      c.expired = true;
      c.expire.request_cancel();
      co_return;
    }
    co_await sleep_until(std::min(c.deadline, now + period), &c.done);
  }
}

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
  for (connection_clock* c : _idle) c->expire.request_cancel();  // their recv ends: they close
  for (cancel_source* s : _streams) s->request_cancel();         // producers end, then the stream
  if (_acceptor) co_await _acceptor->stop();
}

task<response> http_server::answer(const request& req, stream_producer* stream) {
  try {
    co_return co_await _router.dispatch(req, stream);
  } catch (const std::exception& e) {
    log::error("http: {} {}: {}", std::string(req.method_string()), std::string(req.target()), e.what());
    co_return error_response(http::status::internal_server_error, std::string("internal error: ") + e.what());
  }
}

task<void> http_server::serve_connection(int fd) {
  connection_clock c;
  auto shortest = std::min({_limits.idle_timeout, _limits.header_timeout, _limits.body_timeout, _limits.write_timeout});
  clock::duration period = std::max<clock::duration>(shortest / 4, 1ms);
  co_await when_all(converse(fd, c), watchdog(c, period));
}

// What send() could not take at once goes through io_uring, within the write deadline
// (for the whole of it: a client that reads a little now and then cannot hold on for ever).
task<bool> http_server::send_rest(int fd, std::string& out, size_t sent, connection_clock& c) {
  c.deadline = clock::now() + _limits.write_timeout;
  while (sent < out.size()) {
    io_result r = co_await io::send(fd, std::as_bytes(std::span(out)).subspan(sent), {.cancel = &c.expire});
    if (r.result <= 0) break;
    sent += r.value();
  }
  bool all = sent == out.size();
  out.clear();
  co_return all;
}

namespace {

// Watches a streamed response's socket while the producer runs: a client that hangs up
// closes the stream even when the producer has nothing to send.
task<void> watch_hangup(int fd, cancel_source& closed, cancel_source& done) {
  io_result r = co_await io::poll(fd, POLLRDHUP | POLLHUP | POLLERR, {.cancel = &done});
  if (r.result > 0) closed.request_cancel();
}

task<void> run_producer(stream_producer& producer, body_stream& stream, cancel_source& done) {
  std::string error;
  try {
    co_await producer(stream);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) log::warn("http: streamed response ended by an error: {}", error);
  done.request_cancel();
}

}  // namespace

// The producer writes through this: each piece goes out at once (a chunk in HTTP/1.1),
// within the write deadline; a client that is gone or stalls ends the stream.
task<void> http_server::stream_body(int fd, bool chunked, stream_producer& producer, connection_clock& c) {
  struct socket_stream final : body_stream {
    http_server& server;
    int fd;
    bool chunked;
    connection_clock& clock;
    cancel_source hangup;
    bool broken = false;
    std::string out;
    socket_stream(http_server& s, int f, bool ch, connection_clock& cl) : server(s), fd(f), chunked(ch), clock(cl) {}
    cancel_source& closed() override { return hangup; }
    task<bool> write(std::string_view data) override {
      if (broken || hangup.cancel_requested()) co_return false;
      if (data.empty()) co_return true;  // an empty chunk would end the body
      out.clear();
      if (chunked) out += fmt::format("{:x}\r\n", data.size());
      out += data;
      if (chunked) out += "\r\n";
      broken = !co_await server.send_rest(fd, out, 0, clock);
      // Between pieces the stream may be quiet for long: only the writes have a deadline.
      clock.deadline = clock::time_point::max();
      if (broken) hangup.request_cancel();
      co_return !broken;
    }
  } stream(*this, fd, chunked, c);
  c.deadline = clock::time_point::max();
  if (_stopping) stream.hangup.request_cancel();
  _streams.insert(&stream.hangup);
  cancel_source producer_done;
  co_await when_all(run_producer(producer, stream, producer_done), watch_hangup(fd, stream.hangup, producer_done));
  _streams.erase(&stream.hangup);
  if (chunked && !stream.broken) {
    std::string last = "0\r\n\r\n";
    co_await send_rest(fd, last, 0, c);
  }
  ::shutdown(fd, SHUT_RDWR);
}

task<void> http_server::converse(int raw_fd, connection_clock& c) {
  unique_fd fd(raw_fd);
  struct end_watchdog {
    connection_clock& c;
    ~end_watchdog() { c.done.request_cancel(); }
  } end{c};
  input_buffer in;
  std::string out;
  bool keep_alive = true;

  // Responses go out with a plain non-blocking send: one almost always fits the socket
  // buffer, and then the request costs a single turn of the loop (the recv).
  auto flush = [&]() -> std::optional<size_t> {
    if (out.empty()) return std::nullopt;
    ssize_t n = ::send(fd.get(), out.data(), out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return SIZE_MAX;  // broken
    size_t sent = n > 0 ? static_cast<size_t>(n) : 0;
    if (sent == out.size()) {
      out.clear();
      return std::nullopt;
    }
    return sent;
  };
  // Best effort for a last word (408, 4xx) on a connection about to close.
  auto say_and_close = [&](response res) {
    out.clear();
    write_response(res, out);
    flush();
  };

  while (keep_alive && !_stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(_limits.max_header_bytes));
    parser.body_limit(_limits.max_body_bytes);
    parser.eager(true);
    beast::error_code ec;
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
          c.deadline = clock::now() + _limits.body_timeout;
          auto expect = parser.get()[http::field::expect];
          // RFC 9110 10.1.1: an HTTP/1.0 client's 100-continue expectation is ignored.
          if (parser.get().version() >= 11 && beast::iequals(expect, "100-continue")) out.append(continue_100);
        }
        if (used > 0) continue;  // the parser may take more of what is buffered
      }
      // About to wait for the client: first let it have the answers it is owed.
      if (auto sent = flush(); sent && (*sent == SIZE_MAX || !co_await send_rest(fd.get(), out, *sent, c))) co_return;
      bool idle = !parser.got_some();
      if (idle) c.deadline = clock::now() + _limits.idle_timeout;
      else if (!header_seen && header_bytes == 0 && in.empty()) c.deadline = clock::now() + _limits.header_timeout;
      if (idle) _idle.insert(&c);
      io_result r = co_await io::recv(fd.get(), in.space(recv_chunk), {.cancel = &c.expire});
      if (idle) _idle.erase(&c);
      if (r.result > 0) {
        in.commit(r.value());
        if (idle) c.deadline = clock::now() + _limits.header_timeout;
        continue;
      }
      if (c.expired) {
        ++_stats.timeouts;
        if (!idle) say_and_close(server_error(http::status::request_timeout, "request not received in time"));
      }
      co_return;  // end of stream, timeout, shutdown or error: nothing more to answer
    }

    if (ec) {
      ++_stats.rejected;
      auto [status, message] = parse_failure(ec);
      response res = server_error(status, message);
      write_response(res, out);
      if (auto sent = flush(); sent && *sent != SIZE_MAX) co_await send_rest(fd.get(), out, *sent, c);
      break;
    }

    request& req = parser.get();
    ++_stats.requests;
    stream_producer producer;
    response res = co_await answer(req, &producer);
    if (producer) {
      // A streamed body: the head, then the producer's chunks; the connection ends with it.
      ++_stats.streams;
      bool chunked = req.version() >= 11;
      res.version(req.version());
      res.keep_alive(false);
      res.set(http::field::server, "polycubed");
      res.erase(http::field::content_length);
      if (chunked) res.set(http::field::transfer_encoding, "chunked");
      write_head(res, out);
      if (auto sent = flush(); sent && (*sent == SIZE_MAX || !co_await send_rest(fd.get(), out, *sent, c))) co_return;
      co_await stream_body(fd.get(), chunked, producer, c);
      co_return;
    }
    keep_alive = req.keep_alive() && !_stopping;
    res.version(req.version());
    res.keep_alive(keep_alive);
    res.set(http::field::server, "polycubed");
    res.prepare_payload();
    write_response(res, out);
  }
  if (auto sent = flush(); sent && (*sent == SIZE_MAX || !co_await send_rest(fd.get(), out, *sent, c))) co_return;
  // Graceful close: stop sending, then drain what the client still sends (briefly) so that
  // our last response is not destroyed by a reset.
  ::shutdown(fd.get(), SHUT_WR);
  c.deadline = clock::now() + 500ms;
  std::byte sink[4096];
  for (int i = 0; i < 16 && !c.expired; ++i) {
    io_result r = co_await io::recv(fd.get(), sink, {.cancel = &c.expire});
    if (r.result <= 0) break;
  }
}

}  // namespace pcn::api
