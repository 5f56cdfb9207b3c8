#include "cli/trace.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <ostream>

#include "cli/args.hpp"
#include "cli/plan.hpp"
#include "cli/stream_command.hpp"

namespace pcn::cli {
namespace {

namespace json = boost::json;

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return {};
  return v->is_string() ? std::string(v->get_string()) : json::serialize(*v);
}

// "  2  br1:port1 (ingress)  forward -> r1:port1"
std::string hop_line(const json::object& hop) {
  std::string where = hop.contains("netdev") ? "netdev " + text(hop, "netdev") : text(hop, "cube");
  if (hop.contains("port")) where += ":" + text(hop, "port");
  if (hop.contains("ucube") && text(hop, "ucube") != "master") where += " ucube " + text(hop, "ucube");
  std::string line = "  " + text(hop, "hop") + "  " + where + " (" + text(hop, "direction") + ")  " + text(hop, "verdict");
  if (hop.contains("from")) line += " from " + text(hop, "from");
  if (hop.contains("out_port")) line += " out of " + text(hop, "out_port");
  if (hop.contains("to")) line += " -> " + text(hop, "to");
  if (hop.contains("reason")) line += " [" + text(hop, "reason") + "]";
  return line;
}

bool is_last(const json::object& hop) {
  std::string v = text(hop, "verdict");
  if (v == "drop" || v == "slowpath" || v == "stack") return true;
  return v == "forward" && text(hop, "to").starts_with("netdev ");
}

}  // namespace

trace_options parse_trace_args(std::span<const std::string> args) {
  trace_options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-c") {
      if (i + 1 >= args.size()) throw syntax_error("trace: -c needs a number");
      o.count = flag_number<uint64_t>("trace", "-c", args[++i], 1);
    } else if (a == "-j") {
      o.json = true;
    } else if (o.target.empty()) {
      o.target = a;
    } else {
      o.filter += (o.filter.empty() ? "" : " ") + a;
    }
  }
  if (o.target.empty()) throw syntax_error("trace: which port? polycubectl trace <cube:port | netdev> [-c COUNT] [-j] [filter]");
  return o;
}

int run_trace(std::span<const std::string> args, const environment& env, io& io) {
  trace_options o;
  try {
    o = parse_trace_args(args);
  } catch (const syntax_error& e) {
    io.err << "polycubectl: " << e.what() << "\n";
    return exit_bad_input;
  }
  std::string target = "trace/" + url_segment(o.target);
  if (!o.filter.empty()) {
    std::string q;
    for (char c : o.filter) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') q += c;
      else q += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
    target += "?filter=" + q;
  }
  signal_guard signals;
  int status = exit_ok;
  uint64_t packets = 0;
  try {
    http_client client(endpoints_of(env), env.timeout);
    if (!o.json) io.err << "polycubectl: tracing " << o.target << ", Ctrl-C to stop\n";
    std::string buffer;
    std::map<uint64_t, std::vector<json::object>> open;  // hops of packets not finished yet
    std::string error;
    auto finish = [&](uint64_t id) {
      auto it = open.find(id);
      if (it == open.end()) return;
      io.out << "packet " << id << "\n";
      for (const auto& hop : it->second) io.out << hop_line(hop) << "\n";
      open.erase(it);
      ++packets;
    };
    auto on_data = [&](std::string_view bytes) {
      buffer += bytes;
      for (size_t nl; (nl = buffer.find('\n')) != std::string::npos;) {
        std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        json::value v;
        try {
          v = json::parse(line);
        } catch (const std::exception&) {
          continue;
        }
        json::object* hop = v.if_object();
        if (!hop) continue;
        if (hop->contains("error")) {
          error = text(*hop, "error");
          return false;
        }
        uint64_t id = hop->contains("packet") ? static_cast<uint64_t>(hop->at("packet").to_number<double>()) : 0;
        if (o.json) {
          io.out << line << "\n";
          if (is_last(*hop)) ++packets;
        } else {
          // A packet that enters again on the same CPU replaces the previous one there: print what ended.
          open[id].push_back(*hop);
          if (is_last(*hop)) finish(id);
        }
        io.out.flush();
        if (o.count && packets >= *o.count) return false;
      }
      return true;
    };
    http_response res = client.stream(target, on_data, g_signal_pipe[0]);
    if (!res.ok() && res.status != 0) {
      io.err << "polycubectl: trace " << o.target << ": " << error_text(res) << "\n";
      status = exit_refused;
    } else if (!error.empty()) {
      io.err << "polycubectl: trace " << o.target << ": " << error << "\n";
      status = exit_refused;
    }
    while (!open.empty()) finish(open.begin()->first);  // what ended without a last hop we know of
  } catch (const std::runtime_error& e) {
    io.err << "polycubectl: " << e.what() << "\n";
    status = exit_unreachable;
  }
  if (!o.json) io.err << packets << " packet" << (packets == 1 ? "" : "s") << " traced\n";
  return status;
}

}  // namespace pcn::cli
