#pragma once
// The models the schema tests run against: the three real services and schematest.yang
// (every construct the REST layer serves), embedded in the test by pcn_embed_yang.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "api/schema/context.hpp"
#include "api/schema/error.hpp"
#include "api/schema/path.hpp"
#include "schema_test_yang.hpp"

namespace pcn::schema::testing {

// One context for every test: it never changes once built.
inline const schema_context& models() {
  static const schema_context context(embedded::schema_test());
  return context;
}

inline const service_schema& service(std::string_view name) {
  const service_schema* s = models().find(name);
  if (!s) throw std::logic_error("no service " + std::string(name) + " in the test models");
  return *s;
}

inline std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    auto slash = path.find('|');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// Segments are separated by '|' here, since a key may hold a '/' ("route|10.0.3.0/24|10.1.0.2").
inline resolved_path at(std::string_view service_name, std::string_view segments, std::string_view cube = "c1") {
  return resolve(service(service_name), cube, split(segments));
}

inline boost::json::value json(std::string_view text) { return boost::json::parse(text); }

// The message a request_error carries, or "no error".
template <typename F>
std::string error_of(F&& f, unsigned* status = nullptr) {
  try {
    f();
  } catch (const request_error& e) {
    if (status) *status = e.status();
    return e.what();
  }
  return "no error";
}

}  // namespace pcn::schema::testing
