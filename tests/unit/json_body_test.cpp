#include "api/schema/json_body.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/schema/error.hpp"
#include "tests/unit/schema_fixture.hpp"

namespace pcn::schema {
namespace {

using testing::error_of;

constexpr size_t limit = 1 << 20;

boost::json::value parse(std::string_view body) { return parse_json_body(body, limit); }

TEST(parse_json_body, gives_the_value_boost_json_would) {
  for (std::string_view text : {
           R"({"a": 1, "b": [true, false, null], "c": {"d": "e"}, "f": -2.5})",
           R"([])",
           R"({})",
           R"([{"name": "port1", "peer": "veth1"}, {"name": "port2"}])",
           R"("just a string")",
           R"(42)",
           R"(-7)",
           R"(18446744073709551615)",
           R"(1.5e3)",
           R"(true)",
           "false \r\n",  // simdjson 3.0 alone refuses these three
           " true   \t",
           "null\n",
           R"(null)",
           R"("caf\u00e9 \"quoted\" \\ \n")",
           "  {\"a\" :\t[ 1 , 2 ] }\n",
       }) {
    EXPECT_EQ(parse(text), boost::json::parse(text)) << text;
  }
}

// Found by tests/fuzz/request_fuzzer: simdjson 3.0's get_number() gave 0 for these, and its
// get_double() 0.0587 for the last one.
TEST(parse_json_body, reads_decimals_of_more_than_19_digits) {
  for (std::string_view text : {"0.12345678901234567890", "[1234567890123456789.5]", R"({"w": 184467440737095516162.5})",
                                "1.2345678901234567890e5", "-123456789012345678901e-5",
                                R"({"w": 0.243165789012345678900})"}) {
    const boost::json::value got = parse(text), expected = boost::json::parse(text);
    const auto& a = got.is_structured() ? (got.is_array() ? got.get_array()[0] : got.get_object().at("w")) : got;
    const auto& b = expected.is_structured() ? (expected.is_array() ? expected.get_array()[0] : expected.get_object().at("w")) : expected;
    ASSERT_TRUE(a.is_double()) << text;
    EXPECT_NE(a.get_double(), 0.0) << text;
    EXPECT_NEAR(a.get_double(), b.to_number<double>(), std::abs(b.to_number<double>()) * 1e-15) << text;
  }
}

// Found by tests/fuzz/request_fuzzer (where Boost.JSON 1.81 reads NaN): zero, whatever its exponent.
TEST(parse_json_body, reads_zero_with_a_huge_exponent_as_zero) {
  for (std::string_view text : {"-0e400", "0E-400", "0.000e999"}) {
    boost::json::value v = parse(text);
    ASSERT_TRUE(v.is_double()) << text;
    EXPECT_EQ(v.get_double(), 0.0) << text;
  }
}

TEST(parse_json_body, keeps_integers_exact) {
  boost::json::value v = parse(R"([9223372036854775807, 9223372036854775808, -9223372036854775808, 0.5])");
  EXPECT_TRUE(v.at(0).is_int64());
  EXPECT_EQ(v.at(0).get_int64(), 9223372036854775807);
  EXPECT_TRUE(v.at(1).is_uint64());
  EXPECT_EQ(v.at(1).get_uint64(), 9223372036854775808u);
  EXPECT_TRUE(v.at(2).is_int64());
  EXPECT_TRUE(v.at(3).is_double());
}

TEST(parse_json_body, takes_an_empty_body_as_null) {
  EXPECT_TRUE(parse("").is_null());
  EXPECT_TRUE(parse(" \r\n\t").is_null());
}

TEST(parse_json_body, refuses_a_body_over_the_limit) {
  unsigned status = 0;
  EXPECT_EQ(error_of([] { parse_json_body(R"({"a": 1234})", 5); }, &status),
            "request body of 11 bytes is over the limit of 5 bytes");
  EXPECT_EQ(status, 413u);
  EXPECT_NO_THROW(parse_json_body(R"({"a": 1})", 8));
}

TEST(parse_json_body, says_where_and_why_json_is_malformed) {
  struct malformed {
    std::string_view body;
    std::string message;
  };
  const std::string_view structure =
      "The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, etc.";
  for (const auto& [body, message] : std::vector<malformed>{
           {R"({"a" 1})", "malformed JSON at byte 5: " + std::string(structure)},
           {R"([1,,2])", "malformed JSON at byte 3: " + std::string(structure)},
           {R"({"a": 1,})", "malformed JSON at byte 8: " + std::string(structure)},
           {R"({"a": tru})", "malformed JSON at byte 6: The JSON element does not have the requested type."},
           {R"({"a": 1} x)", "malformed JSON at byte 9: Unexpected trailing content in the JSON input."},
           {R"({"a": 01})", "malformed JSON at byte 6: Problem while parsing a number"},
           {R"({"a": "x})", "malformed JSON at byte 6: A string is opened, but never closed."},
           {"{\"a\": \"\xff\"}", "malformed JSON at byte 7: The input is not valid UTF-8"},
           {"{\"a\": \"x\ty\"}", "malformed JSON at byte 8: Within strings, some characters must be escaped, we found unescaped characters"},
           {"5 6", "malformed JSON at byte 2: Unexpected trailing content in the JSON input."},
           {"\"a\" \"b\"", "malformed JSON at byte 4: Unexpected trailing content in the JSON input."},
           {"tru", "malformed JSON at byte 0: The JSON element does not have the requested type."},
           {"nul", "malformed JSON at byte 0: Problem while parsing an atom starting with the letter 'n'"},
           {"[1] [2]", "malformed JSON at byte 4: Unexpected trailing content in the JSON input."},
           // Found by tests/fuzz/request_fuzzer: simdjson 3.0 takes these two for false.
           {"falseA", "malformed JSON at byte 0: The JSON element does not have the requested type."},
           {std::string_view("false\0", 6), "malformed JSON at byte 0: The JSON element does not have the requested type."},
           {" false}", "malformed JSON at byte 6: Unexpected trailing content in the JSON input."},
           {"[18446744073709551616]", "malformed JSON at byte 1: Problem while parsing a number"},
           {"-9223372036854775809", "malformed JSON at byte 0: Problem while parsing a number"},
           // Found by tests/fuzz/request_fuzzer: simdjson 3.0 reads a lone integer of 21
           // digits as its first 20.
           {"184467440731709551616", "malformed JSON at byte 0: Problem while parsing a number"},
           {"\r\n\r184467440731709551616", "malformed JSON at byte 3: Problem while parsing a number"},
       }) {
    unsigned status = 0;
    EXPECT_EQ(error_of([&] { parse(body); }, &status), message) << body;
    EXPECT_EQ(status, 400u) << body;
  }
}

TEST(parse_json_body, refuses_repeated_members) {
  EXPECT_EQ(error_of([] { parse(R"({"peer": "a", "name": "p", "peer": "b"})"); }),
            "malformed JSON at byte 27: the object repeats member \"peer\"");
  std::string many = "{";
  for (int i = 0; i < 100; ++i) many += "\"m" + std::to_string(i) + "\": 0, ";
  many += "\"m42\": 1}";
  EXPECT_EQ(error_of([&] { parse(many); }).substr(0, 18), "malformed JSON at ");
  EXPECT_NE(error_of([&] { parse(many); }).find("repeats member \"m42\""), std::string::npos);
  EXPECT_NO_THROW(parse(R"([{"a": 1}, {"a": 2}])"));  // the same name in two objects is fine
  EXPECT_NO_THROW(parse(R"({"a": {"a": {"a": 1}, "b": 2}, "b": 3})"));
}

TEST(parse_json_body, limits_nesting) {
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_NO_THROW(parse(ok));
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_EQ(error_of([&] { parse(deep); }), "malformed JSON at byte 64: nesting deeper than 64 arrays and objects");
  EXPECT_EQ(error_of([] { parse_json_body(R"({"a": {"b": {}}})", limit, 2); }),
            "malformed JSON at byte 12: nesting deeper than 2 arrays and objects");
}

}  // namespace
}  // namespace pcn::schema
