#include "api/router.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/framework_routes.hpp"
#include "tests/support/run.hpp"

namespace pcn::api {
namespace {

// What a handler saw: which route ran and with which parameters.
boost::json::value describe(std::string_view route, const route_params& p) {
  boost::json::object named;
  for (const auto& [key, value] : p.named) named[key] = value;
  boost::json::array rest;
  for (const auto& s : p.rest) rest.emplace_back(s);
  return {{"route", route}, {"named", named}, {"rest", rest}, {"query", p.query}};
}

task<response> reply(boost::json::value body) { co_return json_response(http::status::ok, body); }

// A handler that answers 200 with describe(name, params).
handler reports(std::string name) {
  return [name = std::move(name)](const request&, const route_params& p) -> task<response> {
    return reply(describe(name, p));
  };
}

response dispatch(const router& r, http::verb method, std::string target) {
  request req{method, target, 11};
  return testing::run(r.dispatch(req));
}

boost::json::value body_of(const response& res) { return boost::json::parse(res.body()); }

TEST(split_path, percent_decodes_each_segment_and_ignores_empty_ones) {
  std::vector<std::string> s;
  ASSERT_TRUE(split_path("/polycube/v1/router/r1/route/10.0.3.0%2F24/", s));
  EXPECT_EQ(s, (std::vector<std::string>{"polycube", "v1", "router", "r1", "route", "10.0.3.0/24"}));
  ASSERT_TRUE(split_path("//a//b%20c%2f%41", s));
  EXPECT_EQ(s, (std::vector<std::string>{"a", "b c/A"}));
  ASSERT_TRUE(split_path("/", s));
  EXPECT_TRUE(s.empty());
  ASSERT_TRUE(split_path("", s));
  EXPECT_TRUE(s.empty());
}

TEST(split_path, rejects_malformed_escapes) {
  std::vector<std::string> s;
  EXPECT_FALSE(split_path("/a/%zz", s));
  EXPECT_FALSE(split_path("/a/%2", s));
  EXPECT_FALSE(split_path("/a/%", s));
  EXPECT_FALSE(split_path("/a/%2/b", s));  // an escape does not reach into the next segment
  EXPECT_FALSE(split_path("/a/%g0", s));
}

TEST(router, answers_the_version_route_and_ignores_a_trailing_slash) {
  router r;
  add_version_route(r, "1.2.3");
  for (const char* target : {"/polycube/v1/version", "/polycube/v1/version/", "/polycube/v1/version?pretty=1"}) {
    response res = dispatch(r, http::verb::get, target);
    EXPECT_EQ(res.result(), http::status::ok) << target;
    EXPECT_EQ(res[http::field::content_type], "application/json") << target;
    EXPECT_EQ(res.body(), R"({"polycubed":{"version":"1.2.3"}})") << target;
  }
}

TEST(router, captures_percent_decoded_parameters) {
  router r;
  r.add(http::verb::get, "/polycube/v1/router/{name}/route/{network}/{nexthop}", reports("route"));
  response res = dispatch(r, http::verb::get, "/polycube/v1/router/r%201/route/10.0.3.0%2F24/10.0.0.1?a=%20b");
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(body_of(res), boost::json::parse(R"({"route": "route",
      "named": {"name": "r 1", "network": "10.0.3.0/24", "nexthop": "10.0.0.1"},
      "rest": [], "query": "a=%20b"})"));
}

TEST(router, route_params_lookup_by_name) {
  route_params p;
  p.named = {{"name", "r1"}, {"port", "p2"}};
  EXPECT_EQ(p["name"], "r1");
  EXPECT_EQ(p["port"], "p2");
  EXPECT_THROW(p["nope"], std::out_of_range);
}

TEST(router, catch_all_takes_the_remaining_decoded_segments) {
  router r;
  r.add(http::verb::get, "/polycube/v1/{cube}/{*rest}", reports("rest"));
  response res = dispatch(r, http::verb::get, "/polycube/v1/fw1/chain/ingress/rule/3%2F4/");
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(body_of(res), boost::json::parse(R"({"route": "rest", "named": {"cube": "fw1"},
      "rest": ["chain", "ingress", "rule", "3/4"], "query": ""})"));
  // A catch-all may take nothing at all.
  res = dispatch(r, http::verb::get, "/polycube/v1/fw1");
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(body_of(res).at("rest"), boost::json::array{});
  // But a parameter before it must be there.
  EXPECT_EQ(dispatch(r, http::verb::get, "/polycube/v1").result(), http::status::not_found);
}

TEST(router, literal_routes_win_over_parameters_whatever_the_order) {
  for (bool literal_first : {true, false}) {
    router r;
    if (literal_first) r.add(http::verb::get, "/polycube/v1/cubes/list", reports("literal"));
    r.add(http::verb::get, "/polycube/v1/cubes/{name}", reports("parameter"));
    r.add(http::verb::get, "/polycube/v1/{*rest}", reports("catch-all"));
    if (!literal_first) r.add(http::verb::get, "/polycube/v1/cubes/list", reports("literal"));
    EXPECT_EQ(body_of(dispatch(r, http::verb::get, "/polycube/v1/cubes/list")).at("route"), "literal");
    EXPECT_EQ(body_of(dispatch(r, http::verb::get, "/polycube/v1/cubes/fw1")).at("route"), "parameter");
    EXPECT_EQ(body_of(dispatch(r, http::verb::get, "/polycube/v1/cubes/fw1/ports")).at("route"), "catch-all");
    EXPECT_EQ(body_of(dispatch(r, http::verb::get, "/polycube/v1")).at("route"), "catch-all");
  }
}

TEST(router, a_parameter_wins_over_a_catch_all_with_as_many_literals) {
  for (bool catch_all_first : {true, false}) {
    router r;
    if (catch_all_first) r.add(http::verb::get, "/files/{*rest}", reports("catch-all"));
    r.add(http::verb::get, "/files/{name}", reports("parameter"));
    if (!catch_all_first) r.add(http::verb::get, "/files/{*rest}", reports("catch-all"));
    EXPECT_EQ(body_of(dispatch(r, http::verb::get, "/files/a")).at("route"), "parameter");
    EXPECT_EQ(body_of(dispatch(r, http::verb::get, "/files/a/b")).at("route"), "catch-all");
    EXPECT_EQ(body_of(dispatch(r, http::verb::get, "/files")).at("route"), "catch-all");
  }
}

TEST(router, unknown_path_is_404_with_a_json_message) {
  router r;
  add_version_route(r, "1.2.3");
  response res = dispatch(r, http::verb::get, "/polycube/v1/nope?x=1");
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res.body(), R"({"message":"no resource at /polycube/v1/nope"})");
  // A prefix of a route, or a longer path, is no match either.
  EXPECT_EQ(dispatch(r, http::verb::get, "/polycube").result(), http::status::not_found);
  EXPECT_EQ(dispatch(r, http::verb::get, "/polycube/v1/version/x").result(), http::status::not_found);
}

TEST(router, wrong_method_is_405_with_every_allowed_method_once) {
  router r;
  r.add(http::verb::get, "/things/{name}", reports("get"));
  r.add(http::verb::delete_, "/things/{name}", reports("delete"));
  r.add(http::verb::get, "/things/{name}/{*rest}", reports("get rest"));
  r.add(http::verb::post, "/other", reports("post"));
  response res = dispatch(r, http::verb::put, "/things/t1");
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res[http::field::allow], "GET, DELETE");
  EXPECT_EQ(res.body(), R"({"message":"PUT is not allowed on /things/t1"})");
  EXPECT_EQ(body_of(dispatch(r, http::verb::delete_, "/things/t1")).at("route"), "delete");
}

TEST(router, malformed_percent_escape_is_400) {
  router r;
  r.add(http::verb::get, "/things/{name}", reports("get"));
  response res = dispatch(r, http::verb::get, "/things/a%zz");
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(res.body(), R"({"message":"malformed percent-escape in path /things/a%zz"})");
  EXPECT_EQ(dispatch(r, http::verb::get, "/things/a%2").result(), http::status::bad_request);
}

TEST(router, handler_exceptions_reach_the_caller) {
  router r;
  r.add(http::verb::get, "/boom", [](const request&, const route_params&) -> task<response> {
    throw std::runtime_error("boom");
    co_return response{};
  });
  EXPECT_THROW(dispatch(r, http::verb::get, "/boom"), std::runtime_error);
}

TEST(router, duplicate_routes_are_refused) {
  router r;
  r.add(http::verb::get, "/things/{name}", reports("get"));
  EXPECT_THROW(r.add(http::verb::get, "/things/{name}", reports("again")), std::invalid_argument);
  // The same route spelt differently is still the same route: the second could never run.
  EXPECT_THROW(r.add(http::verb::get, "/things/{name}/", reports("slash")), std::invalid_argument);
  EXPECT_THROW(r.add(http::verb::get, "/things/{id}", reports("renamed")), std::invalid_argument);
  EXPECT_THROW(r.add(http::verb::get, "things//{name}", reports("slashes")), std::invalid_argument);
  // Another method, or another shape, is another route.
  EXPECT_NO_THROW(r.add(http::verb::put, "/things/{name}", reports("put")));
  EXPECT_NO_THROW(r.add(http::verb::get, "/things/list", reports("literal")));
  EXPECT_NO_THROW(r.add(http::verb::get, "/things/{*rest}", reports("catch-all")));
  EXPECT_EQ(body_of(dispatch(r, http::verb::get, "/things/t1")).at("route"), "get");
}

TEST(router, malformed_patterns_are_refused) {
  router r;
  EXPECT_THROW(r.add(http::verb::get, "/a/{*rest}/b", reports("x")), std::invalid_argument);
  EXPECT_THROW(r.add(http::verb::get, "/a/%zz", reports("x")), std::invalid_argument);
}

}  // namespace
}  // namespace pcn::api
