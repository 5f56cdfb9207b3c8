#include "cli/plan.hpp"

#include <charconv>
#include <stdexcept>

namespace pcn::cli {
namespace {

namespace json = boost::json;

std::string method_of(command c) {
  switch (c) {
    case command::none:
    case command::add: return "POST";
    case command::del: return "DELETE";
    case command::show: return "GET";
    case command::set: return "PATCH";
  }
  return "POST";
}

json::object strings(std::initializer_list<std::pair<std::string_view, std::string_view>> members) {
  json::object out;
  for (const auto& [k, v] : members) out[k] = v;
  return out;
}

void require_no_assignments(const command_line& line, std::string_view what) {
  if (!line.assignments.empty())
    throw syntax_error(quoted(line.assignments.front().first + "=" + line.assignments.front().second) + ": " +
                       std::string(what) + " takes no key=value arguments");
}

void require_arity(const command_line& line, size_t words, std::string_view usage) {
  if (line.path.size() != words || line.cmd != command::none)
    throw syntax_error("bad syntax, usage: " + std::string(usage));
}

// (Designated initializers would leave members out, which -Wextra flags.)
plan of_kind(plan_kind kind, request req = {}) {
  plan p;
  p.kind = kind;
  p.req = std::move(req);
  return p;
}

plan post(std::string target, json::object body) {
  return of_kind(plan_kind::call, {"POST", std::move(target), json::value(std::move(body))});
}

// connect, disconnect, attach, detach: framework resources whose words are positional.
std::optional<plan> framework_command(const command_line& line) {
  const std::string& first = line.path.front();
  if (first == "connect" || first == "disconnect") {
    require_arity(line, 3, first + " <peer1> <peer2>   (a peer is cube:port or a netdev)");
    require_no_assignments(line, first);
    return post(first + "/", strings({{"peer1", line.path[1]}, {"peer2", line.path[2]}}));
  }
  if (first == "detach") {
    require_arity(line, 3, "detach <cube> <port>   (a port is cube:port or a netdev)");
    require_no_assignments(line, "detach");
    return post("detach/", strings({{"cube", line.path[1]}, {"port", line.path[2]}}));
  }
  if (first == "attach") {
    require_arity(line, 3, "attach <cube> <port> [position=auto|first|last | before=<cube> | after=<cube>]");
    json::object body = strings({{"cube", line.path[1]}, {"port", line.path[2]}});
    if (line.assignments.size() > 1) throw syntax_error("attach: give only one of position=, before=, after=");
    for (const auto& [key, value] : line.assignments) {
      if (key != "position" && key != "before" && key != "after")
        throw syntax_error(quoted(key + "=" + value) + ": attach takes position=, before= or after=");
      if (key == "position" && value != "auto" && value != "first" && value != "last")
        throw syntax_error(quoted(key + "=" + value) + ": position is auto, first or last");
      if (value.empty()) throw syntax_error(quoted(key + "=") + ": name a cube");
      body[key] = value;
    }
    return post("attach/", std::move(body));
  }
  return std::nullopt;
}

bool is_framework_word(std::string_view w) {
  return is_wiring_command(w) || w == "services" || w == "cubes" || w == "topology" || w == "netdevs" || w == "version";
}

// Resources that are only read: without a command, they are shown.
bool is_shown_by_default(const command_line& line) {
  const std::string& first = line.path.front();
  return line.cmd == command::none && line.assignments.empty() &&
         (first == "topology" || first == "netdevs" || (line.path.size() == 1 && (first == "cubes" || first == "services")));
}

plan help_plan(const command_line& line) {
  if (line.path.empty()) return of_kind(plan_kind::root_help);
  const std::string& first = line.path.front();
  plan p = is_wiring_command(first) || (line.path.size() == 1 && is_framework_word(first))
               ? of_kind(plan_kind::local_help)
               : of_kind(plan_kind::help, {"OPTIONS", help_target(line.path, line.cmd), std::nullopt});
  p.cmd = line.cmd;
  p.words = line.path;
  if (p.kind == plan_kind::local_help) p.topic = first;
  return p;
}

// `set` with no key=value and words after it: the last word is the new value of the leaf the
// other words name (`hw0 action set DROP`, `hw0 set action DROP` -> PATCH hw0/action/ "DROP").
std::optional<plan> set_leaf(const command_line& line) {
  if (line.cmd != command::set || !line.assignments.empty() || line.path.size() <= line.before_command) return std::nullopt;
  std::vector<std::string> leaf(line.path.begin(), line.path.end() - 1);
  if (leaf.empty()) throw syntax_error("set " + line.path.back() + ": name what to set");
  plan p = of_kind(plan_kind::call, {"PATCH", url_path(leaf), typed_value(line.path.back())});
  p.cmd = command::set;
  p.words = std::move(leaf);
  return p;
}

}  // namespace

std::string url_segment(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                c == '_' || c == '~' || c == ':' || c == '@';
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool is_wiring_command(std::string_view word) {
  return word == "connect" || word == "disconnect" || word == "attach" || word == "detach";
}

std::string help_target(const std::vector<std::string>& words, command c, bool completion) {
  std::string name(command_name(c));
  for (char& ch : name) ch = static_cast<char>(ch - 'a' + 'A');
  return url_path(words) + "?help=" + (name.empty() ? std::string("NONE") : name) + (completion ? "&completion" : "");
}

std::string url_path(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += url_segment(w) + "/";
  return out;
}

json::value typed_value(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  bool canonical = !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos &&
                   (digits[0] != '0' || digits.size() == 1) && text != "-0";
  if (canonical) {
    int64_t i{};
    if (auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i); ec == std::errc{}) return i;
    uint64_t u{};
    if (auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), u); ec == std::errc{}) return u;
  }
  return json::string(text);
}

json::object assignments_body(const std::vector<std::pair<std::string, std::string>>& assignments) {
  json::object body;
  for (const auto& [key, value] : assignments) {
    const std::string word = quoted(key + "=" + value);
    json::object* at = &body;
    std::string_view rest = key;
    for (;;) {
      size_t dot = rest.find('.');
      std::string_view part = rest.substr(0, dot);
      if (part.empty()) throw syntax_error(word + ": empty name in " + quoted(key));
      if (dot == std::string_view::npos) {
        if (at->contains(part)) throw syntax_error(word + ": " + quoted(key) + " is given twice");
        (*at)[part] = typed_value(value);
        break;
      }
      json::value& next = (*at)[part];
      if (next.is_null()) next = json::object{};
      if (!next.is_object()) throw syntax_error(word + ": " + quoted(part) + " is given a value already");
      at = &next.get_object();
      rest = rest.substr(dot + 1);
    }
  }
  return body;
}

plan make_plan(const command_line& line) {
  if (line.usage) return of_kind(plan_kind::usage);
  if (line.help) return help_plan(line);
  if (line.path.empty()) {
    if (line.cmd == command::none) throw syntax_error("nothing to do: name a service, a cube or a command (see polycubectl -h)");
    throw syntax_error(std::string(command_name(line.cmd)) + ": name what to " + std::string(command_name(line.cmd)));
  }

  const bool shown_by_default = is_shown_by_default(line);
  const command cmd = shown_by_default ? command::show : line.cmd;
  if ((line.format_given || !line.hide.empty()) && cmd != command::show)
    throw syntax_error("output flags (-json -yaml -brief -verbose -normal -hide) go with the show command");

  if (line.path.front() == "version" && line.path.size() == 1 && cmd == command::none) {
    require_no_assignments(line, "version");
    plan p = of_kind(plan_kind::version, {"GET", "version/", std::nullopt});
    p.print_answer = true;
    return p;
  }
  if (cmd == command::none)
    if (auto p = framework_command(line)) return *p;
  if (auto p = set_leaf(line)) return *p;

  plan p = of_kind(plan_kind::call, {method_of(cmd), url_path(line.path), std::nullopt});
  p.cmd = cmd;
  p.words = line.path;
  switch (cmd) {
    case command::show:
      require_no_assignments(line, "show");
      p.print_answer = true;
      p.print = {line.format, line.hide};
      if (shown_by_default && line.path == std::vector<std::string>{"topology"} && !line.format_given && line.hide.empty())
        p.print = {show_format::verbose, {"uuid"}};
      break;
    case command::del:
      require_no_assignments(line, "del");
      // `del hw0`: one word, a cube named without its service.
      if (line.path.size() == 1 && !is_framework_word(line.path.front())) {
        p.kind = plan_kind::delete_by_name;
        p.req = {"GET", "cubes/" + url_path(line.path), std::nullopt};
      }
      break;
    case command::none:  // an action: it may answer something worth printing
      p.print_answer = true;
      [[fallthrough]];
    case command::add:
    case command::set:
      p.req.body = assignments_body(line.assignments);
      p.body_from_stdin = line.assignments.empty();
      if (cmd == command::set && line.assignments.empty()) p.req.body.reset();  // stdin must say what
      break;
  }
  return p;
}

request delete_request(std::string_view cube, const json::value& cube_document) {
  const json::object* o = cube_document.if_object();
  const json::value* service = o ? o->if_contains("service-name") : nullptr;
  if (!service || !service->is_string() || service->get_string().empty())
    throw std::runtime_error("del " + std::string(cube) + ": the daemon did not say which service the cube belongs to");
  return {"DELETE", url_path({std::string(service->get_string()), std::string(cube)}), std::nullopt};
}

}  // namespace pcn::cli
