#include "api/schema/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tests/unit/schema_fixture.hpp"

namespace pcn::schema {
namespace {

using testing::json;

std::vector<std::string> methods_of(const boost::json::object& doc, std::string_view path) {
  std::vector<std::string> out;
  for (const auto& [m, op] : doc.at("paths").at(path).as_object()) out.emplace_back(m);
  return out;
}

TEST(openapi, has_a_path_for_every_node_with_its_methods) {
  const boost::json::object doc = openapi(testing::service("helloworld"));
  EXPECT_EQ(doc.at("openapi"), "3.0.3");
  EXPECT_EQ(doc.at("info").at("title"), "helloworld");
  EXPECT_EQ(doc.at("info").at("version"), "2.0");
  EXPECT_EQ(doc.at("servers"), json(R"([{"url": "/polycube/v1"}])"));

  using v = std::vector<std::string>;
  EXPECT_EQ(methods_of(doc, "/helloworld/"), (v{"get"}));
  EXPECT_EQ(methods_of(doc, "/helloworld/{name}/"), (v{"get", "post", "put", "patch", "delete"}));
  EXPECT_EQ(methods_of(doc, "/helloworld/{name}/name/"), (v{"get"}));
  EXPECT_EQ(methods_of(doc, "/helloworld/{name}/uuid/"), (v{"get"}));
  EXPECT_EQ(methods_of(doc, "/helloworld/{name}/action/"), (v{"get", "put", "patch"}));
  EXPECT_EQ(methods_of(doc, "/helloworld/{name}/ports/"), (v{"get", "post", "put", "patch", "delete"}));
  EXPECT_EQ(methods_of(doc, "/helloworld/{name}/ports/{ports_name}/"), (v{"get", "post", "put", "patch", "delete"}));
  EXPECT_EQ(methods_of(doc, "/helloworld/{name}/ports/{ports_name}/peer/"), (v{"get", "put", "patch"}));
  EXPECT_EQ(methods_of(doc, "/helloworld/{name}/ports/{ports_name}/tcubes/"), (v{"get"}));
  EXPECT_EQ(doc.at("paths").as_object().size(), 15u);
}

TEST(openapi, derives_parameters_and_schemas_from_the_nodes) {
  const boost::json::object doc = openapi(testing::service("helloworld"));
  const auto& peer = doc.at("paths").at("/helloworld/{name}/ports/{ports_name}/peer/").at("patch");
  EXPECT_EQ(peer.at("operationId"), "patch_leaf_helloworld_ports_peer");
  EXPECT_EQ(peer.at("parameters").at(1), json(R"({"name": "ports_name", "in": "path", "required": true,
      "description": "Port Name", "schema": {"type": "string", "pattern": "[a-zA-Z0-9_.\\-]{1,64}"}})"));
  EXPECT_EQ(peer.at("requestBody").at("content").at("application/json").at("schema").at("type"), "string");

  const auto& cube = doc.at("components").at("schemas").at("helloworld");
  EXPECT_EQ(cube.at("required"), json(R"(["name"])"));
  EXPECT_EQ(cube.at("properties").at("action"), json(R"j({"type": "string",
      "enum": ["DROP", "SLOWPATH", "FORWARD"], "default": "DROP",
      "description": "Action performed on the received packet (i.e., DROP, SLOWPATH, or FORWARD; default: DROP)"})j"));
  EXPECT_EQ(cube.at("properties").at("uuid").at("readOnly"), true);
  EXPECT_EQ(cube.at("properties").at("type").at("x-yang-type"), "cube-type");
  EXPECT_EQ(cube.at("properties").at("ports").at("items"), json(R"({"$ref": "#/components/schemas/helloworld.ports"})"));
  EXPECT_EQ(doc.at("components").at("schemas").at("helloworld.ports").at("properties").at("tcubes").at("type"), "array");
  EXPECT_EQ(doc.at("paths").at("/helloworld/{name}/").at("get").at("responses").at("200").at("content")
                .at("application/json").at("schema"),
            json(R"({"$ref": "#/components/schemas/helloworld"})"));
  // It is valid JSON once written out.
  EXPECT_EQ(boost::json::parse(boost::json::serialize(doc)), doc);
}

TEST(openapi, posts_to_actions_with_their_input_and_output) {
  const boost::json::object doc = openapi(testing::service("schematest"));
  EXPECT_EQ(methods_of(doc, "/schematest/{name}/chain/{chain_direction}/append/"), (std::vector<std::string>{"post"}));
  const auto& post = doc.at("paths").at("/schematest/{name}/chain/{chain_direction}/append/").at("post");
  EXPECT_EQ(post.at("requestBody").at("content").at("application/json").at("schema"),
            json(R"({"$ref": "#/components/schemas/schematest.chain.append.input"})"));
  EXPECT_EQ(post.at("responses").at("200").at("content").at("application/json").at("schema"),
            json(R"({"$ref": "#/components/schemas/schematest.chain.append.output"})"));
  EXPECT_EQ(doc.at("components").at("schemas").at("schematest.chain.append.input").at("required"), json(R"(["action"])"));

  const auto& entry = doc.at("paths").at("/schematest/{name}/route/{route_network}/{route_nexthop}/");
  EXPECT_EQ(entry.at("get").at("parameters").as_array().size(), 3u);
  EXPECT_EQ(entry.at("get").at("parameters").at(1).at("schema").at("x-yang-type"), "ipv4-prefix");
  EXPECT_TRUE(doc.at("paths").as_object().contains("/schematest/{name}/chain/{chain_direction}/rule/{rule_id}/action/"));

  const auto& settings = doc.at("components").at("schemas").at("schematest.settings").at("properties");
  EXPECT_EQ(settings.at("mtu"), json(R"({"type": "integer", "format": "int32", "minimum": 0,
      "x-yang-range": "68..9000", "default": 1500, "description": "Maximum transmission unit"})"));
  EXPECT_EQ(settings.at("mode").at("anyOf").as_array().size(), 2u);
  EXPECT_EQ(settings.at("weight").at("type"), "number");
  EXPECT_EQ(settings.at("weight").at("multipleOf"), 0.01);
  EXPECT_EQ(settings.at("dns").at("items").at("x-yang-type"), "ipv4-address");
  EXPECT_EQ(settings.at("dns").at("x-yang-ordered-by"), "user");
  EXPECT_EQ(doc.at("components").at("schemas").at("schematest.stats").at("readOnly"), true);
  EXPECT_EQ(methods_of(doc, "/schematest/{name}/stats/recent/"), (std::vector<std::string>{"get"}));
  EXPECT_FALSE(doc.at("paths").as_object().contains("/schematest/{name}/stats/recent/at/"));
}

}  // namespace
}  // namespace pcn::schema
