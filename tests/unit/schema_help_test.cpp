#include "api/schema/help.hpp"

#include <gtest/gtest.h>

#include "tests/unit/schema_fixture.hpp"

namespace pcn::schema {
namespace {

using testing::at;
using testing::json;

std::vector<std::string> names(const boost::json::value& params) {
  std::vector<std::string> out;
  for (const auto& p : params.as_array()) out.emplace_back(p.at("name").as_string());
  return out;
}

TEST(help, lists_the_keywords_of_the_cube_and_its_commands) {
  boost::json::object h = help(at("helloworld", "", "hw0"));
  EXPECT_EQ(h["service"], "helloworld");
  EXPECT_EQ(h["kind"], "container");
  EXPECT_EQ(h["path"], "");
  EXPECT_EQ(h["description"], "Helloworld Service");
  EXPECT_EQ(h["commands"], json(R"(["show", "set"])"));
  EXPECT_EQ(h["actions"], json("[]"));
  EXPECT_EQ(h["example"], "polycubectl helloworld add hw0 action=FORWARD");
  // The name is in the path already.
  EXPECT_EQ(names(h["params"]), (std::vector<std::string>{"uuid", "type", "service-name", "loglevel", "ports", "action"}));
}

TEST(help, describes_each_keyword_with_its_type) {
  boost::json::object h = help(at("helloworld", ""));
  EXPECT_EQ(h["params"].at(5), json(R"j({
      "name": "action", "kind": "leaf", "type": "enumeration (DROP | SLOWPATH | FORWARD)",
      "description": "Action performed on the received packet (i.e., DROP, SLOWPATH, or FORWARD; default: DROP)",
      "config": true, "mandatory": false, "key": false, "base": "enumeration",
      "enum": ["DROP", "SLOWPATH", "FORWARD"], "default": "DROP"})j"));
  EXPECT_EQ(h["params"].at(0).at("config"), false);  // uuid
  EXPECT_EQ(h["params"].at(1).at("typedef"), "cube-type");
  EXPECT_EQ(h["params"].at(4), json(R"({"name": "ports", "kind": "list", "type": "list",
      "description": "Entry of the ports table", "config": true, "mandatory": false, "key": false})"));
}

TEST(help, gives_a_list_its_keys_and_what_add_takes) {
  boost::json::object h = help(at("helloworld", "ports"));
  EXPECT_EQ(h["kind"], "list");
  EXPECT_EQ(h["commands"], json(R"(["add", "del", "show"])"));
  EXPECT_EQ(names(h["keys"]), (std::vector<std::string>{"name"}));
  EXPECT_EQ(h["keys"].at(0).at("key"), true);
  EXPECT_EQ(names(h["params"]), (std::vector<std::string>{"uuid", "status", "peer", "tcubes"}));
  EXPECT_FALSE(h.contains("example"));

  boost::json::object route = help(at("schematest", "route"));
  EXPECT_EQ(names(route["keys"]), (std::vector<std::string>{"network", "nexthop"}));
  EXPECT_EQ(route["keys"].at(0).at("type"), "ipv4-prefix");
}

TEST(help, offers_set_and_show_on_an_entry_and_names_its_actions) {
  boost::json::object h = help(at("schematest", "chain|INGRESS"));
  EXPECT_EQ(h["kind"], "list-entry");
  EXPECT_EQ(h["path"], "chain/INGRESS");
  EXPECT_EQ(h["commands"], json(R"(["show", "set"])"));
  EXPECT_EQ(h["actions"], json(R"([{"name": "append", "description": "Adds a rule at the end of the chain"}])"));
  EXPECT_EQ(names(h["params"]), (std::vector<std::string>{"default", "rule"}));
}

TEST(help, describes_a_leaf_state_and_an_action) {
  boost::json::object peer = help(at("helloworld", "ports|p1|peer"));
  EXPECT_EQ(peer["commands"], json(R"(["show", "set"])"));
  EXPECT_EQ(names(peer["params"]), (std::vector<std::string>{"peer"}));

  EXPECT_EQ(help(at("helloworld", "ports|p1|uuid"))["commands"], json(R"(["show"])"));
  EXPECT_EQ(help(at("schematest", "stats"))["commands"], json(R"(["show"])"));

  boost::json::object append = help(at("schematest", "chain|INGRESS|append"));
  EXPECT_EQ(append["kind"], "action");
  EXPECT_EQ(append["commands"], json("[]"));
  EXPECT_EQ(names(append["params"]), (std::vector<std::string>{"src", "action"}));
  EXPECT_EQ(append["params"].at(1).at("mandatory"), true);
  EXPECT_EQ(names(append["output"]), (std::vector<std::string>{"id"}));

  boost::json::object mtu = help(at("schematest", "settings"))["params"].at(0).as_object();
  EXPECT_EQ(mtu["type"], "uint16 (range 68..9000)");
  EXPECT_EQ(mtu["default"], "1500");
  EXPECT_EQ(help(at("schematest", "settings"))["params"].at(5).at("units"), "percent");
}

TEST(service_help, treats_the_cubes_as_a_list_named_by_name) {
  boost::json::object h = service_help(testing::service("transparenthelloworld"));
  EXPECT_EQ(h["kind"], "service");
  EXPECT_EQ(h["service-kind"], "transparent");
  EXPECT_EQ(h["version"], "2.0");
  EXPECT_EQ(h["commands"], json(R"(["add", "del", "show"])"));
  EXPECT_EQ(names(h["keys"]), (std::vector<std::string>{"name"}));
  EXPECT_EQ(names(h["params"]),
            (std::vector<std::string>{"uuid", "type", "service-name", "loglevel", "parent", "ingress-action",
                                      "egress-action"}));
  EXPECT_EQ(h["example"], "polycubectl transparenthelloworld add th0 ingress-action=DROP");
}

}  // namespace
}  // namespace pcn::schema
