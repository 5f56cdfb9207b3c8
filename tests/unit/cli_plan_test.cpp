// polycubectl's command lines -> REST requests: every example of the interface contract
// (shared/COMPAT.md), the framework commands, and the syntax errors.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "cli/plan.hpp"

namespace pcn::cli {
namespace {

namespace json = boost::json;

plan plan_of(std::vector<std::string> words) { return make_plan(parse_args(words)); }

request req(std::string method, std::string target, std::optional<std::string> body = std::nullopt) {
  return {std::move(method), std::move(target), body ? std::optional<json::value>(json::parse(*body)) : std::nullopt};
}

// The syntax error a command line makes (fails the test when it makes none).
std::string error_of(std::vector<std::string> words) {
  try {
    plan_of(std::move(words));
  } catch (const syntax_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no syntax error";
  return {};
}

TEST(cli_plan, creates_a_cube_with_its_parameters) {
  plan p = plan_of({"router", "add", "r1", "type=XDP_SKB", "loglevel=DEBUG"});
  EXPECT_EQ(p.kind, plan_kind::call);
  EXPECT_EQ(p.req, req("POST", "router/r1/", R"({"type": "XDP_SKB", "loglevel": "DEBUG"})"));
  EXPECT_FALSE(p.print_answer);
  EXPECT_FALSE(p.body_from_stdin);  // key=value given: stdin is not read
}

TEST(cli_plan, adds_a_port_through_the_cube_name_alone) {
  EXPECT_EQ(plan_of({"r1", "ports", "add", "port1", "ip=10.0.1.254/24", "peer=veth1"}).req,
            req("POST", "r1/ports/port1/", R"({"ip": "10.0.1.254/24", "peer": "veth1"})"));
  plan p = plan_of({"simplebridge", "br1", "ports", "add", "port1"});
  EXPECT_EQ(p.req, req("POST", "simplebridge/br1/ports/port1/", "{}"));
  EXPECT_TRUE(p.body_from_stdin);
}

TEST(cli_plan, sets_members_of_an_entry) {
  EXPECT_EQ(plan_of({"r1", "ports", "port2", "set", "peer=br1:port2"}).req,
            req("PATCH", "r1/ports/port2/", R"({"peer": "br1:port2"})"));
  // Nested keys nest; numbers and booleans are typed.
  EXPECT_EQ(plan_of({"r1", "set", "fdb.aging-time=300", "fdb.enabled=true", "name.x=007"}).req,
            req("PATCH", "r1/", R"({"fdb": {"aging-time": 300, "enabled": true}, "name": {"x": "007"}})"));
}

TEST(cli_plan, sets_a_single_leaf_to_a_value) {
  EXPECT_EQ(plan_of({"hw0", "action", "set", "DROP"}).req, req("PATCH", "hw0/action/", R"("DROP")"));
  EXPECT_EQ(plan_of({"hw0", "set", "action", "FORWARD"}).req, req("PATCH", "hw0/action/", R"("FORWARD")"));
  EXPECT_EQ(plan_of({"br1", "fdb", "aging-time", "set", "60"}).req, req("PATCH", "br1/fdb/aging-time/", "60"));
  // Without words or key=value, the body must come from stdin.
  plan p = plan_of({"hw0", "set"});
  EXPECT_TRUE(p.body_from_stdin);
  EXPECT_EQ(p.req, req("PATCH", "hw0/"));
}

TEST(cli_plan, connects_and_disconnects_peers) {
  EXPECT_EQ(plan_of({"connect", "br1:port1", "veth1"}).req,
            req("POST", "connect/", R"({"peer1": "br1:port1", "peer2": "veth1"})"));
  EXPECT_EQ(plan_of({"connect", "br1:port1", "r1:port2"}).req,
            req("POST", "connect/", R"({"peer1": "br1:port1", "peer2": "r1:port2"})"));
  EXPECT_EQ(plan_of({"disconnect", "br1:port1", "veth1"}).req,
            req("POST", "disconnect/", R"({"peer1": "br1:port1", "peer2": "veth1"})"));
}

TEST(cli_plan, list_keys_are_positional_and_percent_encoded) {
  EXPECT_EQ(plan_of({"r1", "route", "add", "10.0.3.0/24", "10.1.0.2"}).req,
            req("POST", "r1/route/10.0.3.0%2F24/10.1.0.2/", "{}"));
  EXPECT_EQ(plan_of({"r1", "route", "del", "10.0.3.0/24", "10.1.0.2"}).req,
            req("DELETE", "r1/route/10.0.3.0%2F24/10.1.0.2/"));
  EXPECT_EQ(plan_of({"r1", "route", "10.0.3.0/24", "10.1.0.2", "set", "pathcost=5"}).req,
            req("PATCH", "r1/route/10.0.3.0%2F24/10.1.0.2/", R"({"pathcost": 5})"));
}

TEST(cli_plan, attaches_with_a_position) {
  EXPECT_EQ(plan_of({"attach", "fw1", "r1:port2", "position=first"}).req,
            req("POST", "attach/", R"({"cube": "fw1", "port": "r1:port2", "position": "first"})"));
  EXPECT_EQ(plan_of({"attach", "fw1", "r1:port2", "after=nat1"}).req,
            req("POST", "attach/", R"({"cube": "fw1", "port": "r1:port2", "after": "nat1"})"));
  EXPECT_EQ(plan_of({"attach", "fw1", "r1:port2", "before=nat1"}).req,
            req("POST", "attach/", R"({"cube": "fw1", "port": "r1:port2", "before": "nat1"})"));
  EXPECT_EQ(plan_of({"attach", "fw1", "veth1"}).req, req("POST", "attach/", R"({"cube": "fw1", "port": "veth1"})"));
  EXPECT_EQ(plan_of({"detach", "fw1", "r1:port2"}).req, req("POST", "detach/", R"({"cube": "fw1", "port": "r1:port2"})"));
}

TEST(cli_plan, calls_an_action_and_prints_its_answer) {
  plan p = plan_of({"fw1", "chain", "INGRESS", "append", "l4proto=TCP", "dport=22", "action=ACCEPT"});
  EXPECT_EQ(p.req, req("POST", "fw1/chain/INGRESS/append/", R"({"l4proto": "TCP", "dport": 22, "action": "ACCEPT"})"));
  EXPECT_TRUE(p.print_answer);
  EXPECT_EQ(p.cmd, command::none);
  plan flush = plan_of({"br1", "fdb", "flush"});
  EXPECT_EQ(flush.req, req("POST", "br1/fdb/flush/", "{}"));
  EXPECT_TRUE(flush.body_from_stdin);
}

TEST(cli_plan, shows_in_the_format_asked_for) {
  plan p = plan_of({"r1", "show"});
  EXPECT_EQ(p.req, req("GET", "r1/"));
  EXPECT_TRUE(p.print_answer);
  EXPECT_EQ(p.print.format, show_format::normal);
  EXPECT_EQ(plan_of({"r1", "show", "-json"}).print.format, show_format::json);
  EXPECT_EQ(plan_of({"-yaml", "r1", "show"}).print.format, show_format::yaml);
  EXPECT_EQ(plan_of({"r1", "show", "-brief"}).print.format, show_format::brief);
  EXPECT_EQ(plan_of({"r1", "show", "-verbose"}).print.format, show_format::verbose);
  EXPECT_EQ(plan_of({"r1", "show", "-hide=ports.uuid,uuid"}).print.hide, (std::vector<std::string>{"ports.uuid", "uuid"}));
  EXPECT_EQ(plan_of({"r1", "ports", "port1", "show"}).req, req("GET", "r1/ports/port1/"));
  EXPECT_EQ(plan_of({"show", "r1", "ports"}).req, req("GET", "r1/ports/"));
}

TEST(cli_plan, deletes_in_three_forms) {
  EXPECT_EQ(plan_of({"del", "helloworld", "hw0"}).req, req("DELETE", "helloworld/hw0/"));
  EXPECT_EQ(plan_of({"helloworld", "del", "hw0"}).req, req("DELETE", "helloworld/hw0/"));
  plan p = plan_of({"del", "hw0"});
  EXPECT_EQ(p.kind, plan_kind::delete_by_name);
  EXPECT_EQ(p.req, req("GET", "cubes/hw0/"));
  EXPECT_EQ(delete_request("hw0", json::parse(R"({"name": "hw0", "service-name": "helloworld"})")),
            req("DELETE", "helloworld/hw0/"));
  EXPECT_THROW(delete_request("hw0", json::parse(R"({"name": "hw0"})")), std::runtime_error);
  // A framework resource is deleted where it is.
  EXPECT_EQ(plan_of({"services", "del", "bridge"}).req, req("DELETE", "services/bridge/"));
}

TEST(cli_plan, shows_the_framework_resources) {
  EXPECT_EQ(plan_of({"topology", "show", "veth1"}).req, req("GET", "topology/veth1/"));
  EXPECT_EQ(plan_of({"cubes", "show"}).req, req("GET", "cubes/"));
  EXPECT_EQ(plan_of({"services", "show"}).req, req("GET", "services/"));
  EXPECT_EQ(plan_of({"netdevs", "show"}).req, req("GET", "netdevs/"));
  // Read-only resources are shown without a command; the topology verbosely, uuids hidden.
  EXPECT_EQ(plan_of({"cubes"}).req, req("GET", "cubes/"));
  EXPECT_EQ(plan_of({"netdevs"}).req, req("GET", "netdevs/"));
  EXPECT_EQ(plan_of({"services"}).req, req("GET", "services/"));
  plan topology = plan_of({"topology"});
  EXPECT_EQ(topology.req, req("GET", "topology/"));
  EXPECT_EQ(topology.print.format, show_format::verbose);
  EXPECT_EQ(topology.print.hide, std::vector<std::string>{"uuid"});
  EXPECT_EQ(plan_of({"topology", "-json"}).print.format, show_format::json);
  EXPECT_EQ(plan_of({"topology", "veth1"}).req, req("GET", "topology/veth1/"));
  plan version = plan_of({"version"});
  EXPECT_EQ(version.kind, plan_kind::version);
  EXPECT_EQ(version.req, req("GET", "version/"));
}

TEST(cli_plan, takes_bodies_from_stdin_when_no_key_value_is_given) {
  plan hw0 = plan_of({"helloworld", "add", "hw0"});
  EXPECT_EQ(hw0.req, req("POST", "helloworld/hw0/", "{}"));
  EXPECT_TRUE(hw0.body_from_stdin);
  plan cubes = plan_of({"cubes", "add"});
  EXPECT_EQ(cubes.req, req("POST", "cubes/", "{}"));
  EXPECT_TRUE(cubes.body_from_stdin);
  EXPECT_EQ(plan_of({"services", "add", "name=x", "uri=/p/x.so", "type=lib"}).req,
            req("POST", "services/", R"({"name": "x", "uri": "/p/x.so", "type": "lib"})"));
  EXPECT_FALSE(plan_of({"r1", "show"}).body_from_stdin);
  EXPECT_FALSE(plan_of({"del", "r1"}).body_from_stdin);
}

TEST(cli_plan, asks_the_daemon_for_help_on_model_paths) {
  plan add = plan_of({"r1", "ports", "add", "?"});
  EXPECT_EQ(add.kind, plan_kind::help);
  EXPECT_EQ(add.req, req("OPTIONS", "r1/ports/?help=ADD"));
  EXPECT_EQ(add.cmd, command::add);
  EXPECT_EQ(plan_of({"r1", "?"}).req, req("OPTIONS", "r1/?help=NONE"));
  EXPECT_EQ(plan_of({"helloworld", "hw0", "set", "?"}).req, req("OPTIONS", "helloworld/hw0/?help=SET"));
  EXPECT_EQ(plan_of({"r1", "route", "show", "?"}).req, req("OPTIONS", "r1/route/?help=SHOW"));
  EXPECT_EQ(plan_of({"r1", "route", "del", "?"}).req, req("OPTIONS", "r1/route/?help=DEL"));
  EXPECT_EQ(plan_of({"?"}).kind, plan_kind::root_help);
  plan connect = plan_of({"connect", "?"});
  EXPECT_EQ(connect.kind, plan_kind::local_help);
  EXPECT_EQ(connect.topic, "connect");
  EXPECT_EQ(plan_of({"attach", "fw1", "?"}).topic, "attach");
  EXPECT_EQ(plan_of({"services", "add", "?"}).topic, "services");
  EXPECT_EQ(plan_of({}).kind, plan_kind::usage);
  EXPECT_EQ(plan_of({"-h"}).kind, plan_kind::usage);
  EXPECT_EQ(plan_of({"--help"}).kind, plan_kind::usage);
}

TEST(cli_plan, types_command_line_values_without_losing_text) {
  EXPECT_EQ(typed_value("22"), json::value(22));
  EXPECT_EQ(typed_value("-5"), json::value(-5));
  EXPECT_EQ(typed_value("0"), json::value(0));
  EXPECT_EQ(typed_value("18446744073709551615"), json::value(18446744073709551615ull));
  EXPECT_EQ(typed_value("true"), json::value(true));
  EXPECT_EQ(typed_value("false"), json::value(false));
  for (std::string s : {"007", "-0", "+5", "1.0", "1e3", "10.0.1.1", "True", "", "99999999999999999999", "0x10", "-"})
    EXPECT_EQ(typed_value(s), json::value(s)) << s;
}

TEST(cli_plan, percent_encodes_segments) {
  EXPECT_EQ(url_segment("10.0.3.0/24"), "10.0.3.0%2F24");
  EXPECT_EQ(url_segment("br1:port1"), "br1:port1");
  EXPECT_EQ(url_segment("a b?c#d%e"), "a%20b%3Fc%23d%25e");
  EXPECT_EQ(url_segment("fe80::1"), "fe80::1");
  EXPECT_EQ(url_segment("\xc3\xa4"), "%C3%A4");
  EXPECT_EQ(url_path({"a", "b/c"}), "a/b%2Fc/");
}

TEST(cli_plan, value_after_the_flags_and_keys_is_kept_whole) {
  // '=' in a value is kept; flags go anywhere.
  EXPECT_EQ(plan_of({"-json", "d1", "show"}).req, req("GET", "d1/"));
  EXPECT_EQ(plan_of({"pc1", "set", "filter=port=80"}).req, req("PATCH", "pc1/", R"({"filter": "port=80"})"));
  EXPECT_EQ(plan_of({"r1", "set", "description="}).req, req("PATCH", "r1/", R"({"description": ""})"));
}

TEST(cli_plan, syntax_errors_name_the_offending_word) {
  EXPECT_EQ(error_of({"r1", "ports", "add", "port1", "ip=1", "x"}),
            "'x' is not valid after 'ip=1': key=value arguments come last");
  EXPECT_EQ(error_of({"r1", "add", "show"}), "two commands: 'add' and 'show'");
  EXPECT_EQ(error_of({"r1", "ports", "port1=x", "add"}), "'add' must come before the key=value arguments");
  EXPECT_EQ(error_of({"r1", "show", "-bogus"}),
            "'-bogus' is not a flag (-json -yaml -brief -verbose -normal -hide=keys -h)");
  EXPECT_EQ(error_of({"r1", "?", "show"}), "'?' must be the last argument");
  EXPECT_EQ(error_of({"r1", "set", "a=1", "a=2"}), "'a=2': 'a' is given twice");
  EXPECT_EQ(error_of({"r1", "set", "=x"}), "'=x': key=value without a key");
  EXPECT_EQ(error_of({"r1", "set", "a=1", "a.b=2"}), "'a.b=2': 'a' is given a value already");
  EXPECT_EQ(error_of({"r1", "set", "a.b=1", "a.b=2"}), "'a.b=2': 'a.b' is given twice");
  EXPECT_EQ(error_of({"r1", "set", "a..b=2"}), "'a..b=2': empty name in 'a..b'");
  EXPECT_EQ(error_of({"r1", "add", "x", "-json"}), "output flags (-json -yaml -brief -verbose -normal -hide) go with the show command");
  EXPECT_EQ(error_of({"r1", "show", "-json", "-yaml"}), "-yaml: only one of -normal -brief -verbose -json -yaml");
  EXPECT_EQ(error_of({"r1", "show", "-hide="}), "-hide=: usage: -hide=key0,key1.key2");
  EXPECT_EQ(error_of({"r1", "show", "-json", "-hide=uuid"}), "-hide does not apply to -json or -yaml");
  EXPECT_EQ(error_of({"r1", "show", "name=x"}), "'name=x': show takes no key=value arguments");
  EXPECT_EQ(error_of({"r1", "del", "name=x"}), "'name=x': del takes no key=value arguments");
  EXPECT_EQ(error_of({"r1", "-h"}), "-h takes no other argument");
  EXPECT_EQ(error_of({"r1", ""}), "empty argument (word 2)");
  EXPECT_EQ(error_of({"del"}), "del: name what to del");
  EXPECT_EQ(error_of({"type=TC"}), "nothing to do: name a service, a cube or a command (see polycubectl -h)");
}

TEST(cli_plan, framework_commands_check_their_arguments) {
  EXPECT_EQ(error_of({"connect", "br1:port1"}), "bad syntax, usage: connect <peer1> <peer2>   (a peer is cube:port or a netdev)");
  EXPECT_EQ(error_of({"disconnect", "a", "b", "c"}),
            "bad syntax, usage: disconnect <peer1> <peer2>   (a peer is cube:port or a netdev)");
  EXPECT_EQ(error_of({"connect", "a", "b", "x=1"}), "'x=1': connect takes no key=value arguments");
  EXPECT_EQ(error_of({"attach", "fw1", "r1:port2", "position=middle"}), "'position=middle': position is auto, first or last");
  EXPECT_EQ(error_of({"attach", "fw1", "r1:port2", "after=a", "before=b"}), "attach: give only one of position=, before=, after=");
  EXPECT_EQ(error_of({"attach", "fw1", "r1:port2", "where=a"}), "'where=a': attach takes position=, before= or after=");
  EXPECT_EQ(error_of({"attach", "fw1", "r1:port2", "after="}), "'after=': name a cube");
  EXPECT_EQ(error_of({"attach", "fw1"}),
            "bad syntax, usage: attach <cube> <port> [position=auto|first|last | before=<cube> | after=<cube>]");
  EXPECT_EQ(error_of({"detach", "fw1"}), "bad syntax, usage: detach <cube> <port>   (a port is cube:port or a netdev)");
  EXPECT_EQ(error_of({"version", "x=1"}), "'x=1': version takes no key=value arguments");
}

}  // namespace
}  // namespace pcn::cli
