#include <gtest/gtest.h>

#include "api/schema/path.hpp"
#include "tests/unit/schema_fixture.hpp"

namespace pcn::schema {
namespace {

using testing::at;
using testing::error_of;
using testing::json;

std::vector<std::string> methods(const resolved_path& r) {
  std::vector<std::string> out;
  for (method m : allowed_methods(r)) out.emplace_back(method_name(m));
  return out;
}

TEST(resolve, takes_no_segments_as_the_cube_itself) {
  resolved_path r = at("helloworld", "", "hw0");
  EXPECT_EQ(r.service, &testing::service("helloworld"));
  EXPECT_EQ(r.target, &testing::service("helloworld").root());
  EXPECT_EQ(r.kind, target_kind::container);
  EXPECT_EQ(r.path, "");
  ASSERT_EQ(r.keys.size(), 1u);
  EXPECT_EQ(r.keys[0].list, "");
  EXPECT_EQ(r.keys[0].name, "name");
  EXPECT_EQ(r.keys[0].value, "hw0");
  EXPECT_EQ(r.keys[0].json, "hw0");
}

TEST(resolve, tells_a_whole_list_from_an_entry_and_its_leaves) {
  resolved_path list = at("helloworld", "ports");
  EXPECT_EQ(list.kind, target_kind::list);
  EXPECT_EQ(list.target->name, "ports");
  EXPECT_EQ(list.keys.size(), 1u);

  resolved_path entry = at("helloworld", "ports|port1");
  EXPECT_EQ(entry.kind, target_kind::list_entry);
  EXPECT_EQ(entry.target->name, "ports");
  EXPECT_EQ(entry.path, "ports/port1");
  ASSERT_EQ(entry.keys.size(), 2u);
  EXPECT_EQ(entry.keys[1].list, "ports");
  EXPECT_EQ(entry.keys[1].name, "name");
  EXPECT_EQ(entry.keys[1].value, "port1");

  resolved_path peer = at("helloworld", "ports|port1|peer");
  EXPECT_EQ(peer.kind, target_kind::leaf);
  EXPECT_EQ(peer.target->name, "peer");
  EXPECT_EQ(peer.path, "ports/port1/peer");
  EXPECT_EQ(peer.keys.size(), 2u);

  EXPECT_EQ(at("helloworld", "ports|port1|tcubes").kind, target_kind::leaf_list);
  EXPECT_EQ(at("helloworld", "action").kind, target_kind::leaf);
  EXPECT_EQ(at("schematest", "settings").kind, target_kind::container);
  EXPECT_EQ(at("schematest", "settings|limits|rate").kind, target_kind::leaf);
}

TEST(resolve, takes_every_key_of_a_list_and_keys_holding_slashes) {
  resolved_path r = at("schematest", "route|10.0.3.0/24|10.1.0.2|pathcost");
  EXPECT_EQ(r.kind, target_kind::leaf);
  EXPECT_EQ(r.path, "route/10.0.3.0/24/10.1.0.2/pathcost");
  ASSERT_EQ(r.keys.size(), 3u);
  EXPECT_EQ(r.keys[1].name, "network");
  EXPECT_EQ(r.keys[1].value, "10.0.3.0/24");
  EXPECT_EQ(r.keys[2].name, "nexthop");
  EXPECT_EQ(r.keys[2].list, "route");
}

TEST(resolve, goes_through_nested_lists_to_actions_and_normalises_keys) {
  resolved_path rule = at("schematest", "chain|INGRESS|rule|5|action");
  EXPECT_EQ(rule.kind, target_kind::leaf);
  ASSERT_EQ(rule.keys.size(), 3u);
  EXPECT_EQ(rule.keys[1].list, "chain");
  EXPECT_EQ(rule.keys[1].json, "INGRESS");
  EXPECT_EQ(rule.keys[2].list, "chain/rule");
  EXPECT_EQ(rule.keys[2].value, "5");
  EXPECT_EQ(rule.keys[2].json, 5);

  resolved_path append = at("schematest", "chain|EGRESS|append");
  EXPECT_EQ(append.kind, target_kind::action);
  EXPECT_EQ(append.path, "chain/EGRESS/append");
}

TEST(resolve, names_an_unknown_segment_and_what_was_expected) {
  unsigned status = 0;
  EXPECT_EQ(error_of([] { at("helloworld", "prots"); }, &status),
            "unknown segment 'prots' (expected one of: name, uuid, type, service-name, loglevel, ports, action)");
  EXPECT_EQ(status, 404u);
  EXPECT_EQ(error_of([] { at("helloworld", "ports|port1|bar"); }),
            "ports/port1: unknown segment 'bar' (expected one of: name, uuid, status, peer, tcubes)");
  EXPECT_EQ(error_of([] { at("schematest", "chain|INGRESS|append|x"); }),
            "chain/INGRESS/append: unknown segment 'x': nothing is below action append");
}

TEST(resolve, refuses_segments_below_a_leaf) {
  unsigned status = 0;
  EXPECT_EQ(error_of([] { at("helloworld", "ports|port1|peer|veth1"); }, &status),
            "ports/port1/peer: unknown segment 'veth1': nothing is below leaf peer");
  EXPECT_EQ(status, 404u);
  EXPECT_EQ(error_of([] { at("helloworld", "ports|port1|tcubes|x"); }),
            "ports/port1/tcubes: unknown segment 'x': nothing is below leaf-list tcubes");
}

TEST(resolve, wants_all_the_keys_of_a_list_or_none) {
  unsigned status = 0;
  EXPECT_EQ(error_of([] { at("schematest", "route|10.0.3.0/24"); }, &status),
            "route: list route needs 2 keys (network, nexthop) after it, got 1");
  EXPECT_EQ(status, 404u);
  EXPECT_EQ(at("schematest", "route").kind, target_kind::list);
  EXPECT_EQ(at("schematest", "stats|recent").kind, target_kind::list);
  EXPECT_EQ(error_of([] { at("schematest", "stats|recent|at"); }),
            "stats/recent: unknown segment 'at': list recent has no keys");
}

TEST(resolve, checks_key_values_against_their_types) {
  unsigned status = 0;
  EXPECT_EQ(error_of([] { at("schematest", "chain|SIDEWAYS"); }, &status),
            "chain/SIDEWAYS: invalid direction 'SIDEWAYS': Invalid enumeration value \"SIDEWAYS\" (allowed: INGRESS, "
            "EGRESS)");
  EXPECT_EQ(status, 400u);
  EXPECT_EQ(error_of([] { at("schematest", "chain|INGRESS|rule|five"); }),
            "chain/INGRESS/rule/five: invalid id 'five': Invalid type uint32 value \"five\"");
  EXPECT_EQ(error_of([] { at("helloworld", "", "hw 0"); }),
            "invalid name 'hw 0': Unsatisfied pattern - \"hw 0\" does not conform to \"[a-zA-Z0-9_.\\-]{1,64}\"");
  // A key with a NUL (a %00 in the URL) never reaches libyang (see the validate test); the
  // message spells it \0.
  using namespace std::string_literals;
  EXPECT_EQ(error_of([] { at("schematest", "chain|INGRESS\0"s); }, &status),
            R"(chain/INGRESS\0: invalid direction 'INGRESS\0': a value may not hold a NUL character (U+0000))");
  EXPECT_EQ(status, 400u);
}

TEST(allowed_methods, follow_the_kind_of_target_and_config) {
  using v = std::vector<std::string>;
  EXPECT_EQ(methods(at("helloworld", "")), (v{"GET", "POST", "PUT", "PATCH", "DELETE"}));
  EXPECT_EQ(methods(at("helloworld", "ports")), (v{"GET", "POST", "PUT", "PATCH", "DELETE"}));
  EXPECT_EQ(methods(at("helloworld", "ports|p1")), (v{"GET", "POST", "PUT", "PATCH", "DELETE"}));
  EXPECT_EQ(methods(at("helloworld", "ports|p1|peer")), (v{"GET", "PUT", "PATCH"}));
  EXPECT_EQ(methods(at("helloworld", "ports|p1|name")), (v{"GET"}));
  EXPECT_EQ(methods(at("helloworld", "name")), (v{"GET"}));
  EXPECT_EQ(methods(at("helloworld", "ports|p1|uuid")), (v{"GET"}));
  EXPECT_EQ(methods(at("helloworld", "ports|p1|tcubes")), (v{"GET"}));
  EXPECT_EQ(methods(at("schematest", "settings")), (v{"GET", "PUT", "PATCH"}));
  EXPECT_EQ(methods(at("schematest", "settings|dns")), (v{"GET", "PUT", "PATCH"}));
  EXPECT_EQ(methods(at("schematest", "trace")), (v{"GET", "POST", "PUT", "PATCH", "DELETE"}));
  EXPECT_EQ(methods(at("schematest", "stats")), (v{"GET"}));
  EXPECT_EQ(methods(at("schematest", "chain|INGRESS|append")), (v{"POST"}));
}

}  // namespace
}  // namespace pcn::schema
