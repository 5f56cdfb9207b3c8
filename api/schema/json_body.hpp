#pragma once
// Request bodies: JSON parsed by simdjson (On-Demand) into a Boost.JSON value, the form the
// rest of the API layer works with.
#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

namespace pcn::schema {

inline constexpr size_t default_max_depth = 64;

// An empty body (nothing but JSON whitespace) is null. Throws request_error: 413 when the
// body is over `max_bytes`; 400 for malformed JSON ("malformed JSON at byte 12: ..."), an
// object that repeats a member, or nesting deeper than `max_depth` arrays and objects.
boost::json::value parse_json_body(std::string_view body, size_t max_bytes, size_t max_depth = default_max_depth);

}  // namespace pcn::schema
