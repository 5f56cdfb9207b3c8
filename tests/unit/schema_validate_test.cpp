#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <thread>

#include "api/schema/validate.hpp"
#include "tests/unit/schema_fixture.hpp"

namespace pcn::schema {
namespace {

using testing::at;
using testing::json;

struct request {
  std::string_view service;
  std::string_view path;  // segments separated by '|'
  method m;
  std::string_view body;  // JSON; empty for none
  bool fill_defaults = false;
};

boost::json::value run(const request& r) {
  return validate(at(r.service, r.path), r.m, r.body.empty() ? boost::json::value() : json(r.body),
                  {.fill_defaults = r.fill_defaults});
}

// What validation said: the normalised body, or "<status> <message>".
std::string outcome(const request& r) {
  try {
    return boost::json::serialize(run(r));
  } catch (const request_error& e) {
    return std::to_string(e.status()) + " " + e.what();
  }
}

struct validation_case {
  std::string_view description;
  request req;
  std::string_view expected;  // normalised JSON, or "<status> <message>"
};

void check(const std::vector<validation_case>& cases) {
  for (const auto& c : cases) {
    const std::string got = outcome(c.req);
    if (c.expected.starts_with("4")) {
      EXPECT_EQ(got, c.expected) << c.description;
    } else {
      ASSERT_FALSE(got.starts_with("4")) << c.description << ": " << got;
      EXPECT_EQ(json(got), json(c.expected)) << c.description << ": " << got;
    }
  }
}

TEST(validate, normalises_what_it_accepts) {
  check({
      {"PATCH of the cube fills its name from the path",
       {"helloworld", "", method::patch, R"({"action": "FORWARD"})"},
       R"({"name": "c1", "action": "FORWARD"})"},
      {"an empty body is an empty update", {"helloworld", "", method::patch, ""}, R"({"name": "c1"})"},
      {"POST of the cube fills the defaults when asked",
       {"helloworld", "", method::post, R"({"name": "c1"})", true},
       R"({"name": "c1", "type": "TC", "loglevel": "INFO", "action": "DROP"})"},
      {"without being asked, no defaults", {"helloworld", "", method::post, "{}"}, R"({"name": "c1"})"},
      {"PATCH never fills defaults",
       {"helloworld", "", method::patch, "{}", true},
       R"({"name": "c1"})"},
      {"numbers and booleans as strings (the CLI's key=value) become JSON numbers and booleans",
       {"schematest", "settings", method::patch,
        R"({"mtu": "9000", "enabled": "false", "weight": "1.5", "offset": -5, "load": 7.0})"},
       R"({"mtu": 9000, "enabled": false, "weight": 1.5, "offset": -5, "load": 7})"},
      {"a union takes the member that fits",
       {"schematest", "settings", method::patch, R"({"mode": "auto"})"},
       R"({"mode": "auto"})"},
      {"a union member that is a number becomes one",
       {"schematest", "settings", method::patch, R"({"mode": "7"})"},
       R"({"mode": 7})"},
      {"strings keep their spelling, not libyang's canonical form",
       {"schematest", "route", method::post, R"([{"network": "10.0.3.1/24", "nexthop": "10.1.0.2"}])"},
       R"([{"network": "10.0.3.1/24", "nexthop": "10.1.0.2"}])"},
      {"a leafref is checked against its target's type only",
       {"schematest", "route|10.0.3.0/24|10.1.0.2", method::patch, R"({"interface": "port9"})"},
       R"({"network": "10.0.3.0/24", "nexthop": "10.1.0.2", "interface": "port9"})"},
      {"a leaf-list in its order",
       {"schematest", "settings|dns", method::put, R"(["8.8.8.8", "1.1.1.1"])"},
       R"(["8.8.8.8", "1.1.1.1"])"},
      {"a leaf takes its bare value", {"helloworld", "ports|port1|peer", method::put, R"("veth1")"}, R"("veth1")"},
      {"a number for a string leaf is taken as its text",
       {"helloworld", "ports|port1|peer", method::patch, "5"},
       R"("5")"},
      {"a list entry gets its keys from the path",
       {"simpleforwarder", "actions|port1", method::post, R"({"action": "FORWARD", "outport": "port2"})"},
       R"({"inport": "port1", "action": "FORWARD", "outport": "port2"})"},
      {"a key both in the path and in the body, equal once normalised",
       {"schematest", "chain|INGRESS|rule|5", method::post, R"({"id": "5", "action": "DROP"})"},
       R"({"id": 5, "action": "DROP"})"},
      {"an action takes its input", {"schematest", "chain|INGRESS|append", method::post, R"({"action": "DROP"})"},
       R"({"action": "DROP"})"},
  });
}

TEST(validate, fills_defaults_into_absent_non_presence_containers) {
  check({{"POST of the cube",
          {"schematest", "", method::post, R"({"settings": {"owner": "me"}})", true},
          R"({"name": "c1", "type": "TC", "loglevel": "INFO",
              "settings": {"owner": "me", "mtu": 1500, "enabled": true, "limits": {"rate": 100}}})"},
         {"POST of a list entry",
          {"schematest", "route|10.0.3.0/24|10.1.0.2", method::post, "{}", true},
          R"({"network": "10.0.3.0/24", "nexthop": "10.1.0.2", "pathcost": 1})"},
         {"PUT of a container",
          {"schematest", "settings", method::put, R"({"owner": "me", "mtu": 9000})", true},
          R"({"owner": "me", "mtu": 9000, "enabled": true, "limits": {"rate": 100}})"}});
}

TEST(validate, reports_values_the_type_refuses) {
  check({
      {"an unknown enum",
       {"helloworld", "", method::patch, R"({"action": "JUMP"})"},
       R"(400 action: Invalid enumeration value "JUMP" (allowed: DROP, SLOWPATH, FORWARD))"},
      {"out of range",
       {"schematest", "settings", method::patch, R"({"mtu": 10})"},
       R"(400 settings/mtu: Unsatisfied range - value "10" is out of the allowed range)"},
      {"too many fraction digits",
       {"schematest", "settings", method::patch, R"({"weight": 1.555})"},
       R"(400 settings/weight: Value "1.555" of decimal64 type exceeds defined number (2) of fraction digits)"},
      {"a boolean that is not one",
       {"schematest", "settings", method::patch, R"({"enabled": "yes"})"},
       R"(400 settings/enabled: Invalid boolean value "yes")"},
      {"a number for a boolean",
       {"schematest", "settings", method::patch, R"({"enabled": 1})"},
       R"(400 settings/enabled: Invalid boolean value "1")"},
      {"no member of the union fits",
       {"schematest", "settings", method::patch, R"({"mode": 300})"},
       R"(400 settings/mode: Invalid union value "300" - no matching subtype found)"},
      {"a pattern of a typedef",
       {"schematest", "settings", method::patch, R"({"mac": "aa:bb"})"},
       R"(400 settings/mac: Unsatisfied pattern - "aa:bb" does not conform to "[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}")"},
      {"a base-model pattern, deep in a list",
       {"helloworld", "", method::patch, R"({"ports": [{"name": "port 1"}]})"},
       R"(400 ports/port 1/name: Unsatisfied pattern - "port 1" does not conform to "[a-zA-Z0-9_.\-]{1,64}")"},
  });
}

// Found by tests/fuzz/request_fuzzer: libyang released "DROP\u0000" as the model's own
// "DROP", so that a few such requests freed a string the compiled schema still used.
TEST(validate, refuses_nul_characters_before_libyang_sees_them) {
  for (int i = 0; i < 100; ++i)
    check({
        {"an enum followed by a NUL",
         {"helloworld", "", method::patch, R"({"action": "DROP\u0000"})"},
         "400 action: a value may not hold a NUL character (U+0000)"},
        {"a string with a NUL inside",
         {"schematest", "settings", method::patch, R"({"owner": "a\u0000b"})"},
         "400 settings/owner: a value may not hold a NUL character (U+0000)"},
        {"a number given as text, with a NUL",
         {"schematest", "settings", method::patch, R"({"mtu": "1500\u0000"})"},
         "400 settings/mtu: a value may not hold a NUL character (U+0000)"},
    });
  // The model's own names are intact.
  check({{"the enum itself", {"helloworld", "", method::patch, R"({"action": "DROP"})"}, R"({"name": "c1", "action": "DROP"})"}});
}

TEST(validate, reports_json_of_the_wrong_shape) {
  check({
      {"an object for a leaf",
       {"helloworld", "", method::patch, R"({"action": {"x": 1}})"},
       "400 action: expected a value (a string, a number or a boolean), got an object"},
      {"null for a leaf",
       {"helloworld", "", method::patch, R"({"action": null})"},
       "400 action: expected a value (a string, a number or a boolean), got null"},
      {"an array for a container",
       {"schematest", "", method::patch, R"({"settings": [1]})"},
       "400 settings: expected an object, got an array"},
      {"an object for a list",
       {"helloworld", "", method::patch, R"({"ports": {"name": "p1"}})"},
       "400 ports: expected an array of entries, got an object"},
      {"a string for a leaf-list",
       {"schematest", "settings", method::patch, R"({"dns": "8.8.8.8"})"},
       "400 settings/dns: expected an array of values, got a string"},
      {"a string for the cube",
       {"helloworld", "", method::put, R"("hw0")"},
       "400 expected an object, got a string"},
      {"an object for a leaf target",
       {"helloworld", "ports|port1|peer", method::put, R"({"peer": "veth1"})"},
       "400 ports/port1/peer: expected a value (a string, a number or a boolean), got an object"},
      {"a list entry that is no object",
       {"helloworld", "ports", method::post, R"([{"name": "p1"}, "p2"])"},
       "400 ports[1]: expected an object, got a string"},
  });
}

TEST(validate, names_unknown_members_and_the_allowed_ones) {
  check({
      {"at the cube",
       {"helloworld", "", method::patch, R"({"acton": "DROP"})"},
       "400 acton: unknown member (allowed: name, type, loglevel, ports, action)"},
      {"in a list entry",
       {"helloworld", "ports|port1", method::patch, R"({"per": "veth1"})"},
       "400 ports/port1/per: unknown member (allowed: name, peer)"},
      {"an action is not a member",
       {"schematest", "chain|INGRESS", method::patch, R"({"append": {}})"},
       "400 chain/INGRESS/append: unknown member (allowed: direction, default, rule)"},
  });
}

TEST(validate, refuses_state_written_by_the_client) {
  check({
      {"a config false leaf of the base model",
       {"helloworld", "", method::patch, R"({"uuid": "x"})"},
       "400 uuid: read-only (config false)"},
      {"in a list entry, as the path would say it",
       {"helloworld", "", method::patch, R"({"ports": [{"name": "port1", "status": "UP"}]})"},
       "400 ports/port1/status: read-only (config false)"},
      {"a config false container",
       {"schematest", "", method::patch, R"({"stats": {"packets": 1}})"},
       "400 stats: read-only (config false)"},
  });
}

TEST(validate, wants_list_entries_with_all_their_keys_and_distinct_ones) {
  check({
      {"a missing key, and a repeated one",
       {"helloworld", "", method::patch, R"({"ports": [{"peer": "veth1"}, {"name": "p1"}, {"name": "p1"}]})"},
       "400 ports[0]: missing key 'name'; ports/p1: entry 2 repeats the key of entry 1"},
      {"keys repeated once normalised",
       {"schematest", "chain|INGRESS|rule", method::put,
        R"([{"id": 5, "action": "DROP"}, {"id": "5", "action": "DROP"}])"},
       "400 chain/INGRESS/rule/5: entry 1 repeats the key of entry 0"},
      {"one of two keys missing",
       {"schematest", "route", method::patch, R"([{"network": "10.0.0.0/8"}])"},
       "400 route[0]: missing key 'nexthop'"},
      {"a key in the body that contradicts the path",
       {"helloworld", "ports|port1", method::post, R"({"name": "port2"})"},
       "400 ports/port1/name: 'port2' does not match the key in the path ('port1')"},
      {"the cube's name too",
       {"helloworld", "", method::post, R"({"name": "other"})"},
       "400 name: 'other' does not match the key in the path ('c1')"},
      {"a repeated leaf-list value",
       {"schematest", "settings", method::patch, R"({"dns": ["8.8.8.8", "1.1.1.1", "8.8.8.8"]})"},
       "400 settings/dns[2]: repeats the value of settings/dns[0]"},
  });
}

TEST(validate, wants_mandatory_leaves_on_create_and_replace_only) {
  check({
      {"POST of a list entry",
       {"simpleforwarder", "actions|port1", method::post, "{}"},
       "400 actions/port1/action: missing mandatory leaf"},
      {"POST of entries",
       {"simpleforwarder", "actions", method::post, R"([{"inport": "p1", "action": "DROP"}, {"inport": "p2"}])"},
       "400 actions/p2/action: missing mandatory leaf"},
      {"PATCH of a list entry", {"simpleforwarder", "actions|port1", method::patch, "{}"}, R"({"inport": "port1"})"},
      {"PUT of a container",
       {"schematest", "settings", method::put, R"({"mtu": 1500})"},
       "400 settings/owner: missing mandatory leaf"},
      {"PATCH of a container", {"schematest", "settings", method::patch, R"({"mtu": 1500})"}, R"({"mtu": 1500})"},
      {"a non-presence container left out of a POST still needs its mandatory leaves",
       {"schematest", "", method::post, "{}"},
       "400 settings/owner: missing mandatory leaf"},
      {"a presence container only when present",
       {"schematest", "", method::post, R"({"settings": {"owner": "me"}, "trace": {}})"},
       "400 trace/level: missing mandatory leaf"},
      {"an action's input, always",
       {"schematest", "chain|INGRESS|append", method::post, R"({"src": "10.0.0.0/8"})"},
       "400 chain/INGRESS/append/action: missing mandatory leaf"},
  });
}

TEST(validate, refuses_methods_that_do_not_apply) {
  check({
      {"PUT of state", {"helloworld", "ports|port1|uuid", method::put, R"("x")"},
       "405 ports/port1/uuid: PUT does not apply to this leaf (allowed: GET)"},
      {"POST of a leaf", {"helloworld", "ports|port1|peer", method::post, R"("x")"},
       "405 ports/port1/peer: POST does not apply to this leaf (allowed: GET, PUT, PATCH)"},
      {"renaming a list entry", {"helloworld", "ports|port1|name", method::patch, R"("port2")"},
       "405 ports/port1/name: PATCH does not apply to this leaf (allowed: GET)"},
      {"PATCH of an action", {"schematest", "chain|INGRESS|append", method::patch, "{}"},
       "405 chain/INGRESS/append: PATCH does not apply to this action (allowed: POST)"},
  });
  EXPECT_THROW(validate(at("helloworld", ""), method::get, nullptr), std::invalid_argument);
}

TEST(validate, reports_every_problem_up_to_a_limit) {
  check({{"two problems in one body",
          {"helloworld", "", method::patch, R"({"action": "JUMP", "uuid": "u"})"},
          R"(400 action: Invalid enumeration value "JUMP" (allowed: DROP, SLOWPATH, FORWARD); uuid: read-only (config false))"}});
  std::string body = "{";
  for (int i = 0; i < 30; ++i) body += (i ? ",\"x" : "\"x") + std::to_string(i) + "\": 1";
  body += "}";
  try {
    run({"helloworld", "", method::patch, body});
    FAIL() << "accepted";
  } catch (const request_error& e) {
    ASSERT_EQ(e.problems().size(), 21u);
    EXPECT_EQ(e.problems()[0].text(), "x0: unknown member (allowed: name, type, loglevel, ports, action)");
    EXPECT_EQ(e.problems()[20].text(), "and 10 more problems");
  }
}

// The context is shared by every shard: libyang keeps each thread's errors apart.
TEST(validate, runs_on_many_threads_at_once) {
  constexpr int thread_count = 4;
  std::vector<std::thread> threads;
  std::vector<int> wrong(thread_count, 0);
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 200; ++i) {
        const bool valid = (i + t) % 2 == 0;
        const std::string got = outcome({"schematest", "settings", method::patch,
                                         valid ? R"({"mtu": 1400, "mac": "aa:bb:cc:dd:ee:ff"})" : R"({"mtu": 10})"});
        const std::string expected = valid ? R"({"mtu":1400,"mac":"aa:bb:cc:dd:ee:ff"})"
                                           : R"(400 settings/mtu: Unsatisfied range - value "10" is out of the allowed range)";
        if (got != expected) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, (std::vector<int>{0, 0, 0, 0}));
}

}  // namespace
}  // namespace pcn::schema
