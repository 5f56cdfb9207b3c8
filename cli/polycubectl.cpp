#include "cli/polycubectl.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <ostream>

#include "cli/help.hpp"
#include "cli/output.hpp"
#include "cli/plan.hpp"
#include "cli/yaml_json.hpp"

namespace pcn::cli {
namespace {

namespace json = boost::json;

constexpr std::chrono::milliseconds completion_timeout{2000};

bool ok(const http_response& res) { return res.status >= 200 && res.status < 300; }

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// The daemon's {"message": ...}, else its body, else the status.
std::string error_message(const http_response& res) {
  boost::system::error_code ec;
  json::value v = json::parse(res.body, ec);
  if (!ec && v.is_object())
    if (const json::value* m = v.get_object().if_contains("message"); m && m->is_string()) return std::string(m->get_string());
  if (!blank(res.body)) return res.body;
  return "polycubed answered HTTP " + std::to_string(res.status);
}

// A JSON answer; null when the body is empty or is not JSON.
json::value answer_json(const http_response& res) {
  boost::system::error_code ec;
  json::value v = json::parse(res.body, ec);
  return ec ? json::value(nullptr) : v;
}

http_response send(http_client& client, const request& r) {
  if (!r.body) return client.send(r.method, r.target);
  return client.send(r.method, r.target, json::serialize(*r.body), true);
}

int refused(io& io, const http_response& res) {
  io.err << error_message(res) << "\n";
  return exit_refused;
}

int print_answer(io& io, const plan& p, const http_response& res) {
  if (!ok(res)) return refused(io, res);
  if (!p.print_answer || blank(res.body)) return exit_ok;
  boost::system::error_code ec;
  json::value v = json::parse(res.body, ec);
  if (ec) {
    io.out << res.body << (res.body.ends_with('\n') ? "" : "\n");
    return exit_ok;
  }
  // An action that answers nothing in particular prints nothing.
  if (p.cmd == command::none && (v.is_null() || (v.is_object() && v.get_object().empty()))) return exit_ok;
  io.out << show_text(v, p.print);
  return exit_ok;
}

// add, set and actions without key=value: the body may be a document on stdin.
std::optional<int> take_stdin_body(io& io, plan& p) {
  if (!p.body_from_stdin) return std::nullopt;
  if (std::optional<std::string> text = io.read_stdin ? io.read_stdin() : std::nullopt; text && !blank(*text)) {
    try {
      p.req.body = yaml_json::parse_document(*text);
    } catch (const yaml_json::parse_error& e) {
      io.err << "polycubectl: stdin: " << e.what() << "\n";
      return exit_bad_input;
    }
  }
  if (!p.req.body) {  // only set has no body of its own
    io.err << "polycubectl: set: give key=value arguments, a value, or a document on stdin\n";
    return exit_bad_input;
  }
  return std::nullopt;
}

int execute(plan& p, http_client& client, io& io) {
  switch (p.kind) {
    case plan_kind::root_help: {
      json::value cubes = nullptr;
      try {
        if (http_response res = client.send("GET", "cubes/"); ok(res)) cubes = answer_json(res);
      } catch (const std::runtime_error&) {
        // The framework's help does not need the daemon; the running cubes are a bonus.
      }
      io.out << root_help(cubes);
      return exit_ok;
    }
    case plan_kind::help: {
      http_response res = send(client, p.req);
      if (!ok(res)) return refused(io, res);
      io.out << help_text(answer_json(res), p.cmd, p.words);
      return exit_ok;
    }
    case plan_kind::version:
      io.out << "polycubectl:\n version: " << PCN_VERSION << "\n";
      return print_answer(io, p, send(client, p.req));
    case plan_kind::delete_by_name: {
      http_response res = send(client, p.req);
      if (ok(res)) {
        try {
          p.req = delete_request(p.words.front(), answer_json(res));
        } catch (const std::runtime_error& e) {
          io.err << "polycubectl: " << e.what() << "\n";
          return exit_refused;
        }
      } else if (res.status == 404) {
        p.req = {"DELETE", url_path(p.words), std::nullopt};  // not a cube: the daemon says what it is
      } else {
        return refused(io, res);
      }
      return print_answer(io, p, send(client, p.req));
    }
    case plan_kind::call:
      if (auto status = take_stdin_body(io, p)) return *status;
      return print_answer(io, p, send(client, p.req));
    case plan_kind::local_help:
    case plan_kind::usage:
      break;
  }
  return exit_ok;
}

// ---- completion -------------------------------------------------------------------------

bool is_wiring(std::string_view w) { return w == "connect" || w == "disconnect" || w == "attach" || w == "detach"; }

json::value get_json(http_client& client, const std::string& target) {
  http_response res = client.send("GET", target);
  return ok(res) ? answer_json(res) : json::value(nullptr);
}

std::vector<std::string> framework_candidates(http_client& client, const command_line& line, std::string_view current) {
  const std::string& first = line.path.front();
  if (is_wiring(first)) {
    if (line.path.size() >= 3 && first == "attach")
      return {"position=auto", "position=first", "position=last", "before=", "after="};
    if (line.path.size() >= 3) return {};
    if (size_t colon = current.find(':'); colon != std::string_view::npos) {
      std::string cube(current.substr(0, colon));
      std::vector<std::string> out;
      for (const auto& port : entry_names(get_json(client, url_segment(cube) + "/ports/"), "name"))
        out.push_back(cube + ":" + port);
      return out;
    }
    std::vector<std::string> cubes = listed_names(get_json(client, "cubes/"));
    if (first == "attach" && line.path.size() == 1) return cubes;  // the transparent cube
    std::vector<std::string> out = listed_names(get_json(client, "netdevs/"));
    for (const auto& cube : cubes) out.push_back(cube + ":");
    return out;
  }
  std::vector<std::string> out;
  if (line.cmd == command::none && line.path.size() == 1) out = {"show"};
  if (first == "topology" || first == "netdevs") {
    auto names = listed_names(get_json(client, "netdevs/"));
    out.insert(out.end(), names.begin(), names.end());
  } else if (first == "cubes") {
    if (line.cmd == command::none) out.push_back("add");
    auto names = listed_names(get_json(client, "cubes/"));
    out.insert(out.end(), names.begin(), names.end());
  } else if (first == "services") {
    if (line.cmd == command::none) out.insert(out.end(), {"add", "del"});
    if (line.cmd != command::add) {
      auto names = listed_names(get_json(client, "services/"));
      out.insert(out.end(), names.begin(), names.end());
    }
  }
  return out;
}

std::vector<std::string> candidates(http_client& client, const command_line& line, std::string_view current) {
  if (line.path.empty()) {
    std::vector<std::string> out;
    if (line.cmd == command::none)
      out = {"connect", "disconnect", "attach", "detach", "services", "cubes", "topology", "netdevs", "version",
             "add", "del", "show"};
    if (line.cmd != command::del) {
      auto services = listed_names(get_json(client, "services/"));
      out.insert(out.end(), services.begin(), services.end());
    }
    if (line.cmd != command::add) {
      auto cubes = listed_names(get_json(client, "cubes/"));
      out.insert(out.end(), cubes.begin(), cubes.end());
    }
    return out;
  }
  if (is_wiring(line.path.front()) || line.path.front() == "topology" || line.path.front() == "netdevs" ||
      line.path.front() == "cubes" || line.path.front() == "services")
    return framework_candidates(client, line, current);

  std::string path = url_path(line.path);
  std::string cmd(command_name(line.cmd));
  for (char& c : cmd) c = static_cast<char>(c - 'a' + 'A');
  http_response res = client.send("OPTIONS", path + "?help=" + (cmd.empty() ? "NONE" : cmd) + "&completion");
  if (!ok(res)) return {};
  json::value doc = answer_json(res);
  std::vector<std::string> entries;
  if (describes_list(doc) && line.cmd != command::add) entries = entry_names(get_json(client, path), first_key(doc));
  return completions(doc, line.cmd, current, entries);
}

int complete(std::span<const std::string> words, const environment& env, io& io) {
  std::string current = words.empty() ? std::string() : words.back();
  std::vector<std::string> before(words.begin(), words.empty() ? words.end() : words.end() - 1);
  try {
    command_line line = parse_args(before);
    environment quick = env;
    quick.timeout = std::min(env.timeout, completion_timeout);
    http_client client(endpoints_of(quick), quick.timeout);
    for (const auto& c : candidates(client, line, current)) io.out << c << "\n";
  } catch (const std::exception&) {
    // Completion is best effort: nothing to offer is the answer to any failure.
  }
  return exit_ok;
}

}  // namespace

std::vector<endpoint> endpoints_of(const environment& env) {
  if (env.url) return {parse_endpoint(*env.url)};
  return {parse_endpoint(default_url), parse_endpoint(default_socket_url)};
}

int run(std::span<const std::string> args, const environment& env, io& io) {
  if (!args.empty() && args.front() == "--complete") return complete(args.subspan(1), env, io);
  plan p;
  try {
    p = make_plan(parse_args(args));
  } catch (const syntax_error& e) {
    io.err << "polycubectl: " << e.what() << "\n";
    return exit_bad_input;
  }
  if (p.kind == plan_kind::usage) {
    io.out << usage();
    return exit_ok;
  }
  if (p.kind == plan_kind::local_help) {
    io.out << local_help(p.topic, p.cmd);
    return exit_ok;
  }
  try {
    http_client client(endpoints_of(env), env.timeout);
    return execute(p, client, io);
  } catch (const std::invalid_argument& e) {  // a bad POLYCUBECTL_URL
    io.err << "polycubectl: POLYCUBECTL_URL: " << e.what() << "\n";
    return exit_bad_input;
  } catch (const unreachable_error& e) {
    io.err << "polycubectl: " << e.what() << "\n";
    return exit_unreachable;
  } catch (const transport_error& e) {
    io.err << "polycubectl: " << e.what() << "\n";
    return exit_unreachable;
  }
}

}  // namespace pcn::cli
