#pragma once
// Packet trace: the records the fast path emits for packets flagged where a trace starts
// (bpf/pcn_abi.h, struct pcn_trace_event), turned into JSON lines that name cubes, ports
// and netdevs, for the sessions that asked for them.
//
// A session traces one netdev or cube port (datapath::set_trace) under an id of its own.
// Records reach the hub through the framework's ring buffer (the slow path's event ring);
// those of one packet come from one CPU, in order, after the PCN_TRACE_ENTER that names
// the session: each CPU's current packet, per session, numbers the hops.
// Everything runs on the datapath's shard; readers on other shards hop there.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bpf/pcn_abi.h"
#include "reactor/stream_backlog.hpp"

namespace pcn::dataplane {

class datapath;

// What a filter string means: "icmp", "tcp", "udp", "host A", "src A", "dst A", "port N",
// "proto N", joined by "and" (IPv4 only). Throws std::invalid_argument naming what is wrong.
pcn_trace_filter parse_trace_filter(const std::string& text);

// What is traced for a "cube:port" or a netdev: the netdev itself, a port's netdev (a
// trace then starts at the netdev's entry, its transparent cubes included) or a port
// linked to another cube's ("cube:port"). Throws topology_error naming the object:
// not_found, invalid (a port not connected), conflict (traced already).
std::string trace_target_of(const datapath& dp, const std::string& target);

// One client's trace: the JSON lines of its hops, queued for the client's reader.
class trace_session : public stream_backlog {
 public:
  static constexpr size_t max_backlog = 1u << 20;

  trace_session(std::string target, uint32_t id) : stream_backlog(max_backlog), _target(std::move(target)), _id(id) {}
  const std::string& target() const { return _target; }  // a netdev or "cube:port"
  uint32_t id() const { return _id; }

 private:
  friend class trace_hub;
  void report(const std::string& line) {
    if (make_room(line.size())) push(line);
  }

  struct cpu_state {
    uint64_t packet = 0;  // 0: no packet entered on this CPU yet
    unsigned hop = 0;
    int ucube = -1;       // the μcube the packet is in (-1: the master)
    uint16_t cube = 0;    // slot of the cube of the last hop
  };

  std::string _target;
  uint32_t _id;
  uint64_t _packets = 0;
  std::map<uint32_t, cpu_state> _cpus;
};

class trace_hub {
 public:
  explicit trace_hub(datapath& dp) : _dp(dp) {}
  ~trace_hub();
  trace_hub(const trace_hub&) = delete;
  trace_hub& operator=(const trace_hub&) = delete;

  // Starts tracing what enters a target of trace_target_of(); throws topology_error
  // (not_found, conflict).
  std::shared_ptr<trace_session> open(const std::string& target, const pcn_trace_filter& filter);
  // Stops the session's trace in the kernel (when its target is still traced for it).
  void close(const std::shared_ptr<trace_session>& session);
  // Ends sessions whose target is no longer traced (the topology let go of it).
  void reap();
  // From the event ring.
  void on_event(const pcn_trace_event& e);
  std::vector<std::string> sessions() const;

 private:
  void enter(const pcn_trace_event& e);
  std::string describe(const pcn_trace_event& e, trace_session& s, trace_session::cpu_state& cpu) const;
  std::string describe_entry(const pcn_trace_event& e, const trace_session& s) const;
  std::string cube_name(uint8_t family, uint32_t slot) const;
  std::string port_name(uint8_t family, uint32_t slot, uint16_t port) const;
  std::string hop_target(uint8_t family, const pcn_hop& hop) const;

  datapath& _dp;
  std::vector<std::shared_ptr<trace_session>> _sessions;
  uint32_t _last_id = 0;
};

}  // namespace pcn::dataplane
