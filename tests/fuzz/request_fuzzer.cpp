// libFuzzer target: what the management plane does with a request before the datastore
// sees it. Two forms of input:
//
//   METHOD TARGET\nBODY        the request line and the body as they reach the service
//                              routes (no headers: the fuzzer spends itself on the body)
//   !RAW-HTTP                  bytes on a connection, parsed by Beast with the settings of
//                              api/http_server (limits, eager), pipelined requests included
//
// Either way each request goes the way service_routes.cpp takes it: the target is split
// and percent-decoded (api::split_path), /polycube/v1/<service>/<cube>/<path...> resolved
// against the service's model (schema::resolve), OPTIONS answered with help, and the body of
// a POST, PUT or PATCH parsed (schema::parse_json_body) and validated (schema::validate).
// Models: helloworld, transparenthelloworld, simpleforwarder and the unit tests' schematest,
// which has every construct the schema layer serves.
//
// Besides the sanitizers, three properties abort:
//   - only schema::request_error may escape, with a 4xx status (anything else is a 500);
//   - a body parse_json_body accepts is JSON Boost.JSON reads to the same value;
//   - validation is idempotent: a normalised body validates to itself.
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/router.hpp"
#include "api/schema/context.hpp"
#include "api/schema/error.hpp"
#include "api/schema/help.hpp"
#include "api/schema/json_body.hpp"
#include "api/schema/path.hpp"
#include "api/schema/validate.hpp"
#include "base/log.hpp"
#include "request_fuzzer_yang.hpp"

namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using namespace pcn;

// api/http_server's defaults for headers; bodies smaller than the daemon's 64 MiB so that
// the 413 path is reachable.
constexpr size_t max_header_bytes = 16 * 1024;
constexpr size_t max_body_bytes = 64 * 1024;
constexpr int max_pipelined = 8;

[[noreturn]] void violated(std::string_view property, std::string_view detail) {
  std::fprintf(stderr, "request_fuzzer: %.*s: %.*s\n", int(property.size()), property.data(), int(detail.size()), detail.data());
  std::abort();
}

const schema::schema_context& models() {
  static const schema::schema_context context(schema::embedded::request_fuzzer());
  return context;
}

// Boost.JSON in 1.81 may round a decimal number one unit in the last place away from the
// correctly rounded result: numbers are equal within that. It also reads a zero with a huge
// exponent (-0e400) as NaN, which no JSON number is: there the reference is wrong, not us.
bool same_json(const json::value& a, const json::value& b) {
  if (a.is_double() || b.is_double()) {
    if (!a.is_number() || !b.is_number()) return false;
    double x = a.to_number<double>(), y = b.to_number<double>();
    if (std::isnan(y)) return x == 0.0;
    return x == y || std::fabs(x - y) <= std::fabs(x) * 4e-16;
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    const auto &o = a.get_object(), &p = b.get_object();
    if (o.size() != p.size()) return false;
    for (const auto& [k, v] : o) {
      const json::value* w = p.if_contains(k);
      if (!w || !same_json(v, *w)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!same_json(x[i], y[i])) return false;
    return true;
  }
  return a == b;
}

// parse_json_body says yes only to JSON: Boost.JSON must read the same value.
void check_against_boost(std::string_view body, const json::value& parsed) {
  if (parsed.is_null()) return;  // an empty body, or the literal null
  boost::system::error_code ec;
  json::value reference = json::parse(body, ec);
  // Boost.JSON 1.81 refuses an exponent beyond its int even where the number is a zero
  // (0E844674407351616): JSON has no such limit, so there Boost has no say.
  if (ec == json::error::exponent_overflow) return;
  if (ec) violated("parse_json_body accepted what Boost.JSON refuses", ec.message() + ": " + std::string(body.substr(0, 200)));
  if (!same_json(parsed, reference))
    violated("parse_json_body and Boost.JSON disagree", json::serialize(parsed) + " against " + json::serialize(reference));
}

std::optional<schema::method> method_of(http::verb v) {
  switch (v) {
    case http::verb::get: return schema::method::get;
    case http::verb::post: return schema::method::post;
    case http::verb::put: return schema::method::put;
    case http::verb::patch: return schema::method::patch;
    case http::verb::delete_: return schema::method::del;
    default: return std::nullopt;
  }
}

// One request, the way api/service_routes.cpp takes it.
void serve(http::verb verb, std::string_view target, std::string_view body) {
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  std::vector<std::string> segments;
  if (!api::split_path(target, segments)) return;  // the router answers 404
  if (segments.size() < 4 || segments[0] != "polycube" || segments[1] != "v1") return;
  const schema::service_schema* service = models().find(segments[2]);
  if (!service) return;
  const std::span<const std::string> below(segments.begin() + 4, segments.end());
  try {
    schema::resolved_path resolved = schema::resolve(*service, segments[3], below);
    if (verb == http::verb::options) {
      (void)json::serialize(schema::help(resolved));
      return;
    }
    auto m = method_of(verb);
    if (!m) return;
    auto allowed = schema::allowed_methods(resolved);
    if (std::find(allowed.begin(), allowed.end(), *m) == allowed.end() || *m == schema::method::get) return;
    json::value parsed = schema::parse_json_body(body, max_body_bytes);
    check_against_boost(body, parsed);
    if (*m == schema::method::del) return;
    const bool action = resolved.kind == schema::target_kind::action;
    const schema::method as = action ? schema::method::post : *m;
    const schema::validate_options options{.fill_defaults = resolved.target->is_root() && *m == schema::method::post};
    json::value normalised = schema::validate(resolved, as, parsed, options);
    std::string text = json::serialize(normalised);
    json::value again;
    try {
      again = schema::validate(resolved, as, normalised, options);
    } catch (const schema::request_error& e) {
      violated("validate refuses its own result", std::string(e.what()) + " for " + text);
    }
    if (again != normalised) violated("validate is not idempotent", text + " became " + json::serialize(again));
  } catch (const schema::request_error& e) {
    const unsigned s = e.status();
    if (s != 400 && s != 404 && s != 405 && s != 413) violated("request_error with a status that is not 4xx", e.what());
    (void)e.problems();
  }
}

// METHOD TARGET\nBODY
void direct(std::string_view input) {
  const size_t eol = input.find('\n');
  const std::string_view line = input.substr(0, eol);
  const std::string_view body = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return;
  const http::verb verb = http::string_to_verb(line.substr(0, space));
  if (verb == http::verb::unknown) return;
  serve(verb, line.substr(space + 1), body);
}

// Bytes on a connection: up to max_pipelined requests, parsed as api/http_server does.
void raw_http(std::string_view input) {
  for (int n = 0; n < max_pipelined && !input.empty(); ++n) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
    parser.body_limit(max_body_bytes);
    parser.eager(true);
    // Feed it again while it makes progress. After need_more Beast wants more bytes than it
    // has seen (its chunk parser asserts so): every byte has arrived, so that ends it.
    while (!parser.is_done()) {
      boost::beast::error_code ec;
      const size_t used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
      input.remove_prefix(used);
      if (ec || used == 0) return;  // the server answers 4xx, or waits for bytes that never come
    }
    const auto& req = parser.get();
    serve(req.method(), std::string_view(req.target().data(), req.target().size()), req.body());
    if (!req.keep_alive()) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  log::set_level(log::level::off);
  (void)models();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    if (!input.empty() && input.front() == '!') raw_http(input.substr(1));
    else direct(input);
  } catch (const std::exception& e) {
    violated("an exception other than request_error escaped (the daemon would answer 500)", e.what());
  }
  return 0;
}
