#include <gtest/gtest.h>

#include <libyang/libyang.h>

#include <string>

#include "api/schema/context.hpp"
#include "api/schema/error.hpp"
#include "tests/unit/schema_fixture.hpp"

namespace pcn::schema {
namespace {

using testing::models;
using testing::service;

std::vector<std::string> names(const std::vector<std::unique_ptr<node>>& nodes) {
  std::vector<std::string> out;
  for (const auto& n : nodes) out.push_back(n->name);
  return out;
}

const node& find(const node& from, std::string_view path) {
  const node* n = &from;
  for (const auto& segment : testing::split(path)) {
    n = n->child(segment);
    if (!n) throw std::logic_error("no " + std::string(path));
  }
  return *n;
}

std::string load_error(std::vector<module_text> modules) {
  try {
    schema_context context(modules);
  } catch (const model_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(schema_context, embeds_the_base_modules) {
  std::vector<std::string> loaded;
  for (const auto& m : base_modules()) {
    loaded.emplace_back(m.name);
    EXPECT_TRUE(m.text.starts_with("module " + std::string(m.name) + " {")) << m.name;
  }
  EXPECT_EQ(loaded, (std::vector<std::string>{"polycube-base", "polycube-standard-base", "polycube-transparent-base"}));
}

TEST(schema_context, loads_the_services_and_reads_their_extensions) {
  std::vector<std::string> loaded;
  for (const auto& s : models().services()) loaded.push_back(s.info().name);
  EXPECT_EQ(loaded, (std::vector<std::string>{"helloworld", "transparenthelloworld", "simpleforwarder", "schematest"}));

  const service_info& hw = service("helloworld").info();
  EXPECT_EQ(hw.module, "helloworld");
  EXPECT_EQ(hw.kind, service_kind::standard);
  EXPECT_EQ(hw.description, "Helloworld Service");
  EXPECT_EQ(hw.version, "2.0");
  EXPECT_EQ(hw.min_kernel_version, "5.10.0");
  EXPECT_EQ(hw.cli_example, "polycubectl helloworld add hw0 action=FORWARD");
  EXPECT_EQ(service("transparenthelloworld").info().kind, service_kind::transparent);
  EXPECT_EQ(service("simpleforwarder").info().kind, service_kind::standard);
  EXPECT_EQ(service("schematest").info().cli_example, "");
  EXPECT_EQ(models().find("router"), nullptr);
}

TEST(schema_tree, follows_the_model_order_with_the_base_grouping_first) {
  const node& root = service("helloworld").root();
  EXPECT_TRUE(root.is_root());
  EXPECT_EQ(root.name, "helloworld");
  EXPECT_EQ(root.sys, nullptr);
  EXPECT_EQ(names(root.children),
            (std::vector<std::string>{"name", "uuid", "type", "service-name", "loglevel", "ports", "action"}));
  ASSERT_EQ(root.keys.size(), 1u);
  EXPECT_EQ(root.keys[0], root.child("name"));
  EXPECT_TRUE(root.child("name")->key);
  EXPECT_EQ(names(service("transparenthelloworld").root().children),
            (std::vector<std::string>{"name", "uuid", "type", "service-name", "loglevel", "parent", "ingress-action",
                                      "egress-action"}));
}

TEST(schema_tree, describes_lists_leaves_and_their_types) {
  const node& root = service("helloworld").root();
  const node& ports = find(root, "ports");
  EXPECT_EQ(ports.kind, node_kind::list);
  EXPECT_EQ(ports.description, "Entry of the ports table");
  EXPECT_EQ(names(ports.children), (std::vector<std::string>{"name", "uuid", "status", "peer", "tcubes"}));
  ASSERT_EQ(ports.keys.size(), 1u);
  EXPECT_EQ(ports.keys[0]->name, "name");
  EXPECT_TRUE(ports.keys[0]->key);
  EXPECT_TRUE(ports.keys[0]->mandatory);
  EXPECT_EQ(ports.schema_path(), "ports");
  EXPECT_EQ(find(root, "ports|peer").schema_path(), "ports/peer");
  EXPECT_EQ(find(root, "ports|peer").parent, &ports);

  const node& uuid = find(root, "ports|uuid");
  EXPECT_FALSE(uuid.config);
  EXPECT_TRUE(find(root, "ports|peer").config);
  EXPECT_EQ(find(root, "ports|tcubes").kind, node_kind::leaf_list);
  EXPECT_EQ(find(root, "ports|status").type->enums, (std::vector<std::string>{"UP", "DOWN"}));

  const node& action = find(root, "action");
  EXPECT_EQ(action.kind, node_kind::leaf);
  EXPECT_EQ(action.type->base, "enumeration");
  EXPECT_EQ(action.type->typedef_name, "");
  EXPECT_EQ(action.type->summary(), "enumeration (DROP | SLOWPATH | FORWARD)");
  EXPECT_EQ(action.default_value, "DROP");
  EXPECT_EQ(action.default_json, "DROP");
  EXPECT_FALSE(action.mandatory);

  const node& type = find(root, "type");
  EXPECT_EQ(type.type->typedef_name, "cube-type");
  EXPECT_EQ(type.type->summary(), "cube-type (TC | XDP_SKB | XDP_DRV)");
  EXPECT_EQ(type.default_value, "TC");
  EXPECT_EQ(find(root, "loglevel").type->typedef_name, "loglevel");
  EXPECT_EQ(find(root, "name").type->patterns.size(), 1u);
  EXPECT_EQ(find(root, "name").type->patterns[0].expr, "[a-zA-Z0-9_.\\-]{1,64}");
  EXPECT_EQ(find(service("transparenthelloworld").root(), "ingress-action").type->typedef_name, "action");
}

TEST(schema_tree, keeps_typedef_names_ranges_units_and_union_members) {
  const node& root = service("schematest").root();
  EXPECT_EQ(find(root, "settings|mtu").type->summary(), "uint16 (range 68..9000)");
  EXPECT_EQ(find(root, "settings|mtu").default_json, 1500);
  EXPECT_EQ(find(root, "settings|weight").type->range, "0.50..10.00");
  EXPECT_EQ(find(root, "settings|weight").type->fraction_digits, 2u);
  EXPECT_EQ(find(root, "settings|enabled").default_json, true);
  EXPECT_EQ(find(root, "settings|mac").type->summary(), "mac-address");
  EXPECT_EQ(find(root, "settings|mac").type->base, "string");
  EXPECT_EQ(find(root, "settings|load").type->summary(), "percent (range 0..100)");
  EXPECT_EQ(find(root, "settings|load").units, "percent");
  EXPECT_EQ(find(root, "settings|mode").type->summary(), "uint8 or enumeration (auto)");
  EXPECT_TRUE(find(root, "settings|owner").mandatory);
  EXPECT_TRUE(find(root, "settings|dns").user_ordered);
  EXPECT_EQ(find(root, "settings|dns").type->typedef_name, "ipv4-address");
  EXPECT_EQ(find(root, "route|network").type->typedef_name, "ipv4-prefix");
  // A leafref is described by its target's type.
  EXPECT_EQ(find(root, "route|interface").type->base, "string");
  EXPECT_EQ(find(root, "route|pathcost").type->summary(), "uint32 (range 1..65535)");
  EXPECT_EQ(find(root, "filter|port").type->summary(), "port-number (range 0..65535)");
}

TEST(schema_tree, orders_list_keys_and_flattens_choices) {
  const node& root = service("schematest").root();
  const node& route = find(root, "route");
  ASSERT_EQ(route.keys.size(), 2u);
  EXPECT_EQ(route.keys[0]->name, "network");
  EXPECT_EQ(route.keys[1]->name, "nexthop");
  EXPECT_EQ(names(find(root, "filter").children), (std::vector<std::string>{"port", "address"}));
  EXPECT_TRUE(find(root, "trace").presence);
  EXPECT_FALSE(find(root, "filter").presence);
  EXPECT_FALSE(find(root, "stats").config);
  EXPECT_FALSE(find(root, "stats|packets").config);
}

TEST(schema_tree, gives_actions_their_input_and_output) {
  const node& append = find(service("schematest").root(), "chain|append");
  EXPECT_EQ(append.kind, node_kind::action);
  EXPECT_EQ(append.description, "Adds a rule at the end of the chain");
  EXPECT_EQ(names(append.children), (std::vector<std::string>{"src", "action"}));
  EXPECT_TRUE(append.child("action")->mandatory);
  EXPECT_TRUE(append.child("src")->config);  // input: written by the client
  ASSERT_EQ(append.output.size(), 1u);
  EXPECT_EQ(append.output[0]->name, "id");
  EXPECT_FALSE(append.output[0]->config);
  EXPECT_EQ(names(find(service("schematest").root(), "chain").children),
            (std::vector<std::string>{"direction", "default", "rule", "append"}));
}

// Each node keeps its compiled libyang node; they must all be alive once every module is
// loaded (libyang recompiles earlier modules while later ones load).
TEST(schema_tree, points_at_live_compiled_nodes) {
  for (const auto& s : models().services()) {
    std::vector<const node*> todo{&s.root()};
    while (!todo.empty()) {
      const node* n = todo.back();
      todo.pop_back();
      if (n->sys) {
        EXPECT_EQ(n->name, n->sys->name);
        EXPECT_EQ(n->sys->module->compiled != nullptr, true);
      }
      for (const auto& c : n->children) todo.push_back(c.get());
      for (const auto& c : n->output) todo.push_back(c.get());
    }
  }
}

constexpr std::string_view minimal_service = R"(module m {
  yang-version 1.1;
  namespace "urn:m";
  prefix m;
  import polycube-base { prefix base; }
  import polycube-standard-base { prefix std; }
  base:service-name "m";
  uses std:standard-base-yang-module;
}
)";

TEST(schema_context, takes_any_prefix_for_the_base_modules) {
  schema_context context(std::vector<module_text>{{"m", minimal_service}});
  ASSERT_NE(context.find("m"), nullptr);
  EXPECT_EQ(context.find("m")->info().kind, service_kind::standard);
  EXPECT_EQ(context.find("m")->info().description, "");
}

TEST(schema_context, names_the_module_and_line_of_a_syntax_error) {
  const std::string text = "module broken {\n  yang-version 1.1;\n  namespace \"urn:b\";\n  prefix b;\n  leaf a { typo string; }\n}\n";
  EXPECT_EQ(load_error({{"broken", text}}),
            "load YANG module broken: Invalid character sequence \"typo\", expected a keyword (line 5)");
}

TEST(schema_context, names_the_module_and_node_of_a_compile_error) {
  const std::string text = "module bad {\n  yang-version 1.1;\n  namespace \"urn:b\";\n  prefix b;\n  leaf a { type strin; }\n}\n";
  EXPECT_EQ(load_error({{"bad", text}}), "load YANG module bad: Referenced type \"strin\" not found (at /bad:a)");
}

TEST(schema_context, refuses_a_module_without_a_base_grouping) {
  const std::string text = "module lone {\n  yang-version 1.1;\n  namespace \"urn:l\";\n  prefix l;\n  leaf a { type string; }\n}\n";
  EXPECT_EQ(load_error({{"lone", text}}),
            "load YANG module lone: a service must use polycube-standard-base:standard-base-yang-module or "
            "polycube-transparent-base:transparent-base-yang-module at its top level");
}

TEST(schema_context, refuses_a_module_without_a_service_name) {
  std::string text(minimal_service);
  text.erase(text.find("  base:service-name"), std::string_view("  base:service-name \"m\";\n").size());
  EXPECT_EQ(load_error({{"m", text}}),
            "load YANG module m: missing polycube-base:service-name, the service's name in REST paths");
}

TEST(schema_context, refuses_a_text_that_declares_another_module) {
  EXPECT_EQ(load_error({{"other", minimal_service}}), "load YANG module other: the text declares module m");
}

TEST(schema_context, refuses_two_modules_with_one_service_name) {
  std::string twin(minimal_service);
  twin.replace(twin.find("module m"), 8, "module twin");
  twin.replace(twin.find("urn:m"), 5, "urn:twin");
  EXPECT_EQ(load_error({{"m", minimal_service}, {"twin", twin}}),
            "load YANG module twin: service m is already defined by another module");
}

TEST(schema_context, reads_no_module_from_the_file_system) {
  std::string text(minimal_service);
  text.insert(text.find("  base:service-name"), "  import nothere { prefix n; }\n");
  EXPECT_EQ(load_error({{"m", text}}).rfind("load YANG module m: ", 0), 0u);
  EXPECT_NE(load_error({{"m", text}}).find("nothere"), std::string::npos);
}

}  // namespace
}  // namespace pcn::schema
