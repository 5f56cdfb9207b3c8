#include "api/http_server.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <filesystem>
#include <iterator>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "api/framework_routes.hpp"
#include "reactor/listen.hpp"
#include "reactor/when_all.hpp"
#include "tests/support/run.hpp"
#include "tests/support/sockets.hpp"

namespace pcn::api {
namespace {

using namespace std::chrono_literals;
namespace beast = boost::beast;

// Limits small enough to cross in a test; the deadlines are long, so that only the tests
// that shorten one ever see it expire, however loaded the machine.
http_limits test_limits() {
  return {.max_header_bytes = 1024,
          .max_body_bytes = 4096,
          .idle_timeout = 10s,
          .header_timeout = 10s,
          .body_timeout = 10s,
          .write_timeout = 10s};
}

constexpr auto short_deadline = 150ms;
// Upper bound for anything that should happen "at once" or after a short deadline.
constexpr auto patience = 3s;

task<response> answer_json(boost::json::value body) { co_return json_response(http::status::ok, body); }

task<response> slow_answer() {
  co_await sleep_for(50ms);
  co_return json_response(http::status::ok, {{"slept", true}});
}

task<response> large_answer() {
  response res{http::status::ok, 11};
  res.body().assign(32 << 20, 'x');
  co_return res;
}

// Streamed bodies: three pieces and the end; or a first piece, then nothing until the
// client or the server goes away.
task<void> three_pieces(body_stream& out) {
  co_await out.write("one");
  co_await sleep_for(20ms);
  co_await out.write("two");
  co_await out.write("three");
}

int g_streams_ended = 0;
task<void> until_closed(body_stream& out) {
  co_await out.write("hello");
  co_await sleep_for(1h, &out.closed());
  ++g_streams_ended;
}

task<response> stream_head() {
  response res{http::status::ok, 11};
  res.set(http::field::content_type, "application/octet-stream");
  co_return res;
}

router test_routes() {
  router r;
  add_version_route(r, "1.2.3");
  r.add(http::verb::post, "/echo", [](const request& req, const route_params&) {
    return answer_json({{"length", req.body().size()}, {"body", req.body()}});
  });
  r.add(http::verb::get, "/things/{name}", [](const request&, const route_params& p) { return answer_json({{"get", p["name"]}}); });
  r.add(http::verb::delete_, "/things/{name}", [](const request&, const route_params& p) { return answer_json({{"delete", p["name"]}}); });
  r.add(http::verb::get, "/slow", [](const request&, const route_params&) { return slow_answer(); });
  r.add(http::verb::get, "/large", [](const request&, const route_params&) { return large_answer(); });
  r.add(http::verb::get, "/stream", [](const request&, const route_params& p) {
    *p.stream = three_pieces;
    return stream_head();
  });
  r.add(http::verb::get, "/forever", [](const request&, const route_params& p) {
    *p.stream = until_closed;
    return stream_head();
  });
  r.add(http::verb::get, "/boom", [](const request&, const route_params&) -> task<response> {
    throw std::runtime_error("boom");
    co_return response{};
  });
  return r;
}

// A raw HTTP client on the test's reactor: sends exactly the bytes it is given and parses
// what comes back with Beast's response parser. Failures throw, failing the scenario.
class client {
 public:
  static task<client> connect(uint16_t port) {
    unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw std::system_error(errno, std::system_category(), "client socket");
    sockaddr_in addr = testing::loopback(port);
    (co_await io::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr, {.timeout = patience})).value();
    co_return client(std::move(fd));
  }

  int fd() const { return _fd.get(); }

  task<void> send(std::string bytes) {
    (co_await io::send_all(_fd.get(), std::as_bytes(std::span(bytes)), {.timeout = patience})).value();
  }

  // One byte at a time, with a pause after each.
  task<void> send_slowly(std::string bytes, clock::duration pause = 1ms) {
    for (char c : bytes) {
      (co_await io::send_all(_fd.get(), std::as_bytes(std::span(&c, 1)), {.timeout = patience})).value();
      co_await sleep_for(pause);
    }
  }

  // The next response (an interim 1xx is one too).
  task<response> read_response() {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(64 << 20);
    auto deadline = clock::now() + patience;
    for (;;) {
      if (!_in.empty()) {
        beast::error_code ec;
        size_t used = parser.put(boost::asio::buffer(_in), ec);
        _in.erase(0, used);
        if (ec && ec != http::error::need_more) throw std::runtime_error("unparsable response: " + ec.message());
        if (parser.is_done()) co_return parser.release();
        if (used > 0) continue;
      }
      io_result r = co_await receive(deadline);
      if (r.result == 0) throw std::runtime_error("connection closed before a complete response; got: " + _in);
      if (r.error() == ETIMEDOUT) throw std::runtime_error("no complete response in time; got: " + _in);
      r.value();
    }
  }

  // Whether the server ends the connection (EOF or reset) with nothing more to read, within `wait`.
  task<bool> closed_by_server(clock::duration wait = patience) {
    if (!_in.empty()) co_return false;
    io_result r = co_await receive(clock::now() + wait);
    co_return r.result == 0 || r.error() == ECONNRESET;
  }

  // Closes with a reset instead of a FIN, as a crashed client would.
  void reset() {
    linger hard{.l_onoff = 1, .l_linger = 0};
    ::setsockopt(_fd.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    _fd.reset();
  }

 private:
  explicit client(unique_fd fd) : _fd(std::move(fd)) {}

  task<io_result> receive(clock::time_point deadline) {
    auto remaining = std::max<clock::duration>(deadline - clock::now(), 1ns);
    char buffer[16 * 1024];
    io_result r = co_await io::recv(_fd.get(), std::as_writable_bytes(std::span(buffer)), {.timeout = remaining});
    if (r.result > 0) _in.append(buffer, r.result);
    co_return r;
  }

  unique_fd _fd;
  std::string _in;  // received, not yet parsed
};

std::string get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) + "\r\n";
}

std::string post_echo(std::string_view body, std::string_view extra_headers = "") {
  return "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(body);
}

std::string echo_body(std::string_view body) {
  return boost::json::serialize(boost::json::object{{"length", body.size()}, {"body", body}});
}

// Polls until pred() holds; false when it did not within `patience`.
template <typename Pred>
task<bool> eventually(Pred pred) {
  auto deadline = clock::now() + patience;
  while (!pred()) {
    if (clock::now() > deadline) co_return false;
    co_await sleep_for(1ms);
  }
  co_return true;
}

size_t open_fds() {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"), {}));
}

// Runs the scenario against a server on a loopback port, then stops the server; the
// scenario (a coroutine) gets the server and the port.
template <typename Scenario>
task<void> play(http_server& server, uint16_t port, Scenario scenario) {
  try {
    co_await scenario(server, port);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "scenario failed: " << e.what();
  }
  co_await server.stop();
}

template <typename Scenario>
task<http_stats> serve_scenario(const router& routes, http_limits limits, Scenario scenario) {
  unique_fd listener = listen_tcp("127.0.0.1", 0);
  http_server server(routes, limits);
  co_await when_all(server.serve(listener.get()), play(server, bound_port(listener.get()), scenario));
  EXPECT_EQ(server.open_connections(), 0u);
  co_return server.stats();
}

// Every scenario must leave no socket behind (the engine's own fds come and go with it).
template <typename Scenario>
http_stats run_scenario(Scenario scenario, http_limits limits = test_limits()) {
  size_t fds = open_fds();
  router routes = test_routes();
  http_stats stats = testing::run(serve_scenario(routes, limits, scenario));
  EXPECT_EQ(open_fds(), fds) << "a file descriptor leaked";
  return stats;
}

TEST(http_server, version_route_answers_200_json) {
  auto stats = run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send(get("/polycube/v1/version"));
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.version(), 11);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_EQ(res[http::field::server], "polycubed");
    EXPECT_EQ(res.body(), R"({"polycubed":{"version":"1.2.3"}})");
    EXPECT_EQ(res[http::field::content_length], std::to_string(res.body().size()));
    EXPECT_TRUE(res.keep_alive());
  });
  EXPECT_EQ(stats.connections, 1u);
  EXPECT_EQ(stats.requests, 1u);
  EXPECT_EQ(stats.rejected, 0u);
}

TEST(http_server, unknown_path_is_404_json_and_keeps_the_connection) {
  run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send(get("/polycube/v1/nope"));
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::not_found);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_EQ(res.body(), R"({"message":"no resource at /polycube/v1/nope"})");
    EXPECT_TRUE(res.keep_alive());
    co_await c.send(get("/polycube/v1/version"));
    EXPECT_EQ((co_await c.read_response()).result(), http::status::ok);
  });
}

TEST(http_server, wrong_method_is_405_with_allow) {
  run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send("POST /polycube/v1/version HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\n{}");
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::method_not_allowed);
    EXPECT_EQ(res[http::field::allow], "GET");
    EXPECT_EQ(res.body(), R"({"message":"POST is not allowed on /polycube/v1/version"})");
    co_await c.send("PUT /things/t1 HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n");
    res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::method_not_allowed);
    EXPECT_EQ(res[http::field::allow], "GET, DELETE");
    co_await c.send("DELETE /things/t1 HTTP/1.1\r\nHost: test\r\n\r\n");
    res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), R"({"delete":"t1"})");
  });
}

TEST(http_server, keep_alive_serves_several_requests_on_one_connection) {
  auto stats = run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    for (int i = 0; i < 5; ++i) {
      std::string name = "t" + std::to_string(i);
      co_await c.send(get("/things/" + name));
      response res = co_await c.read_response();
      EXPECT_EQ(res.result(), http::status::ok);
      EXPECT_EQ(res.body(), R"({"get":")" + name + R"("})");
      EXPECT_TRUE(res.keep_alive());
    }
    EXPECT_FALSE(co_await c.closed_by_server(50ms));
  });
  EXPECT_EQ(stats.connections, 1u);
  EXPECT_EQ(stats.requests, 5u);
}

TEST(http_server, http10_without_keep_alive_closes_after_the_response) {
  run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send("GET /polycube/v1/version HTTP/1.0\r\n\r\n");
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.version(), 10);
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(res[http::field::connection], "");
    EXPECT_EQ(res.body(), R"({"polycubed":{"version":"1.2.3"}})");
    EXPECT_TRUE(co_await c.closed_by_server());
  });
}

TEST(http_server, http10_with_keep_alive_stays_open) {
  run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    for (int i = 0; i < 2; ++i) {
      co_await c.send("GET /polycube/v1/version HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      response res = co_await c.read_response();
      EXPECT_EQ(res.result(), http::status::ok);
      EXPECT_EQ(res.version(), 10);
      EXPECT_TRUE(res.keep_alive());
      EXPECT_EQ(res[http::field::connection], "keep-alive");
    }
    EXPECT_FALSE(co_await c.closed_by_server(50ms));
  });
}

TEST(http_server, connection_close_is_honoured_and_later_requests_are_ignored) {
  auto stats = run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send(get("/polycube/v1/version", "Connection: close\r\n") + get("/things/never"));
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(res[http::field::connection], "close");
    EXPECT_TRUE(co_await c.closed_by_server());
  });
  EXPECT_EQ(stats.requests, 1u);
}

TEST(http_server, pipelined_requests_are_answered_in_order) {
  auto stats = run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send(get("/polycube/v1/version") + get("/nope") + post_echo("abc") + get("/slow") +
                    "PUT /things/x HTTP/1.1\r\nHost: test\r\n\r\n" + get("/things/last"));
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), R"({"polycubed":{"version":"1.2.3"}})");
    res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::not_found);
    EXPECT_EQ(res.body(), R"({"message":"no resource at /nope"})");
    res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), echo_body("abc"));
    res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), R"({"slept":true})");
    res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::method_not_allowed);
    res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), R"({"get":"last"})");
    EXPECT_TRUE(res.keep_alive());
  });
  EXPECT_EQ(stats.requests, 6u);
}

TEST(http_server, a_request_delivered_byte_by_byte_is_answered) {
  run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send_slowly(post_echo("split body", "X-Test: yes\r\n"));
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), echo_body("split body"));
    // And again on the same connection, with the chunked framing split as well.
    co_await c.send_slowly(
        "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
    res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), echo_body("abcdefg"));
  });
}

TEST(http_server, chunked_request_bodies_are_decoded) {
  run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send(
        "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n"
        "7;name=value\r\n, world\r\n"
        "A\r\n0123456789\r\n"
        "0\r\nX-Trailer: t\r\n\r\n");
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), echo_body("hello, world0123456789"));
    EXPECT_TRUE(res.keep_alive());
    // The connection is still in step: the next request is parsed from the right place.
    co_await c.send(post_echo("next"));
    EXPECT_EQ((co_await c.read_response()).body(), echo_body("next"));
  });
}

TEST(http_server, expect_100_continue_gets_an_interim_response) {
  run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    response interim = co_await c.read_response();
    EXPECT_EQ(interim.result(), http::status::continue_);
    EXPECT_EQ(interim.body(), "");
    co_await c.send("hello");
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), echo_body("hello"));
    // No interim response when the body came along with the headers.
    co_await c.send(post_echo("again", "Expect: 100-continue\r\n"));
    res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), echo_body("again"));
  });
}

TEST(http_server, expect_100_continue_is_ignored_from_http10_clients) {
  // RFC 9110 10.1.1: a server MUST ignore a 100-continue expectation in an HTTP/1.0 request.
  run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send("POST /echo HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    co_await sleep_for(50ms);
    co_await c.send("abc");
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), echo_body("abc"));
    EXPECT_TRUE(co_await c.closed_by_server());
  });
}

TEST(http_server, oversized_headers_are_431_and_close) {
  auto stats = run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send(get("/polycube/v1/version", "X-Big: " + std::string(2000, 'a') + "\r\n"));
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::request_header_fields_too_large);
    EXPECT_EQ(res.body(), R"({"message":"request headers too large"})");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(co_await c.closed_by_server());
  });
  EXPECT_EQ(stats.requests, 0u);
  EXPECT_EQ(stats.rejected, 1u);
}

TEST(http_server, headers_just_under_the_limit_are_accepted) {
  run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    std::string request = get("/polycube/v1/version", "X-Big: \r\n");
    request.insert(request.size() - 4, std::string(1000 - request.size(), 'a'));
    EXPECT_EQ(request.size(), 1000u);
    co_await c.send_slowly(request.substr(0, 40));
    co_await c.send(request.substr(40));
    EXPECT_EQ((co_await c.read_response()).result(), http::status::ok);
  });
}

TEST(http_server, header_limit_is_on_the_whole_header_however_it_is_split) {
  // Beast checks header_limit against what one put() sees and the server consumes what
  // Beast parsed: a request line and a batch of header lines in separate reads, each under
  // the limit, must still add up. The limit bounds the memory a client can make us hold.
  auto stats = run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    std::string lines;
    for (int i = 0; i < 18; ++i) lines += "X-Filler-" + std::to_string(100 + i) + ": " + std::string(34, 'f') + "\r\n";
    EXPECT_EQ(lines.size(), 900u);
    co_await c.send("GET /things/" + std::string(900, 'n') + " HTTP/1.1\r\n");
    co_await sleep_for(10ms);
    co_await c.send(lines + "X-Last: v");
    co_await sleep_for(10ms);
    co_await c.send("alue\r\n" + lines + "\r\n");
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::request_header_fields_too_large);
    EXPECT_TRUE(co_await c.closed_by_server());
  });
  EXPECT_EQ(stats.requests, 0u);
  EXPECT_EQ(stats.rejected, 1u);
}

TEST(http_server, body_over_the_limit_is_413_and_close_by_content_length) {
  auto stats = run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 4097\r\n\r\n");
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::payload_too_large);
    EXPECT_EQ(res.body(), R"({"message":"request body too large"})");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(co_await c.closed_by_server());

    // Exactly the limit is fine.
    client d = co_await client::connect(port);
    co_await d.send(post_echo(std::string(4096, 'b')));
    res = co_await d.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), echo_body(std::string(4096, 'b')));
  });
  EXPECT_EQ(stats.rejected, 1u);
  EXPECT_EQ(stats.requests, 1u);
}

TEST(http_server, body_over_the_limit_is_413_and_close_when_chunked) {
  auto stats = run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    std::string chunk = "7d0\r\n" + std::string(2000, 'c') + "\r\n";
    co_await c.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk);
    co_await sleep_for(10ms);
    co_await c.send(chunk + "0\r\n\r\n");
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::payload_too_large);
    EXPECT_EQ(res.body(), R"({"message":"request body too large"})");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(co_await c.closed_by_server());
  });
  EXPECT_EQ(stats.rejected, 1u);
  EXPECT_EQ(stats.requests, 0u);
}

TEST(http_server, malformed_request_line_is_400_and_close) {
  auto stats = run_scenario([](http_server&, uint16_t port) -> task<void> {
    for (const char* garbage : {"GET /polycube/v1/version HTTX/1.1\r\n\r\n", "NOT A REQUEST\r\n\r\n",
                                "GET /polycube/v1/version HTTP/1.1\r\nBad Header\r\n\r\n",
                                "\x16\x03\x01\x02\x31\x01\r\n\r\n" /* a TLS hello */}) {
      client c = co_await client::connect(port);
      co_await c.send(garbage);
      response res = co_await c.read_response();
      EXPECT_EQ(res.result(), http::status::bad_request) << garbage;
      EXPECT_TRUE(res.body().starts_with(R"({"message":"malformed request: )")) << res.body();
      EXPECT_FALSE(res.keep_alive());
      EXPECT_TRUE(co_await c.closed_by_server()) << garbage;
    }
  });
  EXPECT_EQ(stats.rejected, 4u);
  EXPECT_EQ(stats.requests, 0u);
}

TEST(http_server, malformed_percent_escape_is_400_but_keeps_the_connection) {
  run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send(get("/things/a%zz"));
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::bad_request);
    EXPECT_EQ(res.body(), R"({"message":"malformed percent-escape in path /things/a%zz"})");
    EXPECT_TRUE(res.keep_alive());
    co_await c.send(get("/things/10.0.3.0%2F24"));
    res = co_await c.read_response();
    EXPECT_EQ(res.body(), R"({"get":"10.0.3.0/24"})");
  });
}

TEST(http_server, slowloris_half_headers_then_stall_gets_408) {
  http_limits limits = test_limits();
  limits.header_timeout = short_deadline;
  auto stats = run_scenario(
      [](http_server&, uint16_t port) -> task<void> {
        client c = co_await client::connect(port);
        auto start = clock::now();
        co_await c.send("GET /polycube/v1/version HTTP/1.1\r\nHost: te");
        response res = co_await c.read_response();
        auto waited = clock::now() - start;
        EXPECT_EQ(res.result(), http::status::request_timeout);
        EXPECT_EQ(res.body(), R"({"message":"request not received in time"})");
        EXPECT_FALSE(res.keep_alive());
        EXPECT_TRUE(co_await c.closed_by_server());
        EXPECT_GE(waited, short_deadline);
        EXPECT_LT(waited, patience);
      },
      limits);
  EXPECT_EQ(stats.timeouts, 1u);
}

TEST(http_server, header_deadline_runs_from_the_first_byte_not_the_last) {
  // A byte every 40 ms never leaves the connection quiet for a whole header_timeout.
  http_limits limits = test_limits();
  limits.header_timeout = short_deadline;
  run_scenario(
      [](http_server&, uint16_t port) -> task<void> {
        client c = co_await client::connect(port);
        auto start = clock::now();
        std::string request = get("/polycube/v1/version", "X-Slow: " + std::string(100, 's') + "\r\n");
        for (char byte : request) {
          co_await c.send(std::string(1, byte));
          if ((co_await io::poll(c.fd(), POLLIN, {.timeout = 40ms})).ok()) break;  // answered
        }
        response res = co_await c.read_response();
        EXPECT_EQ(res.result(), http::status::request_timeout);
        EXPECT_LT(clock::now() - start, patience);
        EXPECT_TRUE(co_await c.closed_by_server());
      },
      limits);
}

TEST(http_server, slow_body_gets_408) {
  http_limits limits = test_limits();
  limits.body_timeout = short_deadline;
  run_scenario(
      [](http_server&, uint16_t port) -> task<void> {
        client c = co_await client::connect(port);
        co_await c.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc");
        response res = co_await c.read_response();
        EXPECT_EQ(res.result(), http::status::request_timeout);
        EXPECT_TRUE(co_await c.closed_by_server());
      },
      limits);
}

TEST(http_server, idle_keep_alive_connection_is_closed_after_idle_timeout) {
  http_limits limits = test_limits();
  limits.idle_timeout = short_deadline;
  auto stats = run_scenario(
      [](http_server&, uint16_t port) -> task<void> {
        client c = co_await client::connect(port);
        auto start = clock::now();  // before the server's idle wait can have begun
        co_await c.send(get("/polycube/v1/version"));
        EXPECT_EQ((co_await c.read_response()).result(), http::status::ok);
        EXPECT_TRUE(co_await c.closed_by_server());  // no 408: there was no request to answer
        EXPECT_GE(clock::now() - start, short_deadline);
        // A connection that never sends anything goes the same way.
        client quiet = co_await client::connect(port);
        EXPECT_TRUE(co_await quiet.closed_by_server());
      },
      limits);
  EXPECT_EQ(stats.timeouts, 2u);
}

TEST(http_server, slow_reader_cannot_stretch_the_write_deadline) {
  // write_timeout bounds the whole response, not each send: a client that keeps reading a
  // little (64 KiB every 10 ms) must not hold a connection and its 32 MiB for five seconds.
  http_limits limits = test_limits();
  limits.write_timeout = 600ms;
  run_scenario(
      [](http_server& server, uint16_t port) -> task<void> {
        client c = co_await client::connect(port);
        int small = 64 * 1024;
        ::setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        co_await c.send(get("/large"));
        auto start = clock::now();
        std::vector<std::byte> sink(64 * 1024);
        size_t received = 0;
        while (server.open_connections() > 0 && clock::now() - start < patience) {
          io_result r = co_await io::recv(c.fd(), sink, {.timeout = 10ms});
          if (r.result > 0) received += r.value();
          co_await sleep_for(10ms);
        }
        EXPECT_EQ(server.open_connections(), 0u) << received << " bytes received";
        EXPECT_GT(received, 0u);
        EXPECT_LT(received, size_t{32} << 20);
      },
      limits);
}

TEST(http_server, abrupt_disconnects_do_not_disturb_other_clients) {
  auto stats = run_scenario([](http_server& server, uint16_t port) -> task<void> {
    client steady = co_await client::connect(port);
    co_await steady.send(get("/things/before"));
    EXPECT_EQ((co_await steady.read_response()).body(), R"({"get":"before"})");
    {
      client mid_headers = co_await client::connect(port);
      co_await mid_headers.send("GET /polycube/v1/version HTTP/1.1\r\nHo");
      client mid_body = co_await client::connect(port);
      co_await mid_body.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n0123456789");
      client not_reading = co_await client::connect(port);
      co_await not_reading.send(get("/polycube/v1/version") + get("/slow") + get("/things/x"));
      EXPECT_TRUE(co_await eventually([&server] { return server.stats().requests == 4; }));
      client reset_mid_request = co_await client::connect(port);
      co_await reset_mid_request.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n01");
      EXPECT_TRUE(co_await eventually([&server] { return server.stats().connections == 5; }));
      reset_mid_request.reset();
      // Reset while the handler sleeps, then while the server sends 32 MiB nobody reads.
      uint64_t before = server.stats().requests;
      client reset_in_handler = co_await client::connect(port);
      co_await reset_in_handler.send(get("/slow"));
      EXPECT_TRUE(co_await eventually([&server, before] { return server.stats().requests == before + 1; }));
      reset_in_handler.reset();
      client reset_unread = co_await client::connect(port);
      co_await reset_unread.send(get("/large"));
      EXPECT_TRUE(co_await eventually([&server, before] { return server.stats().requests == before + 2; }));
      co_await sleep_for(10ms);
      reset_unread.reset();
    }  // the others close here, with a FIN
    EXPECT_TRUE(co_await eventually([&server] { return server.open_connections() == 1; }));
    co_await steady.send(get("/things/after"));
    EXPECT_EQ((co_await steady.read_response()).body(), R"({"get":"after"})");
    client late = co_await client::connect(port);
    co_await late.send(get("/polycube/v1/version"));
    EXPECT_EQ((co_await late.read_response()).result(), http::status::ok);
  });
  EXPECT_EQ(stats.connections, 8u);
}

TEST(http_server, graceful_stop_finishes_requests_in_flight_and_closes_idle_connections) {
  run_scenario([](http_server& server, uint16_t port) -> task<void> {
    client never_asked = co_await client::connect(port);
    client between_requests = co_await client::connect(port);
    co_await between_requests.send(get("/polycube/v1/version"));
    EXPECT_EQ((co_await between_requests.read_response()).result(), http::status::ok);
    client in_flight = co_await client::connect(port);
    co_await in_flight.send(get("/slow"));
    EXPECT_TRUE(co_await eventually([&server] { return server.stats().connections == 3 && server.stats().requests == 2; }));

    auto start = clock::now();
    co_await server.stop();
    response res = co_await in_flight.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), R"({"slept":true})");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(res[http::field::connection], "close");
    EXPECT_TRUE(co_await in_flight.closed_by_server());
    // The idle ones are closed at once, not after idle_timeout (10 s here).
    EXPECT_TRUE(co_await never_asked.closed_by_server(2s));
    EXPECT_TRUE(co_await between_requests.closed_by_server(2s));
    EXPECT_LT(clock::now() - start, 2s);
  });
}

TEST(http_server, a_streamed_body_arrives_in_chunks_and_ends_the_connection) {
  auto stats = run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send(get("/stream"));
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_TRUE(res.chunked());
    EXPECT_EQ(res.body(), "onetwothree");
    EXPECT_TRUE(co_await c.closed_by_server());
  });
  EXPECT_EQ(stats.streams, 1u);
}

TEST(http_server, a_stream_ends_when_its_client_hangs_up_or_the_server_stops) {
  g_streams_ended = 0;
  run_scenario([](http_server& server, uint16_t port) -> task<void> {
    {
      client leaving = co_await client::connect(port);
      co_await leaving.send(get("/forever"));
      EXPECT_TRUE(co_await eventually([&server] { return server.stats().streams == 1; }));
    }  // closed here: the waiting producer must notice
    EXPECT_TRUE(co_await eventually([] { return g_streams_ended == 1; }));
    EXPECT_TRUE(co_await eventually([&server] { return server.open_connections() == 0; }));
    client staying = co_await client::connect(port);
    co_await staying.send(get("/forever"));
    EXPECT_TRUE(co_await eventually([&server] { return server.stats().streams == 2; }));
    co_await server.stop();
    EXPECT_TRUE(co_await eventually([] { return g_streams_ended == 2; }));
    EXPECT_TRUE(co_await eventually([&server] { return server.open_connections() == 0; }));
  });
}

TEST(http_server, stop_before_serve_makes_serve_return_at_once) {
  auto body = []() -> task<void> {
    unique_fd listener = listen_tcp("127.0.0.1", 0);
    router routes = test_routes();
    http_server server(routes, test_limits());
    co_await server.stop();
    co_await server.serve(listener.get());
    EXPECT_EQ(server.stats().connections, 0u);
  };
  testing::run(body());
}

TEST(http_server, a_throwing_handler_yields_500_json) {
  auto stats = run_scenario([](http_server&, uint16_t port) -> task<void> {
    client c = co_await client::connect(port);
    co_await c.send(get("/boom"));
    response res = co_await c.read_response();
    EXPECT_EQ(res.result(), http::status::internal_server_error);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_EQ(res.body(), R"({"message":"internal error: boom"})");
    EXPECT_TRUE(res.keep_alive());
    co_await c.send(get("/polycube/v1/version"));
    EXPECT_EQ((co_await c.read_response()).result(), http::status::ok);
  });
  EXPECT_EQ(stats.requests, 2u);
}

TEST(http_server, connections_beyond_the_limit_are_closed) {
  http_limits limits = test_limits();
  limits.max_connections = 1;
  run_scenario(
      [](http_server& server, uint16_t port) -> task<void> {
        client first = co_await client::connect(port);
        co_await first.send(get("/polycube/v1/version"));
        EXPECT_EQ((co_await first.read_response()).result(), http::status::ok);
        client second = co_await client::connect(port);
        EXPECT_TRUE(co_await second.closed_by_server());
        EXPECT_EQ(server.stats().connections, 1u);
        co_await first.send(get("/polycube/v1/version"));
        EXPECT_EQ((co_await first.read_response()).result(), http::status::ok);
      },
      limits);
}

}  // namespace
}  // namespace pcn::api
