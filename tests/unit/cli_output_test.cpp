// What `polycubectl ... show` prints: readable tables (nested lists as extra columns), JSON, YAML.
#include "cli/output.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "cli/yaml_json.hpp"

namespace pcn::cli {
namespace {

namespace json = boost::json;

const json::value router = json::parse(R"({
  "name": "r1", "uuid": "1234", "service-name": "router", "type": "TC", "shadow": false,
  "ports": [
    {"name": "port1", "uuid": "aaa", "status": "UP", "peer": "veth1", "ip": "10.0.1.254",
     "secondaryip": [{"ip": "10.0.5.1", "netmask": "255.255.255.0"}, {"ip": "10.0.6.1", "netmask": "255.0.0.0"}],
     "tcubes": ["fw1", "nat1"]},
    {"name": "port2", "uuid": "bbb", "status": "DOWN", "peer": "", "ip": "10.0.2.254", "secondaryip": []}],
  "route": [{"network": "10.0.3.0/24", "nexthop": "10.1.0.2", "pathcost": 1}],
  "arp-table": [],
  "stats": {"packets": 12, "ratio": 0.5}
})");

TEST(cli_output, prints_leaves_then_containers_then_lists_as_tables) {
  EXPECT_EQ(readable_text(router, 2, {}),
            "name: r1\n"
            "uuid: 1234\n"
            "service-name: router\n"
            "type: TC\n"
            "shadow: false\n"
            "stats:\n"
            " packets: 12\n"
            " ratio: 0.5\n"
            "\n"
            "ports:\n"
            " name   uuid  status  peer   ip          secondaryip  tcubes\n"
            " port1  aaa   UP      veth1  10.0.1.254  [2 items]    fw1, nat1\n"
            " port2  bbb   DOWN           10.0.2.254  [0 items]\n"
            "\n"
            "route:\n"
            " network      nexthop   pathcost\n"
            " 10.0.3.0/24  10.1.0.2  1\n"
            "\n"
            "arp-table: [0 items]\n");
}

TEST(cli_output, verbose_unfolds_the_lists_inside_entries_as_columns) {
  std::string text = readable_text(router, 3, {});
  EXPECT_NE(text.find(" name   uuid  status  peer   ip          ip (secondaryip)  netmask (secondaryip)  tcubes\n"
                      " port1  aaa   UP      veth1  10.0.1.254  10.0.5.1          255.255.255.0          fw1, nat1\n"
                      "                                         10.0.6.1          255.0.0.0\n"
                      " port2  bbb   DOWN           10.0.2.254\n"),
            std::string::npos)
      << text;
}

TEST(cli_output, brief_counts_the_entries_of_lists) {
  EXPECT_EQ(readable_text(router, 1, {}),
            "name: r1\nuuid: 1234\nservice-name: router\ntype: TC\nshadow: false\nstats:\n packets: 12\n ratio: 0.5\n"
            "ports: [2 items]\nroute: [1 item]\narp-table: [0 items]\n");
}

TEST(cli_output, hides_members_and_columns_by_dotted_path) {
  std::string text = readable_text(router, 3, {"uuid", "ports.uuid", "ports.secondaryip.netmask", "stats.ratio", "route"});
  EXPECT_EQ(text,
            "name: r1\n"
            "service-name: router\n"
            "type: TC\n"
            "shadow: false\n"
            "stats:\n"
            " packets: 12\n"
            "\n"
            "ports:\n"
            " name   status  peer   ip          ip (secondaryip)  tcubes\n"
            " port1  UP      veth1  10.0.1.254  10.0.5.1          fw1, nat1\n"
            "                                   10.0.6.1\n"
            " port2  DOWN           10.0.2.254\n"
            "\n"
            "arp-table: [0 items]\n");
}

TEST(cli_output, prints_a_list_answer_as_one_table) {
  json::value ports = json::parse(R"([{"name": "p1", "peer": "veth1", "uuid": "u1"}, {"name": "port2", "uuid": "u2"}])");
  EXPECT_EQ(readable_text(ports, 2, {"uuid"}), "name   peer\np1     veth1\nport2\n");
}

TEST(cli_output, prints_the_cubes_by_service_with_containers_as_columns) {
  json::value cubes = json::parse(R"({
    "helloworld": [{"name": "hw0", "service-name": "helloworld", "action": "DROP", "ports": []}],
    "simplebridge": [{"name": "br1", "fdb": {"aging-time": 300}}]})");
  EXPECT_EQ(readable_text(cubes, 2, {}),
            "helloworld:\n"
            " name  service-name  action  ports\n"
            " hw0   helloworld    DROP    [0 items]\n"
            "\n"
            "simplebridge:\n"
            " name  aging-time (fdb)\n"
            " br1   300\n");
}

TEST(cli_output, prints_the_service_chains_of_a_netdev) {
  json::value topology = json::parse(R"({"name": "veth1", "ingress service chain": "th1 ---> th2 ---> stack",
                                         "egress service chain": "stack ---> th2 ---> th1"})");
  EXPECT_EQ(readable_text(topology, 3, {"uuid"}),
            "name: veth1\ningress service chain: th1 ---> th2 ---> stack\negress service chain: stack ---> th2 ---> th1\n");
}

TEST(cli_output, prints_scalars_plainly) {
  EXPECT_EQ(readable_text(json::parse(R"("DROP")"), 2, {}), "DROP\n");
  EXPECT_EQ(readable_text(json::parse("[1, 2]"), 2, {}), "1, 2\n");
  EXPECT_EQ(scalar_text(json::parse("null")), "");
  EXPECT_EQ(scalar_text(json::parse("0.1")), "0.1");
  EXPECT_EQ(scalar_text(json::parse("18446744073709551615")), "18446744073709551615");
  EXPECT_EQ(scalar_text(json::parse("-3")), "-3");
  EXPECT_EQ(scalar_text(json::parse("true")), "true");
}

TEST(cli_output, aligns_columns_and_trims_lines) {
  EXPECT_EQ(columns({{"a", "bb", "c"}, {"ddd", "", "e"}, {"f"}}, 2), "  a    bb  c\n  ddd      e\n  f\n");
  EXPECT_EQ(columns({}), "");
}

TEST(cli_output, prints_json_indented_and_yaml) {
  json::value v = json::parse(R"({"a": [1, {"b": "x\"y"}], "c": {}, "d": []})");
  EXPECT_EQ(show_text(v, {show_format::json, {}}), yaml_json::to_pretty_json(v));
  EXPECT_EQ(json::parse(show_text(v, {show_format::json, {}})), v);
  EXPECT_EQ(yaml_json::parse_document(show_text(v, {show_format::yaml, {}})), v);
  EXPECT_EQ(show_text(router, {show_format::normal, {}}), readable_text(router, 2, {}));
  EXPECT_EQ(show_text(router, {show_format::brief, {}}), readable_text(router, 1, {}));
  EXPECT_EQ(show_text(router, {show_format::verbose, {"uuid"}}), readable_text(router, 3, {"uuid"}));
}

}  // namespace
}  // namespace pcn::cli
