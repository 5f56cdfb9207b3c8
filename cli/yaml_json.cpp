#include "cli/yaml_json.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_stack.hpp>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace pcn::yaml_json {
namespace {

namespace json = boost::json;

std::string at(int line, int column) { return "line " + std::to_string(line) + ", column " + std::to_string(column); }

// Line and column (from 1) of a byte offset.
std::pair<int, int> position(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') ++line, line_start = i + 1;
  return {line, static_cast<int>(offset - line_start) + 1};
}

// ---- JSON -------------------------------------------------------------------------------

// Boost.JSON's parser keeps the last of repeated members; a configuration that names a
// member twice is a mistake worth reporting, so the value is built here, keys checked.
struct checking_handler {
  static constexpr size_t max_object_size = json::object::max_size();
  static constexpr size_t max_array_size = json::array::max_size();
  static constexpr size_t max_key_size = json::string::max_size();
  static constexpr size_t max_string_size = json::string::max_size();

  json::value_stack values;
  std::vector<std::unordered_set<std::string>> keys;  // of each open object
  std::string key;                                     // the key being read, in parts
  std::optional<std::string> repeated;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    keys.emplace_back();
    return true;
  }
  bool on_object_end(size_t n, boost::system::error_code&) {
    keys.pop_back();
    values.push_object(n);
    return true;
  }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(size_t n, boost::system::error_code&) {
    values.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, size_t, boost::system::error_code&) {
    key.append(s.data(), s.size());
    values.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, size_t, boost::system::error_code& ec) {
    key.append(s.data(), s.size());
    if (!keys.back().insert(key).second) {
      repeated = key;
      ec = make_error_code(std::errc::invalid_argument);
      return false;
    }
    key.clear();
    values.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, size_t, boost::system::error_code&) {
    values.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, size_t, boost::system::error_code&) {
    values.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(int64_t v, json::string_view, boost::system::error_code&) {
    values.push_int64(v);
    return true;
  }
  bool on_uint64(uint64_t v, json::string_view, boost::system::error_code&) {
    values.push_uint64(v);
    return true;
  }
  bool on_double(double v, json::string_view, boost::system::error_code&) {
    values.push_double(v);
    return true;
  }
  bool on_bool(bool v, boost::system::error_code&) {
    values.push_bool(v);
    return true;
  }
  bool on_null(boost::system::error_code&) {
    values.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }
};

struct json_attempt {
  std::optional<json::value> value;
  std::optional<parse_error> error;
  bool repeated_key = false;
};

json_attempt parse_json(std::string_view text) {
  json::basic_parser<checking_handler> parser{json::parse_options{}};
  parser.handler().values.reset();
  boost::system::error_code ec;
  size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
  json_attempt out;
  if (!ec) {
    out.value = parser.handler().values.release();
    return out;
  }
  auto [line, column] = position(text, consumed);
  out.repeated_key = parser.handler().repeated.has_value();
  out.error = parse_error(out.repeated_key ? "repeated key '" + *parser.handler().repeated + "'"
                                           : "invalid JSON: " + ec.message(),
                          line, column);
  return out;
}

bool looks_like_json(std::string_view text) {
  size_t i = text.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && (text[i] == '{' || text[i] == '[');
}

// ---- YAML -------------------------------------------------------------------------------

bool one_of(std::string_view s, std::initializer_list<std::string_view> words) {
  for (auto w : words)
    if (s == w) return true;
  return false;
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}

bool is_dec(char c) { return c >= '0' && c <= '9'; }
bool is_oct(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// A decimal, 0o or 0x integer: int64 when it fits, uint64 for larger positive ones.
std::optional<json::value> core_integer(std::string_view s) {
  int base = 10;
  bool negative = false;
  std::string_view digits = s;
  if (s.starts_with("0x") && all_of(s.substr(2), is_hex)) {
    base = 16, digits = s.substr(2);
  } else if (s.starts_with("0o") && all_of(s.substr(2), is_oct)) {
    base = 8, digits = s.substr(2);
  } else {
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) negative = digits[0] == '-', digits.remove_prefix(1);
    if (!all_of(digits, is_dec)) return std::nullopt;
  }
  uint64_t magnitude{};
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;  // out of range
  if (!negative) {
    if (magnitude <= static_cast<uint64_t>(INT64_MAX)) return json::value(static_cast<int64_t>(magnitude));
    return json::value(magnitude);
  }
  if (magnitude <= static_cast<uint64_t>(INT64_MAX)) return json::value(-static_cast<int64_t>(magnitude));
  if (magnitude == static_cast<uint64_t>(INT64_MAX) + 1) return json::value(INT64_MIN);
  return std::nullopt;
}

// [-+]? ( . digits | digits ( . digits? )? ) ( [eE] [-+]? digits )?  — finite only: JSON has
// no infinity or NaN, so ".inf" and ".nan" stay strings.
std::optional<json::value> core_float(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && is_dec(s[i])) ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t mantissa = digits();
  if (i < s.size() && s[i] == '.') ++i, mantissa += digits();
  if (mantissa == 0) return std::nullopt;
  bool fraction_or_exponent = i > 0 && s.find('.') != std::string_view::npos;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    fraction_or_exponent = true;
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return std::nullopt;
  }
  // Digits alone are an integer: one too large for 64 bits stays text rather than lose digits.
  if (i != s.size() || !fraction_or_exponent) return std::nullopt;
  std::string_view number = s[0] == '+' ? s.substr(1) : s;
  double d{};
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), d);
  if (ec != std::errc{} || end != number.data() + number.size() || !std::isfinite(d)) return std::nullopt;
  return json::value(d);
}

[[noreturn]] void fail_at(const YAML::Mark& mark, std::string problem) {
  throw parse_error(std::move(problem), mark.line + 1, mark.column + 1);
}

constexpr std::string_view str_tag = "tag:yaml.org,2002:str";

json::value to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      // "!" is the tag of a quoted scalar: a string whatever it holds.
      if (n.Tag() == "!" || n.Tag() == str_tag) return json::string(n.Scalar());
      return plain_scalar(n.Scalar());
    case YAML::NodeType::Sequence: {
      json::array out;
      out.reserve(n.size());
      for (const auto& item : n) out.push_back(to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json::object out;
      out.reserve(n.size());
      for (const auto& member : n) {  // a pair of nodes, by value: `it->first` would dangle
        const YAML::Node& key = member.first;
        if (!key.IsScalar()) fail_at(key.Mark(), "a key must be a scalar");
        const std::string& name = key.Scalar();
        if (out.contains(name)) fail_at(key.Mark(), "repeated key '" + name + "'");
        out.emplace(name, to_json(member.second));
      }
      return out;
    }
  }
  return nullptr;
}

json::value parse_yaml(std::string_view text) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    fail_at(e.mark, e.msg);
  }
  if (documents.empty()) return nullptr;
  if (documents.size() > 1) fail_at(documents[1].Mark(), "more than one document");
  return to_json(documents[0]);
}

// ---- writing ----------------------------------------------------------------------------

// Shortest text that reads back as the same double, and as a float (never as an integer).
std::string double_text(double d) {
  char buf[64];
  std::string s(buf, std::to_chars(buf, buf + sizeof buf, d).ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

void emit(YAML::Emitter& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out << YAML::Null;
      break;
    case json::kind::bool_:
      out << v.get_bool();
      break;
    case json::kind::int64:
      out << std::to_string(v.get_int64());
      break;
    case json::kind::uint64:
      out << std::to_string(v.get_uint64());
      break;
    case json::kind::double_:
      out << double_text(v.get_double());
      break;
    case json::kind::string: {
      std::string s(v.get_string());
      if (!plain_scalar(s).is_string()) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case json::kind::array:
      if (v.get_array().empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : v.get_array()) emit(out, item);
      out << YAML::EndSeq;
      break;
    case json::kind::object:
      if (v.get_object().empty()) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& [key, value] : v.get_object()) {
        std::string k(key);
        out << YAML::Key;
        if (!plain_scalar(k).is_string()) out << YAML::DoubleQuoted;
        out << k << YAML::Value;
        emit(out, value);
      }
      out << YAML::EndMap;
      break;
  }
}

void indented(const json::value& v, std::string& out, size_t indent) {
  auto newline = [&](size_t n) {
    out += '\n';
    out.append(n, ' ');
  };
  if (v.is_object() && !v.get_object().empty()) {
    out += '{';
    bool first = true;
    for (const auto& [k, child] : v.get_object()) {
      if (!first) out += ',';
      first = false;
      newline(indent + 2);
      out += json::serialize(json::string(k));
      out += ": ";
      indented(child, out, indent + 2);
    }
    newline(indent);
    out += '}';
  } else if (v.is_array() && !v.get_array().empty()) {
    const json::array& a = v.get_array();
    yaml_json::append_pretty_array(out, a.size(), indent, [&](size_t i) { indented(a[i], out, indent + 2); });
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

parse_error::parse_error(std::string problem, int line, int column)
    : std::runtime_error(at(line, column) + ": " + problem), _line(line), _column(column) {}

json::value plain_scalar(std::string_view text) {
  if (one_of(text, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (one_of(text, {"true", "True", "TRUE"})) return true;
  if (one_of(text, {"false", "False", "FALSE"})) return false;
  if (auto i = core_integer(text)) return *i;
  if (auto d = core_float(text)) return *d;
  return json::string(text);
}

json::value parse_document(std::string_view text) {
  if (looks_like_json(text)) {
    json_attempt attempt = parse_json(text);
    if (attempt.value) return std::move(*attempt.value);
    if (attempt.repeated_key) throw *attempt.error;
    // Maybe YAML in flow style ({a: 1}); if not, the JSON error is the one that helps.
    try {
      return parse_yaml(text);
    } catch (const parse_error&) {
      throw *attempt.error;
    }
  }
  return parse_yaml(text);
}

std::string to_pretty_json(const json::value& v) {
  std::string out;
  indented(v, out, 0);
  out += '\n';
  return out;
}

void append_pretty_json(std::string& out, const json::value& v, size_t indent) { indented(v, out, indent); }

void append_pretty_array(std::string& out, size_t count, size_t indent, const std::function<void(size_t)>& element) {
  if (count == 0) {
    out += "[]";
    return;
  }
  out += '[';
  for (size_t i = 0; i < count; ++i) {
    out += i ? ",\n" : "\n";
    out.append(indent + 2, ' ');
    element(i);
  }
  out += '\n';
  out.append(indent, ' ');
  out += ']';
}

std::string to_yaml(const json::value& v) {
  YAML::Emitter out;
  emit(out, v);
  std::string s = out.c_str();
  s += '\n';
  return s;
}

}  // namespace pcn::yaml_json
