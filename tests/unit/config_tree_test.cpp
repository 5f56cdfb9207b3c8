// The REST edits on a cube's configuration tree: what POST, PUT, PATCH and DELETE do at
// each kind of target, and the errors that leave the tree unchanged.
#include "api/config_tree.hpp"

#include <boost/json/serialize.hpp>

#include "api/schema/validate.hpp"
#include "schema_fixture.hpp"

namespace pcn::api {
namespace {

using schema::method;
using schema::request_error;
using schema::testing::at;
using schema::testing::json;

// Validates `body` for the target as the REST layer does, then edits.
void edit(json::object& cube, std::string_view segments, method m, std::string_view body = "") {
  auto target = at("schematest", segments);
  json::value v = body.empty() ? json::value(nullptr) : json(body);
  if (m != method::del) v = schema::validate(target, m, v);
  edit_config(cube, target, m, v);
}

unsigned status_of(json::object& cube, std::string_view segments, method m, std::string_view body = "") {
  try {
    edit(cube, segments, m, body);
  } catch (const request_error& e) {
    return e.status();
  }
  return 0;
}

json::object base() {
  return json(R"({"name":"c1","settings":{"owner":"me","mtu":1500},
                 "route":[{"network":"10.0.0.0/24","nexthop":"10.1.0.1","pathcost":5}]})")
      .get_object();
}

TEST(config_tree, post_adds_a_list_entry_with_its_path_keys) {
  auto cube = base();
  edit(cube, "route|10.0.3.0/24|10.1.0.2", method::post, R"({"pathcost":7})");
  const auto& routes = cube["route"].as_array();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[1], json(R"({"network":"10.0.3.0/24","nexthop":"10.1.0.2","pathcost":7})"));
}

TEST(config_tree, post_of_an_existing_entry_is_a_conflict_and_changes_nothing) {
  auto cube = base();
  auto before = cube;
  EXPECT_EQ(status_of(cube, "route|10.0.0.0/24|10.1.0.1", method::post, "{}"), 409u);
  EXPECT_EQ(cube, before);
}

TEST(config_tree, patch_merges_into_an_entry_and_requires_it) {
  auto cube = base();
  edit(cube, "route|10.0.0.0/24|10.1.0.1", method::patch, R"({"pathcost":9})");
  EXPECT_EQ(cube["route"].as_array()[0].as_object()["pathcost"], 9);
  auto before = cube;
  EXPECT_EQ(status_of(cube, "route|10.9.0.0/24|10.1.0.1", method::patch, R"({"pathcost":9})"), 404u);
  EXPECT_EQ(cube, before);
}

TEST(config_tree, put_replaces_an_entry_or_creates_it) {
  auto cube = base();
  edit(cube, "route|10.0.0.0/24|10.1.0.1", method::put, "{}");
  EXPECT_EQ(cube["route"].as_array()[0], json(R"({"network":"10.0.0.0/24","nexthop":"10.1.0.1"})"));
  edit(cube, "route|10.0.5.0/24|10.1.0.1", method::put, "{}");
  EXPECT_EQ(cube["route"].as_array().size(), 2u);
}

TEST(config_tree, delete_removes_an_entry_and_404s_a_missing_one) {
  auto cube = base();
  edit(cube, "route|10.0.0.0/24|10.1.0.1", method::del);
  EXPECT_TRUE(cube["route"].as_array().empty());
  EXPECT_EQ(status_of(cube, "route|10.0.0.0/24|10.1.0.1", method::del), 404u);
}

TEST(config_tree, post_of_a_list_adds_every_entry_or_none) {
  auto cube = base();
  auto before = cube;
  EXPECT_EQ(status_of(cube, "route", method::post,
                      R"([{"network":"10.0.7.0/24","nexthop":"10.1.0.1"},{"network":"10.0.0.0/24","nexthop":"10.1.0.1"}])"),
            409u);
  EXPECT_EQ(cube, before);
  edit(cube, "route", method::post, R"([{"network":"10.0.7.0/24","nexthop":"10.1.0.1"}])");
  EXPECT_EQ(cube["route"].as_array().size(), 2u);
}

TEST(config_tree, patch_of_a_container_merges_nested_members) {
  auto cube = base();
  edit(cube, "settings", method::patch, R"({"limits":{"rate":5},"mtu":9000})");
  EXPECT_EQ(cube["settings"], json(R"({"owner":"me","mtu":9000,"limits":{"rate":5}})"));
}

TEST(config_tree, patch_of_the_cube_merges_lists_by_key) {
  auto cube = base();
  edit(cube, "", method::patch,
       R"({"route":[{"network":"10.0.0.0/24","nexthop":"10.1.0.1","pathcost":2},{"network":"10.0.8.0/24","nexthop":"10.1.0.1"}]})");
  const auto& routes = cube["route"].as_array();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].as_object().at("pathcost"), 2);
  EXPECT_EQ(cube["name"], "c1");
}

TEST(config_tree, leaves_are_set_and_mandatory_ones_kept) {
  auto cube = base();
  edit(cube, "settings|mtu", method::put, "1400");
  EXPECT_EQ(cube["settings"].as_object()["mtu"], 1400);
  edit(cube, "settings|mtu", method::del);
  EXPECT_FALSE(cube["settings"].as_object().contains("mtu"));
  EXPECT_EQ(status_of(cube, "settings|owner", method::del), 400u);
}

TEST(config_tree, leaf_lists_are_replaced) {
  auto cube = base();
  edit(cube, "settings|dns", method::put, R"(["8.8.8.8","1.1.1.1"])");
  edit(cube, "settings|dns", method::patch, R"(["9.9.9.9"])");
  EXPECT_EQ(cube["settings"].as_object()["dns"], json(R"(["9.9.9.9"])"));
}

TEST(config_tree, finds_what_a_path_designates) {
  auto cube = base();
  EXPECT_EQ(*find_in_config(cube, at("schematest", "route|10.0.0.0/24|10.1.0.1|pathcost")), 5);
  EXPECT_EQ(find_in_config(cube, at("schematest", "route|10.0.9.0/24|10.1.0.1")), nullptr);
  EXPECT_EQ(find_in_config(cube, at("schematest", "settings|limits")), nullptr);
}

TEST(config_tree, config_only_drops_state) {
  auto view = json(R"({"name":"c1","stats":{"packets":3},"settings":{"owner":"me"}})").get_object();
  auto c = config_only(at("schematest", "").service->root(), view);
  EXPECT_FALSE(c.contains("stats"));
  EXPECT_TRUE(c.contains("settings"));
}

}  // namespace
}  // namespace pcn::api
