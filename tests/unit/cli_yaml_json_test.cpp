// YAML and JSON documents -> Boost.JSON, and back: scalar typing, round trips, error positions.
#include "cli/yaml_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace pcn::yaml_json {
namespace {

namespace json = boost::json;

json::value j(std::string_view text) { return json::parse(text); }

// The error a document makes (fails the test when it parses).
parse_error error_of(std::string_view text) {
  try {
    parse_document(text);
  } catch (const parse_error& e) {
    return e;
  }
  ADD_FAILURE() << "parsed: " << text;
  return parse_error("", 0, 0);
}

TEST(yaml_json, types_plain_scalars_by_the_core_schema) {
  struct {
    std::string_view text;
    json::value expected;
  } cases[] = {
      {"5", 5},
      {"-3", -3},
      {"+7", 7},
      {"0x1F", 31},
      {"0o17", 15},
      {"9223372036854775808", 9223372036854775808ull},
      {"-9223372036854775808", INT64_MIN},
      {"1.5", 1.5},
      {"1e3", 1000.0},
      {"-.5", -0.5},
      {"true", true},
      {"False", false},
      {"~", nullptr},
      {"null", nullptr},
      {"", nullptr},
      // Everything else is a string: YAML 1.1's yes/no, sexagesimal MACs, addresses.
      {"yes", "yes"},
      {"off", "off"},
      {"00:11:22:33:44:55", "00:11:22:33:44:55"},
      {"10.0.0.1", "10.0.0.1"},
      {"10.0.0.0/24", "10.0.0.0/24"},
      {".inf", ".inf"},
      {".nan", ".nan"},
      {"1.2.3", "1.2.3"},
      {"0x", "0x"},
      {"99999999999999999999", "99999999999999999999"},
      {"XDP_SKB", "XDP_SKB"},
  };
  for (const auto& c : cases) EXPECT_EQ(plain_scalar(c.text), c.expected) << c.text;
}

TEST(yaml_json, reads_a_yaml_document) {
  EXPECT_EQ(parse_document(R"(
name: r1          # a comment
type: XDP_SKB
quoted: "10"
single: 'true'
tagged: !!str 5
empty:
ports:
  - name: port1
    ip: 10.0.1.254/24
    mtu: 1500
  - {name: port2, peer: "br1:port2"}
flags: [a, 2, false]
)"),
            j(R"({"name": "r1", "type": "XDP_SKB", "quoted": "10", "single": "true", "tagged": "5", "empty": null,
                  "ports": [{"name": "port1", "ip": "10.0.1.254/24", "mtu": 1500},
                            {"name": "port2", "peer": "br1:port2"}],
                  "flags": ["a", 2, false]})"));
  EXPECT_EQ(parse_document("literal: |\n  line one\n  line two\n"), j(R"({"literal": "line one\nline two\n"})"));
  EXPECT_EQ(parse_document("- 1\n- x\n"), j(R"([1, "x"])"));
  EXPECT_EQ(parse_document("---\nname: hw0\n...\n"), j(R"({"name": "hw0"})"));
  EXPECT_EQ(parse_document(""), json::value(nullptr));
  EXPECT_EQ(parse_document("# nothing but a comment\n"), json::value(nullptr));
}

TEST(yaml_json, reads_json_exactly) {
  // Tab indentation, escapes YAML readers disagree on, numbers at the edges of their types.
  EXPECT_EQ(parse_document("{\n\t\"a\": [1,\t2.5, -0],\n\t\"s\": \"\\ud83d\\ude00\\/\\u00e4\"\n}"),
            j(R"({"a": [1, 2.5, 0], "s": "😀/ä"})"));
  EXPECT_EQ(parse_document(R"({"big": 18446744073709551615, "neg": -9223372036854775808, "f": 1e300})"),
            j(R"({"big": 18446744073709551615, "neg": -9223372036854775808, "f": 1e300})"));
  EXPECT_EQ(parse_document(R"(["10", "true", null])"), j(R"(["10", "true", null])"));
  // Flow-style YAML that is not JSON still reads.
  EXPECT_EQ(parse_document("{name: hw0, action: FORWARD}"), j(R"({"name": "hw0", "action": "FORWARD"})"));
}

TEST(yaml_json, round_trips_through_yaml) {
  const json::value docs[] = {
      j(R"({"name": "r1", "type": "XDP_SKB", "loglevel": "DEBUG",
            "ports": [{"name": "port1", "ip": "10.0.1.254/24", "mtu": 1500, "up": true},
                      {"name": "port2", "peer": null, "secondaryip": []}],
            "fdb": {}})"),
      // Strings that read as other things unless quoted, and strings YAML treats specially.
      j(R"(["10", "-3", "0x1F", "1.5", "1e3", "true", "False", "null", "~", "", " lead", "trail ",
            "a: b", "- x", "#c", "x #y", "[1]", "{a}", "*ref", "&anchor", "!tag", "%dir", "@at", "`tick",
            "line1\nline2", "tab\there", "quote\"s", "back\\slash", "😀 ä", "yes", ".inf", "00:11:22:33:44:55"])"),
      j(R"({"int": 42, "neg": -7, "big": 18446744073709551615, "min": -9223372036854775808,
            "one": 1.0, "tenth": 0.1, "tiny": -2.5e-10, "huge": 1e300, "zero": 0.0})"),
      j(R"({"10": "numeric key", "true": "bool key", "": "empty key", "a.b": [[1, [2]], {"c": {"d": []}}]})"),
      j(R"("just a string")"),
      j("3"),
      j("null"),
  };
  for (const auto& doc : docs) {
    std::string yaml = to_yaml(doc);
    EXPECT_EQ(parse_document(yaml), doc) << yaml;
    EXPECT_EQ(yaml.back(), '\n');
  }
}

TEST(yaml_json, writes_block_style_yaml) {
  EXPECT_EQ(to_yaml(j(R"({"name": "hw0", "action": "DROP", "ports": [{"name": "p1", "peer": "veth1"}], "n": "10"})")),
            "name: hw0\naction: DROP\nports:\n  - name: p1\n    peer: veth1\nn: \"10\"\n");
}

TEST(yaml_json, writes_indented_json) {
  json::value v = j(R"({"a": [1, {"b": "x\"y"}], "c": {}, "d": [], "e": null})");
  EXPECT_EQ(to_pretty_json(v),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"x\\\"y\"\n    }\n  ],\n  \"c\": {},\n  \"d\": [],\n  \"e\": null\n}\n");
  EXPECT_EQ(json::parse(to_pretty_json(v)), v);
  EXPECT_EQ(to_pretty_json(j("5")), "5\n");
}

TEST(yaml_json, yaml_errors_name_the_line_and_column) {
  parse_error flow = error_of("name: r1\nports: [a, b\ntype: TC\n");
  EXPECT_EQ(flow.line(), 3);
  EXPECT_EQ(flow.column(), 5);
  EXPECT_EQ(std::string(flow.what()).substr(0, 18), "line 3, column 5: ");

  parse_error indent = error_of("a:\n  b: 1\n c: 2\n");
  EXPECT_EQ(indent.line(), 3);

  parse_error repeated = error_of("name: r1\ntype: TC\nname: r2\n");
  EXPECT_STREQ(repeated.what(), "line 3, column 1: repeated key 'name'");

  parse_error nested = error_of("ports:\n  - name: p1\n    name: p2\n");
  EXPECT_STREQ(nested.what(), "line 3, column 5: repeated key 'name'");

  parse_error complex_key = error_of("? [a, b]\n: 1\n");
  EXPECT_STREQ(complex_key.what(), "line 1, column 3: a key must be a scalar");

  parse_error two = error_of("a: 1\n---\nb: 2\n");
  EXPECT_EQ(two.line(), 3);
  EXPECT_NE(std::string(two.what()).find("more than one document"), std::string::npos);
}

TEST(yaml_json, json_errors_name_the_line_and_column) {
  parse_error bad = error_of("{\n  \"a\": 1,\n  \"b\": [1, 2}\n}");
  EXPECT_EQ(bad.line(), 3);
  EXPECT_EQ(bad.column(), 13);  // the '}'
  EXPECT_EQ(std::string(bad.what()).substr(0, 33), "line 3, column 13: invalid JSON: ");
  // What is not JSON but is YAML in flow style reads as YAML.
  EXPECT_EQ(parse_document("{\"a\": 1, \"b\": x}"), j(R"({"a": 1, "b": "x"})"));

  parse_error repeated = error_of("{\"a\": 1,\n \"a\": 2}");
  EXPECT_EQ(repeated.line(), 2);
  EXPECT_NE(std::string(repeated.what()).find("repeated key 'a'"), std::string::npos);

  parse_error unterminated = error_of("[1, 2");
  EXPECT_EQ(unterminated.line(), 1);
}

}  // namespace
}  // namespace pcn::yaml_json
