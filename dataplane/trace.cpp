#include "dataplane/trace.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "dataplane/datapath.hpp"

namespace pcn::dataplane {
namespace {

uint32_t ipv4_of(const std::string& word, const std::string& text) {
  in_addr a{};
  if (::inet_pton(AF_INET, word.c_str(), &a) != 1)
    throw std::invalid_argument("filter '" + text + "': '" + word + "' is not an IPv4 address");
  return a.s_addr;
}

unsigned number_of(const std::string& word, const std::string& text, unsigned max) {
  size_t used = 0;
  unsigned long v = 0;
  try {
    v = std::stoul(word, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != word.size() || v > max || word.empty())
    throw std::invalid_argument("filter '" + text + "': '" + word + "' is not a number up to " + std::to_string(max));
  return static_cast<unsigned>(v);
}

const char* direction_name(uint8_t d) { return d == PCN_EGRESS ? "egress" : "ingress"; }

std::string netdev_name(uint32_t ifindex) {
  char name[IF_NAMESIZE] = {};
  if (::if_indextoname(ifindex, name)) return name;
  return "ifindex " + std::to_string(ifindex);
}

}  // namespace

pcn_trace_filter parse_trace_filter(const std::string& text) {
  pcn_trace_filter f{};
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  bool expect_term = true;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (!expect_term) {
      if (w != "and" && w != "&&")
        throw std::invalid_argument("filter '" + text + "': expected 'and' before '" + w + "' (terms can only be joined by and)");
      expect_term = true;
      continue;
    }
    auto argument = [&]() -> const std::string& {
      if (i + 1 >= words.size()) throw std::invalid_argument("filter '" + text + "': '" + w + "' needs a value");
      return words[++i];
    };
    if (w == "icmp") f.l4proto = IPPROTO_ICMP;
    else if (w == "tcp") f.l4proto = IPPROTO_TCP;
    else if (w == "udp") f.l4proto = IPPROTO_UDP;
    else if (w == "proto") f.l4proto = static_cast<uint8_t>(number_of(argument(), text, 255));
    else if (w == "host") f.host = ipv4_of(argument(), text);
    else if (w == "src") f.src = ipv4_of(argument(), text);
    else if (w == "dst") f.dst = ipv4_of(argument(), text);
    else if (w == "port") f.port = htons(static_cast<uint16_t>(number_of(argument(), text, 65535)));
    else
      throw std::invalid_argument("filter '" + text + "': unknown term '" + w +
                                  "' (icmp, tcp, udp, proto N, host A, src A, dst A, port N, joined by and)");
    expect_term = false;
  }
  if (expect_term && !words.empty()) throw std::invalid_argument("filter '" + text + "': ends with '" + words.back() + "'");
  return f;
}

std::string trace_target_of(const datapath& dp, const std::string& target) {
  std::string traced = target;
  if (target.find(':') == std::string::npos) {
    if (!::if_nametoindex(target.c_str())) throw topology_error(topology_error::kind::not_found, "trace " + target + ": netdev " + target + " does not exist");
    if (!dp.netdevs_in_use().contains(target))
      throw topology_error(topology_error::kind::not_found, "trace " + target + ": no cube uses netdev " + target);
  } else {
    port* p = dp.find_port(target);
    if (!p) throw topology_error(topology_error::kind::not_found, "trace " + target + ": port " + target + " does not exist");
    if (p->peer().empty())
      throw topology_error(topology_error::kind::invalid, "trace " + target + ": port " + target + " is not connected");
    // A port on a netdev is traced from the netdev's entry: its transparent cubes show too.
    traced = p->peer().find(':') == std::string::npos ? p->peer() : p->path();
  }
  if (dp.traced(traced))
    throw topology_error(topology_error::kind::conflict, "trace " + target + ": " + traced + " is being traced already");
  return traced;
}

// ---------------------------------------------------------------- hub

trace_hub::~trace_hub() {
  for (auto& s : _sessions) s->end();
}

std::shared_ptr<trace_session> trace_hub::open(const std::string& target, const pcn_trace_filter& filter) {
  pcn_trace_filter f = filter;
  if (++_last_id == 0) ++_last_id;  // 0 means untraced
  f.id = _last_id;
  _dp.start_trace(target, f);
  return _sessions.emplace_back(std::make_shared<trace_session>(target, f.id));
}

void trace_hub::close(const std::shared_ptr<trace_session>& session) {
  std::erase(_sessions, session);
  session->end();
  _dp.stop_trace(session->target(), session->id());
}

void trace_hub::reap() {
  for (auto& s : _sessions)
    if (!s->ended() && _dp.trace_id(s->target()) != s->id()) s->end();
}

std::vector<std::string> trace_hub::sessions() const {
  std::vector<std::string> out;
  for (const auto& s : _sessions) out.push_back(s->target());
  return out;
}

// A packet entered a trace's netdev or port. A packet new to tracing starts afresh on its
// CPU for every session; one traced already goes on in the sessions that follow it, and
// now in this one too.
void trace_hub::enter(const pcn_trace_event& e) {
  const bool new_packet = e.reason == PCN_TRACE_NEW_PACKET;
  for (auto& s : _sessions) {
    if (s->ended()) continue;
    auto& cpu = s->_cpus[e.cpu];
    if (s->id() != e.trace) {
      if (new_packet) cpu.packet = 0;
      continue;
    }
    if (new_packet || cpu.packet == 0) cpu = {++s->_packets, 0, -1, 0};  // else: met this port again
    s->report(describe(e, *s, cpu));
    cpu.cube = e.header.cube;
  }
}

void trace_hub::on_event(const pcn_trace_event& e) {
  if (e.verdict == PCN_TRACE_ENTER) return enter(e);
  for (auto& s : _sessions) {
    if (s->ended()) continue;
    auto it = s->_cpus.find(e.cpu);
    if (it == s->_cpus.end() || it->second.packet == 0) continue;  // not a packet this session follows
    auto& cpu = it->second;
    if (e.header.cube != cpu.cube) cpu.ucube = -1;
    s->report(describe(e, *s, cpu));
    if (e.verdict == PCN_TRACE_UCUBE) cpu.ucube = e.out_port;
    cpu.cube = e.header.cube;
  }
}

std::string trace_hub::cube_name(uint8_t family, uint32_t slot) const {
  const cube_base* c = _dp.find_cube(family == PCN_FAMILY_TC ? hook_family::tc : hook_family::xdp, slot);
  return c ? c->name() : "slot " + std::to_string(slot);
}

std::string trace_hub::port_name(uint8_t family, uint32_t slot, uint16_t index) const {
  const auto* c = dynamic_cast<const cube*>(_dp.find_cube(family == PCN_FAMILY_TC ? hook_family::tc : hook_family::xdp, slot));
  const port* p = c ? c->find_port(index) : nullptr;
  return p ? p->name() : "port " + std::to_string(index);
}

std::string trace_hub::hop_target(uint8_t family, const pcn_hop& hop) const {
  switch (hop.kind) {
    case PCN_HOP_CUBE: return cube_name(family, hop.target) + ":" + port_name(family, hop.target, hop.port);
    case PCN_HOP_TRANSPARENT: return cube_name(family, hop.target);
    case PCN_HOP_NETDEV: return "netdev " + netdev_name(hop.target);
    case PCN_HOP_STACK: return "stack";
    default: return "nothing (not connected)";
  }
}

// One JSON line. Names are cube, port and netdev names: letters, digits and -_.:
std::string trace_hub::describe(const pcn_trace_event& e, trace_session& s, trace_session::cpu_state& cpu) const {
  const uint8_t family = e.header.family;
  std::string line = fmt::format(R"({{"packet":{},"hop":{},"timestamp":{},"length":{},)", cpu.packet, cpu.hop++, e.timestamp, e.length);
  std::string verdict, reason, to;
  if (e.verdict == PCN_TRACE_ENTER) {
    line += describe_entry(e, s);
    verdict = "enter";
    to = hop_target(family, e.hop);
  } else {
    const cube_base* c = _dp.find_cube(family == PCN_FAMILY_TC ? hook_family::tc : hook_family::xdp, e.header.cube);
    bool transparent = c && !dynamic_cast<const cube*>(c);
    line += fmt::format(R"("cube":"{}","ucube":"{}",)", cube_name(family, e.header.cube),
                        cpu.ucube < 0 ? std::string("master") : std::to_string(cpu.ucube));
    if (!transparent) line += fmt::format(R"("port":"{}",)", port_name(family, e.header.cube, e.header.port));
    line += fmt::format(R"("direction":"{}",)", direction_name(e.header.direction));
    switch (e.verdict) {
      case PCN_TRACE_FORWARD:
      case PCN_TRACE_PASS:
        verdict = e.hop.kind == PCN_HOP_STACK ? "stack" : e.hop.kind == PCN_HOP_DROP ? "drop" : e.verdict == PCN_TRACE_PASS ? "pass" : "forward";
        if (e.hop.kind == PCN_HOP_DROP) reason = "port not connected";
        if (e.verdict == PCN_TRACE_FORWARD) line += fmt::format(R"("out_port":"{}",)", port_name(family, e.header.cube, e.out_port));
        to = hop_target(family, e.hop);
        break;
      case PCN_TRACE_DROP:
        verdict = "drop";
        reason = e.reason == PCN_DROP_REASON_CUBE      ? "dropped by the cube"
                 : e.reason == PCN_DROP_REASON_NO_PORT ? "no port " + std::to_string(e.out_port)
                                                       : "cube reason " + std::to_string(e.reason);
        break;
      case PCN_TRACE_SLOWPATH:
        verdict = "slowpath";
        reason = "slow-path reason " + std::to_string(e.reason);
        break;
      case PCN_TRACE_UCUBE:
        verdict = "ucube";
        to = "ucube " + std::to_string(e.out_port);
        break;
      default:
        verdict = "unknown " + std::to_string(e.verdict);
    }
  }
  line += fmt::format(R"("verdict":"{}")", verdict);
  if (!to.empty()) line += fmt::format(R"(,"to":"{}")", to);
  if (!reason.empty()) line += fmt::format(R"(,"reason":"{}")", reason);
  return line + "}\n";
}

// Where the packet entered: the session's netdev, or its port and the netdev the packet
// came into the datapath by.
std::string trace_hub::describe_entry(const pcn_trace_event& e, const trace_session& s) const {
  const std::string& target = s.target();
  size_t colon = target.find(':');
  if (colon == std::string::npos) return fmt::format(R"("netdev":"{}","direction":"{}",)", target, direction_name(e.header.direction));
  return fmt::format(R"("cube":"{}","port":"{}","direction":"ingress","from":"netdev {}",)", target.substr(0, colon),
                     target.substr(colon + 1), netdev_name(e.ifindex));
}

}  // namespace pcn::dataplane
