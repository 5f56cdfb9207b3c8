#pragma once
// From a command line to what polycubectl does: which REST request it sends and how it
// prints the answer. Pure: no I/O, so every mapping can be tested.
//
//   add -> POST    set -> PATCH    show -> GET    del -> DELETE    ? -> OPTIONS ?help=CMD
//   no command -> POST (a YANG action: `fw1 chain INGRESS append ...`)
//
// Path words become URL segments, percent-encoded, so list keys are positional
// (`r1 route add 10.0.3.0/24 10.1.0.2` -> POST r1/route/10.0.3.0%2F24/10.1.0.2/);
// key=value words become the JSON body, `a.b=x` nesting as {"a":{"b":"x"}}.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/args.hpp"

namespace pcn::cli {

// One HTTP request; `target` is relative to the REST root (".../polycube/v1/").
struct request {
  std::string method;
  std::string target;
  std::optional<boost::json::value> body;

  bool operator==(const request&) const = default;
};

enum class plan_kind {
  call,            // send `req`, print what it answers (show, actions) or nothing (add, set, del)
  delete_by_name,  // `del <cube>`: GET cubes/<cube>/ (req) names its service, then delete_request()
  help,            // send `req` (OPTIONS), print the help document for `cmd`
  local_help,      // print the help of `topic`, a framework command no model describes
  root_help,       // print the framework commands, and the running cubes if the daemon answers
  usage,           // print how to use polycubectl
  version,         // print polycubectl's version, then call `req` (the daemon's)
};

struct print_options {
  show_format format = show_format::normal;
  std::vector<std::string> hide;
};

struct plan {
  plan_kind kind = plan_kind::call;
  request req;
  command cmd = command::none;
  std::vector<std::string> words;  // the path words (help examples, the cube of delete_by_name)
  // add, set and actions given no key=value: a JSON or YAML document on stdin is the body.
  bool body_from_stdin = false;
  bool print_answer = false;  // show and actions print what the daemon answers
  print_options print;
  std::string topic;  // local_help
};

// Throws syntax_error for a line no request can come from.
plan make_plan(const command_line& line);

// The DELETE that follows `del <cube>`, given the answer of GET cubes/<cube>/.
// Throws std::runtime_error when the answer names no service.
request delete_request(std::string_view cube, const boost::json::value& cube_document);

// A path segment, percent-encoded (unreserved characters, ':' and '@' stay as they are).
std::string url_segment(std::string_view s);

// The URL path of these words ("a/b%2Fc/"), relative to the REST root.
std::string url_path(const std::vector<std::string>& words);

// The OPTIONS target asking for help on these words for a command: "r1/ports/?help=ADD",
// with "&completion" when it is for completion.
std::string help_target(const std::vector<std::string>& words, command c, bool completion = false);

// connect, disconnect, attach, detach: framework commands whose words are positional.
bool is_wiring_command(std::string_view word);

// A value typed on the command line: a canonical decimal integer becomes a number, true and
// false booleans, anything else a string ("007", "1.0" and "10.0.1.1" stay strings).
boost::json::value typed_value(std::string_view text);

// key=value arguments as a JSON object; dotted keys nest. Throws syntax_error when a key is
// both a value and a container ("a=1 a.b=2") or has an empty part ("a..b").
boost::json::object assignments_body(const std::vector<std::pair<std::string, std::string>>& assignments);

}  // namespace pcn::cli
