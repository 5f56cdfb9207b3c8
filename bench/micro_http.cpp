// What one request costs the HTTP layer in userspace, by step: Beast parsing a REST
// request with a small JSON body, decoding that body, serialising a JSON response, the
// router's dispatch, and the whole of a GET /polycube/v1/version as the server does it.
// The parser settings and the serialiser loop are those of api/http_server.cpp.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/json/parse.hpp>

#include "api/framework_routes.hpp"
#include "api/http.hpp"
#include "api/http_server.hpp"
#include "api/router.hpp"

namespace pcn::api {
namespace {

namespace beast = boost::beast;

constexpr std::string_view port_json =
    R"({"name":"port1","peer":"veth1","status":"UP","mac":"aa:bb:cc:dd:ee:01","ip":"10.0.0.1/24","vlan":100})";

// What polycubectl sends to change a port: a PATCH with a small JSON body.
const std::string patch_request = fmt::format(
    "PATCH /polycube/v1/simplebridge/br1/ports/port1/ HTTP/1.1\r\nHost: 127.0.0.1:9000\r\nUser-Agent: polycubectl/0.1\r\n"
    "Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
    port_json.size(), port_json);
// What wrk sends in the http suite.
const std::string version_request = "GET /polycube/v1/version HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n\r\n";

// Parses one whole request from `bytes` with the server's settings; false on any error.
bool parse(std::string_view bytes, http::request_parser<http::string_body>& parser, const http_limits& limits) {
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);
  beast::error_code ec;
  parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  return !ec && parser.is_done();
}

// What the server adds to a handler's response before serialising it.
void finish(response& res, const request& req) {
  res.version(req.version());
  res.keep_alive(req.keep_alive());
  res.set(http::field::server, "polycubed");
  res.prepare_payload();
}

// Dispatches synchronously: the routes measured here never suspend.
std::optional<response> dispatch_now(const router& routes, const request& req) {
  task<response> t = routes.dispatch(req);
  resume_chain(t.handle());
  if (!t.handle().done()) return std::nullopt;
  return t.handle().promise().take();
}

// The version route behind range(0) - 1 routes of services, as a YANG-derived API will have.
router routes_with(int64_t count) {
  router routes;
  add_version_route(routes, "0.1.0");
  for (int64_t i = 1; i < count; ++i)
    routes.add(http::verb::get, fmt::format("{}/service{}/{{name}}/ports/{{port}}", rest_root, i),
               [](const request&, const route_params&) -> task<response> { co_return json_response(http::status::ok, nullptr); });
  return routes;
}

void BM_parse_rest_request(benchmark::State& state) {
  http_limits limits;
  for (auto _ : state) {
    http::request_parser<http::string_body> parser;
    if (!parse(patch_request, parser, limits)) return state.SkipWithError("the request did not parse");
    benchmark::DoNotOptimize(parser.get().body().data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(patch_request.size()));
}

void BM_decode_json_body(benchmark::State& state) {
  for (auto _ : state) {
    boost::json::value v = boost::json::parse(port_json);
    benchmark::DoNotOptimize(v);
  }
}

void BM_serialize_json_response(benchmark::State& state) {
  boost::json::value body = boost::json::parse(port_json);
  request req{http::verb::get, "/polycube/v1/simplebridge/br1/ports/port1", 11};
  std::string out;
  for (auto _ : state) {
    response res = json_response(http::status::ok, body);
    finish(res, req);
    out.clear();
    write_response(res, out);
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_router_dispatch_version(benchmark::State& state) {
  router routes = routes_with(state.range(0));
  request req{http::verb::get, "/polycube/v1/version", 11};
  for (auto _ : state) {
    std::optional<response> res = dispatch_now(routes, req);
    if (!res || res->result() != http::status::ok) return state.SkipWithError("dispatch did not answer 200");
    benchmark::DoNotOptimize(res->body().data());
  }
}

// Parse, dispatch, finish and serialise: the userspace work of one request in the http suite.
void BM_version_request_whole(benchmark::State& state) {
  http_limits limits;
  router routes = routes_with(1);
  std::string out;
  for (auto _ : state) {
    http::request_parser<http::string_body> parser;
    if (!parse(version_request, parser, limits)) return state.SkipWithError("the request did not parse");
    std::optional<response> res = dispatch_now(routes, parser.get());
    if (!res) return state.SkipWithError("dispatch suspended");
    finish(*res, parser.get());
    out.clear();
    write_response(*res, out);
    benchmark::DoNotOptimize(out.data());
  }
}

BENCHMARK(BM_parse_rest_request);
BENCHMARK(BM_decode_json_body);
BENCHMARK(BM_serialize_json_response);
BENCHMARK(BM_router_dispatch_version)->Arg(1)->Arg(100)->Arg(1000);
BENCHMARK(BM_version_request_whole);

}  // namespace
}  // namespace pcn::api
