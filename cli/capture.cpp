#include "cli/capture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <cerrno>
#include <ctime>
#include <fstream>
#include <ostream>
#include <random>

#include <fmt/format.h>

#include "cli/args.hpp"
#include "cli/stream_command.hpp"
#include "cli/plan.hpp"

namespace pcn::cli {
namespace {

namespace json = boost::json;

std::string unique_name() {
  std::random_device random;
  return fmt::format("capture-{}-{:04x}", ::getpid(), random() & 0xffff);
}

// The type of the capture cube: what it is attached to must share it.
std::string parent_type(http_client& client, const std::string& target) {
  size_t colon = target.find(':');
  if (colon != std::string::npos) {
    http_response res = client.send("GET", "cubes/" + url_segment(target.substr(0, colon)) + "/");
    if (res.ok())
      if (json::value v = res.json(); v.is_object())
        if (const json::value* t = v.get_object().if_contains("type"); t && t->is_string()) return std::string(t->get_string());
    return "TC";
  }
  // A netdev: the type of the cube whose port it is the peer of, or of a cube attached to it.
  http_response res = client.send("GET", "topology/");
  json::value v = res.ok() ? res.json() : json::value();
  if (const json::object* o = v.if_object())
    if (const json::value* cubes = o->if_contains("cubes"); cubes && cubes->is_array())
      for (const json::value& c : cubes->get_array()) {
        const json::object* co = c.if_object();
        if (!co || !co->contains("type") || !co->at("type").is_string()) continue;
        if (const json::value* ports = co->if_contains("ports"); ports && ports->is_array())
          for (const json::value& p : ports->get_array())
            if (const json::object* po = p.if_object(); po && po->contains("peer") && po->at("peer") == json::value(target))
              return std::string(co->at("type").get_string());
      }
  return "TC";
}

void print_two_digits(std::string& out, unsigned v) { out += fmt::format("{:02}", v); }

}  // namespace

capture_options parse_capture_args(std::span<const std::string> args) {
  capture_options o;
  std::vector<std::string> expression;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) -> const std::string& {
      if (i + 1 >= args.size()) throw syntax_error(std::string("capture: ") + flag + " needs a value");
      return args[++i];
    };
    if (a == "-w") o.file = value("-w");
    else if (a == "-c") o.count = flag_number<uint64_t>("capture", "-c", value("-c"), 1);
    else if (a == "-s") o.snaplen = flag_number<uint32_t>("capture", "-s", value("-s"), 1);
    else if (a == "-t") o.type = value("-t");
    else if (a == "-Q") {
      const std::string& d = value("-Q");
      if (d == "in") o.direction = "INGRESS";
      else if (d == "out") o.direction = "EGRESS";
      else if (d == "inout") o.direction = "BIDIRECTIONAL";
      else throw syntax_error("capture: -Q " + quoted(d) + ": expected in, out or inout");
    } else if (a.size() > 1 && a[0] == '-' && o.target.empty()) {
      throw syntax_error("capture: unknown option " + quoted(a));
    } else if (o.target.empty()) {
      o.target = a;
    } else {
      expression.push_back(a);
    }
  }
  if (o.target.empty()) throw syntax_error("capture: name a cube port (cube:port) or a netdev");
  if (o.snaplen && *o.snaplen > 262144) throw syntax_error("capture: -s: at most 262144");
  for (const auto& w : expression) o.filter += (o.filter.empty() ? "" : " ") + w;
  return o;
}

std::string packet_summary(const capture::packet_view& p) {
  std::string out;
  time_t seconds = static_cast<time_t>(p.timestamp / 1'000'000'000);
  tm local{};
  ::localtime_r(&seconds, &local);
  print_two_digits(out, static_cast<unsigned>(local.tm_hour));
  out += ':';
  print_two_digits(out, static_cast<unsigned>(local.tm_min));
  out += ':';
  print_two_digits(out, static_cast<unsigned>(local.tm_sec));
  out += fmt::format(".{:09} ", p.timestamp % 1'000'000'000);
  out += p.dir == capture::direction::inbound ? "In  " : p.dir == capture::direction::outbound ? "Out " : "    ";
  std::span<const uint8_t> d = p.data;
  auto be16 = [&](size_t at) { return static_cast<unsigned>(d[at] << 8 | d[at + 1]); };
  auto ipv4 = [&](size_t at) { return fmt::format("{}.{}.{}.{}", d[at], d[at + 1], d[at + 2], d[at + 3]); };
  std::string body;
  if (d.size() < 14) {
    body = "(truncated Ethernet)";
  } else {
    size_t l3 = 14;
    unsigned type = be16(12);
    if ((type == 0x8100 || type == 0x88a8) && d.size() >= 18) {
      body += fmt::format("vlan {} ", be16(14) & 0x0fff);
      type = be16(16);
      l3 = 18;
    }
    if (type == 0x0800 && d.size() >= l3 + 20) {
      size_t l4 = l3 + (d[l3] & 0x0f) * 4u;
      unsigned proto = d[l3 + 9];
      std::string src = ipv4(l3 + 12), dst = ipv4(l3 + 16);
      bool ports = (proto == 6 || proto == 17 || proto == 132) && d.size() >= l4 + 4;
      if (ports) body += fmt::format("IP {}.{} > {}.{}: ", src, be16(l4), dst, be16(l4 + 2));
      else body += fmt::format("IP {} > {}: ", src, dst);
      if (proto == 1 && d.size() > l4) {
        unsigned icmp = d[l4];
        body += icmp == 8 ? "ICMP echo request" : icmp == 0 ? "ICMP echo reply" : fmt::format("ICMP type {}", icmp);
        if ((icmp == 8 || icmp == 0) && d.size() >= l4 + 8) body += fmt::format(", id {}, seq {}", be16(l4 + 4), be16(l4 + 6));
      } else {
        body += proto == 6 ? "TCP" : proto == 17 ? "UDP" : proto == 132 ? "SCTP" : fmt::format("protocol {}", proto);
      }
    } else if (type == 0x0806 && d.size() >= l3 + 28) {
      unsigned op = be16(l3 + 6);
      body += op == 1 ? fmt::format("ARP, Request who-has {} tell {}", ipv4(l3 + 24), ipv4(l3 + 14))
                      : fmt::format("ARP, Reply {} is-at {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", ipv4(l3 + 14), d[l3 + 8], d[l3 + 9],
                                    d[l3 + 10], d[l3 + 11], d[l3 + 12], d[l3 + 13]);
    } else if (type == 0x86dd && d.size() >= l3 + 40) {
      char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
      ::inet_ntop(AF_INET6, &d[l3 + 8], src, sizeof src);
      ::inet_ntop(AF_INET6, &d[l3 + 24], dst, sizeof dst);
      body += fmt::format("IP6 {} > {}: next header {}", src, dst, d[l3 + 6]);
    } else {
      body += fmt::format("ethertype 0x{:04x}", type);
    }
  }
  return out + body + fmt::format(", length {}", p.original_length);
}

int run_capture(std::span<const std::string> args, const environment& env, io& io) {
  capture_options o;
  try {
    o = parse_capture_args(args);
  } catch (const syntax_error& e) {
    io.err << "polycubectl: " << e.what() << "\n";
    return exit_bad_input;
  }
  std::ofstream file;
  if (o.file && *o.file != "-") {
    file.open(*o.file, std::ios::binary | std::ios::trunc);
    if (!file) {
      io.err << "polycubectl: capture: cannot write " << *o.file << ": " << std::strerror(errno) << "\n";
      return exit_bad_input;
    }
  }
  std::ostream& sink = file.is_open() ? static_cast<std::ostream&>(file) : io.out;

  signal_guard signals;
  http_client client(endpoints_of(env), env.timeout);
  const std::string name = unique_name();
  const std::string cube_path = "packetcapture/" + url_segment(name) + "/";
  bool created = false, attached = false;
  int status = exit_ok;
  uint64_t packets = 0;
  json::value statistics;

  auto refused = [&](const std::string& what, const http_response& res) {
    io.err << "polycubectl: capture: " << what << ": " << error_text(res) << "\n";
    status = exit_refused;
  };
  try {
    json::object body{{"capture", o.direction}, {"filter", o.filter}};
    body["type"] = o.type ? *o.type : parent_type(client, o.target);
    if (o.snaplen) body["snaplen"] = *o.snaplen;
    if (http_response res = client.send("POST", cube_path, json::serialize(body), true); !res.ok()) {
      refused("create " + name, res);
    } else {
      created = true;
      json::object attach{{"cube", name}, {"port", o.target}};
      if (http_response a = client.send("POST", "attach/", json::serialize(attach), true); !a.ok()) refused("attach to " + o.target, a);
      else attached = true;
    }
    if (attached && !g_signal) {
      if (!o.file) io.err << "polycubectl: capturing on " << o.target << " (" << name << "), Ctrl-C to stop\n";
      capture::pcapng_reader reader;
      bool broken_output = false;
      auto on_data = [&](std::string_view bytes) {
        reader.feed(bytes);
        while (auto block = reader.next()) {
          auto packet = capture::pcapng_reader::packet(*block);
          if (!o.file) {
            if (packet) io.out << packet_summary(*packet) << "\n";
          } else {
            sink.write(block->data(), static_cast<std::streamsize>(block->size()));
          }
          if (packet) ++packets;
          sink.flush();
          if (!sink) {
            broken_output = true;
            return false;
          }
          if (o.count && packets >= *o.count) return false;
        }
        return true;
      };
      http_response res = client.stream(cube_path + "stream", on_data, g_signal_pipe[0]);
      if (!res.ok() && res.status != 0) refused("stream", res);
      if (broken_output && o.file && *o.file != "-") {
        io.err << "polycubectl: capture: writing " << *o.file << " failed\n";
        status = exit_bad_input;
      }
    }
  } catch (const capture::format_error& e) {
    io.err << "polycubectl: capture: the stream is not pcapng: " << e.what() << "\n";
    status = exit_unreachable;
  } catch (const std::runtime_error& e) {
    io.err << "polycubectl: " << e.what() << "\n";
    status = exit_unreachable;
  }

  // Leave nothing behind, whatever happened above (a signal now waits for this).
  try {
    if (created) {
      if (http_response s = client.send("GET", cube_path + "statistics/"); s.ok()) statistics = s.json();
      if (attached)
        if (http_response d = client.send("POST", "detach/", json::serialize(json::object{{"cube", name}, {"port", o.target}}), true); !d.ok())
          refused("detach " + name, d);
      if (http_response d = client.send("DELETE", cube_path); !d.ok()) refused("delete " + name, d);
    }
  } catch (const std::runtime_error& e) {
    io.err << "polycubectl: capture: cleaning up " << name << ": " << e.what() << "\n";
    status = exit_unreachable;
  }
  if (created) {
    io.err << packets << " packet" << (packets == 1 ? "" : "s") << " captured\n";
    if (const json::object* s = statistics.if_object()) {
      auto n = [&](const char* k) { return s->contains(k) ? json::serialize(s->at(k)) : std::string("?"); };
      io.err << n("packets-seen") << " packets seen by the capture, " << n("packets-filtered") << " filtered out, "
             << n("ring-drops") << " dropped by the kernel, " << n("stream-drops") << " dropped for a slow reader\n";
    }
  }
  return status;
}

}  // namespace pcn::cli
