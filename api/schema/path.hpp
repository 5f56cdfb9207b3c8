#pragma once
// REST paths against a service's schema tree. A service route is
// /polycube/v1/<service>/<cube>/<segment>...; resolve() takes the cube's name and the
// segments after it (percent-decoded) and says what they designate. List keys are segments:
// a list followed by as many segments as it has keys is one entry, by none the whole list.
#include <boost/json/value.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/schema/context.hpp"
#include "api/schema/node.hpp"

namespace pcn::schema {

enum class target_kind { container, list, list_entry, leaf, leaf_list, action };
std::string_view kind_name(target_kind kind);  // "container", "list", "list-entry", ...

// One key met on the way: the cube's name first (list empty), then each list's keys.
struct path_key {
  std::string list;          // the list's schema path, "ports", "chain/rule"; empty for the cube
  std::string name;          // the key leaf
  std::string value;         // as the URL has it
  boost::json::value json;   // normalised by the key's type (value.hpp)
};

struct resolved_path {
  const service_schema* service = nullptr;
  const node* target = nullptr;  // the root for the cube itself; the list for its entries
  target_kind kind = target_kind::container;
  std::vector<path_key> keys;
  std::string path;  // for messages: the segments joined, "ports/port1/peer"; empty for the cube
};

// Throws request_error: 404 for a path the model does not have (naming the segment and what
// was expected there, or the keys a list still needs), 400 for a key value its type refuses.
resolved_path resolve(const service_schema& service, std::string_view cube, std::span<const std::string> segments);

enum class method { get, post, put, patch, del };
std::string_view method_name(method m);  // "GET", "POST", ...

// The methods a target answers, besides OPTIONS (help), which every target answers. The cube
// and list entries take all five; lists GET, POST (add entries), PUT, PATCH, DELETE;
// containers GET, PUT, PATCH (POST and DELETE too when presence containers); leaves and
// leaf-lists GET, PUT, PATCH; actions POST. State (config false) and list keys: GET only.
std::vector<method> allowed_methods(const resolved_path& target);

}  // namespace pcn::schema
