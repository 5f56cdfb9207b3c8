#pragma once
// Routes requests by method and path. A pattern is a path of segments: literals, named
// parameters ("{name}") and, last, a catch-all ("{*rest}") that takes the remaining
// segments. Segments are percent-decoded before matching; a trailing slash is ignored.
// Unknown paths answer 404 and known paths with another method 405, both in JSON.
#include <functional>
#include <optional>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.hpp"
#include "reactor/task.hpp"

namespace pcn::api {

struct route_params {
  std::vector<std::pair<std::string, std::string>> named;
  std::vector<std::string> rest;  // what a catch-all took, decoded
  std::string_view query;         // after '?', undecoded
  // Where a handler puts a producer to stream its response's body (http.hpp); null when
  // the caller cannot stream.
  stream_producer* stream = nullptr;

  // The value of {name}; throws std::out_of_range when the route has no such parameter.
  const std::string& operator[](std::string_view name) const;
};

using handler = std::function<task<response>(const request&, const route_params&)>;

// Text with its %XX escapes decoded (and '+' as a space in a query); nullopt when an
// escape is malformed.
std::optional<std::string> percent_decoded(std::string_view text, bool plus_is_space);

// Splits a path into percent-decoded segments; false when an escape is malformed.
bool split_path(std::string_view path, std::vector<std::string>& segments);

class router {
 public:
  // Throws std::invalid_argument for a malformed pattern, or one that matches the same paths as
  // a route already added for the method (they differ at most in spelling).
  void add(http::verb method, std::string_view pattern, handler h);

  // Finds the handler and runs it. Routes with more literal segments win over parameters,
  // and at equal literals a route without a catch-all wins.
  task<response> dispatch(const request& req, stream_producer* stream = nullptr) const;

 private:
  struct segment {
    enum class kind { literal, parameter, rest } type;
    std::string text;  // the literal, or the parameter's name
  };
  struct route {
    http::verb method;
    std::string pattern;
    std::vector<segment> segments;
    handler run;
  };
  // How well a route matches a path: -1 for no match, else higher for more literal segments
  // and, at equal literals, for a route without a catch-all.
  static int match(const route& r, const std::vector<std::string>& path, route_params* params);
  // The canonical form of a path made of plain literals ("/a/b", no escapes, no empty
  // segments), or nullopt: such paths are looked up without splitting.
  static std::optional<std::string_view> plain_path(std::string_view path);

  std::vector<route> _routes;
  // Routes whose pattern is all literals, by canonical path: a match there is always the
  // best one, found with one hash lookup (the hot routes, like /version, are of this kind).
  std::unordered_map<std::string, std::vector<size_t>> _literal_routes;
};

}  // namespace pcn::api
