#pragma once
// YAML <-> JSON for configuration documents: what polycubectl reads on stdin and what the
// daemon reads as an appliance file. Either may be written in JSON or in YAML; both are
// written back readably (block-style YAML, indented JSON).
//
// Plain YAML scalars are typed by the YAML 1.2 core schema: null (~, null, empty), booleans
// (true, false), integers (decimal, 0x hex, 0o octal) and floats; anything else, and every
// quoted scalar, is a string. A MAC address or an IP prefix stays a string.
#include <boost/json/value.hpp>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pcn::yaml_json {

// A document that cannot be read: the message names the line and column (both from 1).
class parse_error : public std::runtime_error {
 public:
  parse_error(std::string problem, int line, int column);
  int line() const { return _line; }
  int column() const { return _column; }

 private:
  int _line;
  int _column;
};

// Parses a JSON or YAML document (JSON when it starts with '{' or '[' and parses as JSON).
// An empty document is null. Throws parse_error, also for a mapping that repeats a key,
// a key that is not a scalar, or more than one document.
boost::json::value parse_document(std::string_view text);

// The value in block-style YAML, ending with a newline. Strings that would read back as
// another type ("10", "true", "") are quoted, so parse_document(to_yaml(v)) == v.
std::string to_yaml(const boost::json::value& v);

// The value as JSON indented by two spaces per level, ending with a newline.
std::string to_pretty_json(const boost::json::value& v);
// The same text appended to `out` for a value that sits `indent` spaces in (no newline
// before or after it): pieces of a larger indented document.
void append_pretty_json(std::string& out, const boost::json::value& v, size_t indent);
// An array laid out as those: `element(i)` appends element i, which sits indent + 2 in.
void append_pretty_array(std::string& out, size_t count, size_t indent, const std::function<void(size_t)>& element);

// What a plain (unquoted) scalar means under the core schema.
boost::json::value plain_scalar(std::string_view text);

}  // namespace pcn::yaml_json
