#include "api/schema/json_body.hpp"

#include <simdjson.h>

#include <boost/json/value_stack.hpp>
#include <charconv>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include "api/schema/error.hpp"

namespace pcn::schema {
namespace {

namespace json = boost::json;
namespace od = simdjson::ondemand;

// Where and why a body is not acceptable JSON.
struct parse_failure {
  size_t offset;
  std::string reason;
};

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The length of the valid UTF-8 sequence at s[i], or 0 (Unicode 15, table 3-7).
size_t utf8_sequence(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  const unsigned b = at(i);
  if (b < 0x80) return 1;
  auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) { return at(k) >= lo && at(k) <= hi; };
  if (b >= 0xC2 && b <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    const unsigned lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    const unsigned lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

// simdjson's first stage rejects some inputs as a whole (bad UTF-8, a raw control character
// in a string, a string left open) without saying where: find the place.
std::optional<size_t> locate_whole_input_error(std::string_view s) {
  bool in_string = false;
  size_t string_start = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence(s, i);
    if (n == 0) return i;
    const char c = s[i];
    if (in_string) {
      if (static_cast<unsigned char>(c) < 0x20) return i;
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
      string_start = i;
    }
    i += n;
  }
  if (in_string) return string_start;
  return std::nullopt;
}

class converter {
 public:
  converter(const simdjson::padded_string& text, size_t max_depth) : _text(text), _max_depth(max_depth) {}

  json::value document(od::document& doc) {
    od::json_type type;
    check(doc.type().get(type), doc);
    switch (type) {
      case od::json_type::object:
      case od::json_type::array: {
        od::value v;
        check(doc.get_value().get(v), doc);
        value(v, doc, 1);
        // Only whitespace may follow: a location inside the input means more came.
        const char* rest = nullptr;
        if (doc.current_location().get(rest) == simdjson::SUCCESS)
          fail(offset_of(rest), simdjson::error_message(simdjson::TRAILING_CONTENT));
        return _stack.release();
      }
      default:
        return scalar(doc, type);
    }
  }

 private:
  [[noreturn]] void fail(size_t offset, std::string reason) { throw parse_failure{offset, std::move(reason)}; }

  [[noreturn]] void refuse_number(const char* token) { fail(offset_of(token), simdjson::error_message(simdjson::NUMBER_ERROR)); }

  size_t offset_of(const char* p) const { return static_cast<size_t>(p - _text.data()); }

  // A document that is one scalar. simdjson does not always check what follows it; its token
  // runs up to the next one, so a token that ends before the text does is followed by more.
  json::value scalar(od::document& doc, od::json_type type) {
    std::string_view token;
    check(doc.raw_json_token().get(token), doc);
    if (const size_t end = offset_of(token.data()) + token.size(); end < _text.size())
      fail(end, simdjson::error_message(simdjson::TRAILING_CONTENT));
    switch (type) {
      case od::json_type::number:
        return number(doc, doc);
      case od::json_type::string: {
        std::string_view s;
        check(doc.get_string().get(s), doc);
        return json::string(s);
      }
      // The atoms are read here: simdjson 3.0's root get_bool() takes "false" followed by one
      // more character ("falseA") for false and refuses "false" followed by two spaces or
      // more, and its root is_null() refuses "null" followed by one (simdjson issues 1981 and
      // 2354). The token runs to the end of the body: the word, then whitespace only.
      case od::json_type::boolean: {
        const std::string_view word = atom(token);
        if (word == "true") return true;
        if (word == "false") return false;
        fail(offset_of(token.data()), simdjson::error_message(simdjson::INCORRECT_TYPE));
      }
      default: {
        if (atom(token) == "null") return nullptr;
        fail(offset_of(token.data()), simdjson::error_message(simdjson::N_ATOM_ERROR));
      }
    }
  }

  static std::string_view atom(std::string_view token) {
    while (!token.empty() && is_json_space(token.back())) token.remove_suffix(1);
    return token;
  }

  void check(simdjson::error_code err, od::document& doc) {
    if (err == simdjson::SUCCESS) return;
    const char* where = nullptr;
    size_t offset = doc.current_location().get(where) == simdjson::SUCCESS ? offset_of(where) : _text.size();
    fail(offset, simdjson::error_message(err));
  }

  void value(od::value v, od::document& doc, size_t depth) {
    od::json_type type;
    check(v.type().get(type), doc);
    switch (type) {
      case od::json_type::object: {
        if (depth > _max_depth) too_deep(doc);
        od::object object;
        check(v.get_object().get(object), doc);
        const size_t first = _names.size();
        std::unordered_set<std::string_view> many;
        size_t count = 0;
        for (auto field : object) {
          od::field f;
          check(std::move(field).get(f), doc);
          const size_t at = offset_of(f.key().raw()) - 1;  // the opening quote; unescaping consumes the key
          std::string_view name;
          check(f.unescaped_key().get(name), doc);
          if (repeats(first, name, many)) fail(at, "the object repeats member \"" + std::string(name) + "\"");
          _stack.push_key(name);
          value(f.value(), doc, depth + 1);
          ++count;
        }
        _names.resize(first);
        _stack.push_object(count);
        return;
      }
      case od::json_type::array: {
        if (depth > _max_depth) too_deep(doc);
        od::array array;
        check(v.get_array().get(array), doc);
        size_t count = 0;
        for (auto element : array) {
          od::value e;
          check(std::move(element).get(e), doc);
          value(e, doc, depth + 1);
          ++count;
        }
        _stack.push_array(count);
        return;
      }
      case od::json_type::number: {
        json::value j = number(v, doc);
        if (j.is_int64()) _stack.push_int64(j.get_int64());
        else if (j.is_uint64()) _stack.push_uint64(j.get_uint64());
        else _stack.push_double(j.get_double());
        return;
      }
      case od::json_type::string: {
        std::string_view s;
        check(v.get_string().get(s), doc);
        _stack.push_string(s);
        return;
      }
      case od::json_type::boolean: {
        bool b = false;
        check(v.get_bool().get(b), doc);
        _stack.push_bool(b);
        return;
      }
      case od::json_type::null: {
        bool null = false;
        check(v.is_null().get(null), doc);
        if (!null) check(simdjson::N_ATOM_ERROR, doc);
        _stack.push_null();
        return;
      }
    }
  }

  // Whether an object (its names from _names[first] on) already has `name`: a scan while it
  // is small, a set once large, so that a hostile body cannot make it quadratic. The names of
  // the objects being read stack up in one vector: no allocation per object.
  bool repeats(size_t first, std::string_view name, std::unordered_set<std::string_view>& many) {
    constexpr size_t scan_limit = 16;
    if (many.empty()) {
      for (size_t i = first; i < _names.size(); ++i)
        if (_names[i] == name) return true;
      _names.push_back(name);
      if (_names.size() - first > scan_limit) many.insert(_names.begin() + ptrdiff_t(first), _names.end());
      return false;
    }
    return !many.insert(name).second;
  }

  // simdjson classifies the number; its token is converted by the standard library, not by
  // simdjson 3.0's getters: get_number() gives 0 for a decimal of more than 19 significant
  // digits (simdjson issue 2099), get_double() is wrong for some of those too (0.2431… of 20
  // digits came out as 0.0587), and a document that is a lone integer of 21 digits comes out
  // of get_uint64() as its first 20. An integer beyond 64 bits is refused.
  template <typename Source>
  json::value number(Source& source, od::document& doc) {
    od::number_type type{};
    check(source.get_number_type().get(type), doc);
    std::string_view token;
    if constexpr (std::is_same_v<Source, od::document>) check(source.raw_json_token().get(token), doc);
    else token = source.raw_json_token();
    // The token may end in whitespace; simdjson checks that nothing else follows the number.
    const char *first = token.data(), *last = token.data() + token.size();
    switch (type) {
      case od::number_type::signed_integer:
      case od::number_type::unsigned_integer: {
        // simdjson's getter checks the grammar (it refuses 01), the token gives the value.
        if (type == od::number_type::signed_integer ? source.get_int64().error() : source.get_uint64().error()) refuse_number(first);
        int64_t i = 0;
        if (auto [end, error] = std::from_chars(first, last, i); error == std::errc{} && end != first) return i;
        uint64_t u = 0;
        if (auto [end, error] = std::from_chars(first, last, u); error == std::errc{} && end != first) return u;
        refuse_number(first);
      }
      default: {
        double d = 0;
        if (source.get_double().error()) refuse_number(first);
        if (auto [end, error] = std::from_chars(first, last, d); error != std::errc{} || end == first) refuse_number(first);
        return d;
      }
    }
  }

  [[noreturn]] void too_deep(od::document& doc) {
    const char* where = nullptr;
    size_t offset = doc.current_location().get(where) == simdjson::SUCCESS ? offset_of(where) : 0;
    fail(offset, "nesting deeper than " + std::to_string(_max_depth) + " arrays and objects");
  }

  const simdjson::padded_string& _text;
  size_t _max_depth;
  json::value_stack _stack;
  std::vector<std::string_view> _names;  // views into the parser's buffer, valid for this body
};

// One parser per thread, reused: it keeps the buffers sized by the largest body so far.
od::parser& thread_parser() {
  thread_local od::parser parser;
  return parser;
}

}  // namespace

json::value parse_json_body(std::string_view body, size_t max_bytes, size_t max_depth) {
  if (body.size() > max_bytes)
    throw request_error(413, "", "request body of " + std::to_string(body.size()) + " bytes is over the limit of " +
                                     std::to_string(max_bytes) + " bytes");
  size_t first = 0;
  while (first < body.size() && is_json_space(body[first])) ++first;
  if (first == body.size()) return nullptr;
  const simdjson::padded_string text(body);
  try {
    od::document doc;
    if (auto err = thread_parser().iterate(text).get(doc)) {
      auto where = locate_whole_input_error(body);
      throw parse_failure{where.value_or(body.size()), simdjson::error_message(err)};
    }
    return converter(text, max_depth).document(doc);
  } catch (const parse_failure& f) {
    throw request_error(400, "", "malformed JSON at byte " + std::to_string(f.offset) + ": " + f.reason);
  }
}

}  // namespace pcn::schema
