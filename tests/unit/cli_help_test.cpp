// What polycubectl prints for `?` and offers for completion, from the help documents the
// daemon's schema layer really produces (api/schema/help.hpp) for real models.
#include "cli/help.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api/schema/context.hpp"
#include "api/schema/help.hpp"
#include "api/schema/path.hpp"
#include "cli_help_test_yang.hpp"

namespace pcn::cli {
namespace {

namespace json = boost::json;

const schema::service_schema& service(std::string_view name) {
  static const schema::schema_context models(schema::embedded::cli_help_test());
  return *models.find(name);
}

// The OPTIONS document of a path below a cube (words separated by '|': keys may hold '/').
json::value doc(std::string_view service_name, std::string_view path = {}) {
  std::vector<std::string> segments;
  for (size_t start = 0; start < path.size();) {
    size_t bar = path.find('|', start);
    segments.emplace_back(path.substr(start, bar - start));
    start = bar == std::string_view::npos ? path.size() : bar + 1;
  }
  return schema::help(schema::resolve(service(service_name), "c1", segments));
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    out.push_back(text.substr(start, nl - start));
    start = nl == std::string::npos ? text.size() : nl + 1;
  }
  return out;
}

bool has_line(const std::string& text, std::string_view line) {
  for (const auto& l : lines(text))
    if (l == line) return true;
  return false;
}

using strings = std::vector<std::string>;

TEST(cli_help, lists_the_commands_keywords_and_example_of_a_cube) {
  std::string text = help_text(doc("helloworld"), command::none, {"hw0"});
  EXPECT_EQ(lines(text)[0], "Helloworld Service");
  EXPECT_EQ(lines(text)[2].substr(0, 30), "Keyword        Type           ");
  EXPECT_TRUE(has_line(text, " show           command                                                         "
                             "Show an entry or a list [-normal | -brief | -verbose | -json | -yaml | -hide=keys]"));
  EXPECT_TRUE(has_line(text, " set            command                                                         Set a value"));
  EXPECT_TRUE(has_line(text, " ports          list                                                            Entry of the ports table"));
  // The type names the enumeration; a default the description does not give is added.
  EXPECT_TRUE(has_line(text, " loglevel       loglevel (TRACE | DEBUG | INFO | WARN | ERR | CRITICAL | OFF)   Logging level "
                             "of the cube (TRACE, DEBUG, INFO, WARN, ERR, CRITICAL, OFF) (default: INFO)"));
  EXPECT_TRUE(has_line(text, " action         enumeration (DROP | SLOWPATH | FORWARD)                         Action performed "
                             "on the received packet (i.e., DROP, SLOWPATH, or FORWARD; default: DROP)"));
  EXPECT_TRUE(text.ends_with("\n\nExample:\n polycubectl helloworld add hw0 action=FORWARD\n")) << text;
}

TEST(cli_help, add_lists_the_keys_then_the_parameters) {
  EXPECT_EQ(help_text(doc("helloworld", "ports"), command::add, {"hw0", "ports"}),
            "Keyword      Type     Description\n"
            " <name>       string   Port Name\n"
            "\n"
            "Other parameters:\n"
            " peer=value   string   Peer name, such as a network interface (e.g., 'veth0') or another cube (e.g., 'br1:port2')\n"
            "\n"
            "Example:\n"
            " polycubectl hw0 ports add <name>\n");
  std::string cube = help_text(schema::service_help(service("helloworld")), command::add, {"helloworld"});
  EXPECT_TRUE(has_line(cube, " <name>           string                                                          Name of the cube"));
  EXPECT_TRUE(has_line(cube, "Other parameters:"));
  EXPECT_FALSE(has_line(cube, " uuid=value")) << "state is not given at creation";
  EXPECT_EQ(lines(cube).back(), " polycubectl helloworld add <name>");

  std::string route = help_text(doc("schematest", "route"), command::add, {"c1", "route"});
  EXPECT_EQ(lines(route).at(1), " <network>         ipv4-prefix               Destination network");
  EXPECT_EQ(lines(route).at(2), " <nexthop>         ipv4-address              Next hop");
  EXPECT_EQ(lines(route).back(), " polycubectl c1 route add <network> <nexthop>");
}

TEST(cli_help, add_puts_mandatory_parameters_first_and_names_them_in_the_example) {
  std::string text = help_text(doc("schematest", "chain|INGRESS|rule"), command::add, {"c1", "chain", "INGRESS", "rule"});
  EXPECT_EQ(lines(text).at(1).substr(0, 6), " <id> ");
  EXPECT_EQ(lines(text).at(2).substr(0, 14), " action=value ");
  EXPECT_EQ(lines(text).at(4), "Other parameters:");
  EXPECT_EQ(lines(text).at(5).substr(0, 11), " src=value ");
  EXPECT_TRUE(has_line(text, " polycubectl c1 chain INGRESS rule add <id> action=<enumeration (DROP | FORWARD)>"));
}

TEST(cli_help, set_lists_the_writable_leaves) {
  std::string text = help_text(doc("schematest", "settings"), command::set, {"c1", "settings"});
  EXPECT_EQ(lines(text).at(0), "Keyword         Type                            Description");
  EXPECT_EQ(lines(text).at(1), " mtu=value       uint16 (range 68..9000)         Maximum transmission unit (default: 1500)");
  EXPECT_EQ(lines(text).at(3), " enabled=value   boolean                         default: true");
  EXPECT_TRUE(has_line(text, " dns=value       ipv4-address"));
  EXPECT_FALSE(has_line(text, " limits=value")) << "containers are not set by one value";
  // A leaf is set by its value alone.
  EXPECT_TRUE(lines(help_text(doc("helloworld", "action"), command::set, {"hw0", "action"}))
                  .at(1)
                  .starts_with(" <value>   enumeration (DROP | SLOWPATH | FORWARD)   Action performed"));
}

TEST(cli_help, show_and_del_name_the_keys) {
  EXPECT_EQ(help_text(doc("schematest", "route"), command::del, {"c1", "route"}),
            "Keyword     Type           Description\n"
            " <network>   ipv4-prefix    Destination network\n"
            " <nexthop>   ipv4-address   Next hop\n"
            "\n"
            "Example:\n"
            " polycubectl c1 route del <network> <nexthop>\n");
  std::string show = help_text(doc("schematest", "route"), command::show, {"c1", "route"});
  EXPECT_EQ(lines(show).at(1), " <network>   ipv4-prefix               Destination network");
  EXPECT_EQ(lines(show).at(4), " pathcost    uint32 (range 1..65535)   default: 1");
}

TEST(cli_help, an_action_lists_its_input_as_key_value) {
  EXPECT_EQ(help_text(doc("schematest", "chain|INGRESS|append"), command::none, {"c1", "chain", "INGRESS", "append"}),
            "Adds a rule at the end of the chain\n"
            "\n"
            "Keyword        Type                           Description\n"
            " src=value      ipv4-prefix\n"
            " action=value   enumeration (DROP | FORWARD)\n");
  std::string entry = help_text(doc("schematest", "chain|INGRESS"), command::none, {"c1", "chain", "INGRESS"});
  EXPECT_TRUE(has_line(entry, " append    action                         Adds a rule at the end of the chain"));
  EXPECT_TRUE(has_line(entry, " default   enumeration (DROP | FORWARD)   default: DROP"));
}

TEST(cli_help, says_so_when_there_is_nothing_to_tell) {
  EXPECT_EQ(help_text(json::parse(R"({"kind": "leaf", "params": []})"), command::add, {}), "There is no help for this command\n");
  EXPECT_EQ(help_text(json::value(nullptr), command::none, {}), "There is no help for this command\n");
  EXPECT_EQ(help_text(doc("helloworld", "uuid"), command::set, {"hw0", "uuid"}), "There is no help for this command\n");
}

TEST(cli_help, framework_commands_have_their_own_help) {
  std::string attach = local_help("attach", command::none);
  EXPECT_TRUE(has_line(attach, " position=value   auto | first | last   Where in the port's chain (default auto)"));
  EXPECT_TRUE(has_line(attach, " polycubectl attach fw1 r1:port2 position=first"));
  EXPECT_TRUE(has_line(local_help("connect", command::none), " polycubectl connect br1:port1 r1:port2"));
  EXPECT_TRUE(has_line(local_help("disconnect", command::none), " polycubectl disconnect br1:port1 r1:port2"));
  EXPECT_TRUE(has_line(local_help("services", command::del), " polycubectl services del bridge"));
  EXPECT_TRUE(has_line(local_help("topology", command::none), " polycubectl topology show veth1"));
  EXPECT_TRUE(has_line(local_help("cubes", command::none), " polycubectl cubes add < mycubes.yaml"));

  std::string root = root_help(json::parse(R"({"helloworld": [{"name": "hw0"}], "router": [{"name": "r1"}, {"name": "r2"}]})"));
  EXPECT_TRUE(has_line(root, " connect      command   Connect ports"));
  EXPECT_TRUE(has_line(root, "Running cubes  Service"));
  // As the original printed them: every cell after the header one space in.
  EXPECT_TRUE(has_line(root, " hw0            helloworld"));
  EXPECT_TRUE(has_line(root, " r2             router"));
  EXPECT_FALSE(has_line(root_help(nullptr), "Running cubes  Service"));
}

TEST(cli_completion, offers_commands_actions_keywords_and_entries) {
  EXPECT_EQ(completions(doc("helloworld"), command::none, "", {}),
            (strings{"show", "set", "uuid", "type", "service-name", "loglevel", "ports", "action"}));
  EXPECT_EQ(completions(doc("helloworld", "ports"), command::none, "", {"p1", "p2"}),
            (strings{"add", "del", "show", "p1", "p2", "uuid", "status", "peer", "tcubes"}));
  EXPECT_EQ(completions(doc("schematest", "chain|INGRESS"), command::none, "", {}),
            (strings{"show", "set", "append", "default", "rule"}));
  EXPECT_EQ(completions(doc("schematest", "chain|INGRESS|append"), command::none, "", {}), (strings{"src=", "action="}));
}

TEST(cli_completion, offers_what_each_command_takes) {
  EXPECT_EQ(completions(doc("helloworld"), command::set, "", {}), (strings{"type=", "loglevel=", "action="}));
  EXPECT_EQ(completions(doc("helloworld", "ports"), command::add, "", {"p1"}), strings{}) << "a key comes first";
  EXPECT_EQ(completions(doc("helloworld", "ports|p9"), command::add, "", {}), (strings{"peer="}));
  EXPECT_EQ(completions(doc("helloworld", "ports"), command::del, "", {"p1", "p2"}), (strings{"p1", "p2"}));
  EXPECT_EQ(completions(doc("helloworld", "ports"), command::show, "p", {"p1"}), (strings{"p1"}));
  EXPECT_EQ(completions(schema::service_help(service("helloworld")), command::del, "", {"hw0"}), (strings{"hw0"}));
  EXPECT_EQ(completions(doc("helloworld", "action"), command::set, "", {}), (strings{"DROP", "SLOWPATH", "FORWARD"}));
}

TEST(cli_completion, offers_the_values_of_enumerations_and_booleans) {
  EXPECT_EQ(completions(doc("helloworld"), command::set, "action=", {}),
            (strings{"action=DROP", "action=SLOWPATH", "action=FORWARD"}));
  EXPECT_EQ(completions(doc("helloworld"), command::set, "type=X", {}), (strings{"type=TC", "type=XDP_SKB", "type=XDP_DRV"}));
  EXPECT_EQ(completions(doc("schematest", "settings"), command::set, "enabled=", {}), (strings{"enabled=true", "enabled=false"}));
  EXPECT_EQ(completions(doc("schematest", "settings"), command::set, "mtu=", {}), strings{});
}

TEST(cli_completion, takes_the_daemons_own_list_as_it_is) {
  EXPECT_EQ(completions(json::parse(R"(["add", "del", "port1"])"), command::none, "", {}), (strings{"add", "del", "port1"}));
}

TEST(cli_completion, reads_names_from_listings) {
  EXPECT_EQ(entry_names(json::parse(R"([{"name": "p1"}, {"name": "p2"}, {"peer": "x"}])"), "name"), (strings{"p1", "p2"}));
  EXPECT_EQ(entry_names(json::parse(R"([{"network": "10.0.0.0/24", "nexthop": "1.1.1.1"}])"), "network"),
            strings{"10.0.0.0/24"});
  EXPECT_EQ(entry_names(json::parse(R"([{"id": 7}])"), "id"), strings{"7"});
  EXPECT_EQ(listed_names(json::parse(R"({"helloworld": [{"name": "hw0"}], "router": [{"name": "r1"}]})")),
            (strings{"hw0", "r1"}));
  EXPECT_EQ(listed_names(json::parse(R"([{"name": "helloworld"}, {"name": "router"}])")), (strings{"helloworld", "router"}));
  EXPECT_EQ(listed_names(json::parse(R"({"veth1": {"mac": "x"}, "lo": {}})")), (strings{"veth1", "lo"}));
  EXPECT_EQ(first_key(doc("schematest", "route")), "network");
  EXPECT_EQ(first_key(json::parse("{}")), "name");
  EXPECT_TRUE(describes_list(doc("schematest", "route")));
  EXPECT_TRUE(describes_list(schema::service_help(service("helloworld"))));
  EXPECT_FALSE(describes_list(doc("schematest", "settings")));
}

}  // namespace
}  // namespace pcn::cli
