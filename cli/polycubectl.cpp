#include "cli/polycubectl.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <ostream>

#include "cli/capture.hpp"
#include "cli/trace.hpp"
#include "cli/complete.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "cli/plan.hpp"
#include "cli/yaml_json.hpp"

namespace pcn::cli {
namespace {

namespace json = boost::json;

constexpr std::chrono::milliseconds completion_timeout{2000};

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// The daemon's {"message": ...}, else its body, else the status.
std::string error_message(const http_response& res) {
  json::value v = res.json();
  if (v.is_object())
    if (const json::value* m = v.get_object().if_contains("message"); m && m->is_string()) return std::string(m->get_string());
  if (!blank(res.body)) return res.body;
  return "polycubed answered HTTP " + std::to_string(res.status);
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
  if (!res.ok()) return refused(io, res);
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
        if (http_response res = client.send("GET", "cubes/"); res.ok()) cubes = res.json();
      } catch (const std::runtime_error&) {
        // The framework's help does not need the daemon; the running cubes are a bonus.
      }
      io.out << root_help(cubes);
      return exit_ok;
    }
    case plan_kind::help: {
      http_response res = send(client, p.req);
      if (!res.ok()) return refused(io, res);
      io.out << help_text(res.json(), p.cmd, p.words);
      return exit_ok;
    }
    case plan_kind::version:
      io.out << "polycubectl:\n version: " << PCN_VERSION << "\n";
      return print_answer(io, p, send(client, p.req));
    case plan_kind::delete_by_name: {
      http_response res = send(client, p.req);
      if (res.ok()) {
        try {
          p.req = delete_request(p.words.front(), res.json());
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

// `--complete words... current`: candidates, one a line; nothing at all on any failure.
int complete(std::span<const std::string> words, const environment& env, io& io) {
  try {
    environment quick = env;
    quick.timeout = std::min(env.timeout, completion_timeout);
    http_client client(endpoints_of(quick), quick.timeout);
    for (const auto& c : completion_candidates(client, words)) io.out << c << "\n";
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
  if (!args.empty() && args.front() == "trace") {
    try {
      return run_trace(args.subspan(1), env, io);
    } catch (const std::invalid_argument& e) {  // a bad POLYCUBECTL_URL
      io.err << "polycubectl: POLYCUBECTL_URL: " << e.what() << "\n";
      return exit_bad_input;
    }
  }
  if (!args.empty() && args.front() == "capture") {
    try {
      return run_capture(args.subspan(1), env, io);
    } catch (const std::invalid_argument& e) {  // a bad POLYCUBECTL_URL
      io.err << "polycubectl: POLYCUBECTL_URL: " << e.what() << "\n";
      return exit_bad_input;
    }
  }
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
