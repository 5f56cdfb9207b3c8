#pragma once
// Packet trace: the records the fast path emits for packets flagged at a traced netdev's
// entry (bpf/pcn_abi.h, struct pcn_trace_event), turned into JSON lines that name cubes,
// ports and netdevs, for the sessions that asked for them.
//
// A session traces one netdev (datapath::set_trace). Records reach the hub through the
// framework's ring buffer (the slow path's event ring); those of one packet come from one
// CPU, in order, after its PCN_TRACE_ENTER: each CPU's current packet numbers the hops.
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

// Where a netdev's packets are traced for a "cube:port" or a netdev; throws topology_error
// (not_found, invalid) naming the object.
std::string trace_netdev_of(const datapath& dp, const std::string& target);

// One client's trace: the JSON lines of its hops, queued for the client's reader.
class trace_session : public stream_backlog {
 public:
  static constexpr size_t max_backlog = 1u << 20;

  trace_session(std::string netdev, int ifindex) : stream_backlog(max_backlog), _netdev(std::move(netdev)), _ifindex(ifindex) {}
  const std::string& netdev() const { return _netdev; }
  int ifindex() const { return _ifindex; }

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

  std::string _netdev;
  int _ifindex;
  uint64_t _packets = 0;
  std::map<uint32_t, cpu_state> _cpus;
};

class trace_hub {
 public:
  explicit trace_hub(datapath& dp) : _dp(dp) {}
  ~trace_hub();
  trace_hub(const trace_hub&) = delete;
  trace_hub& operator=(const trace_hub&) = delete;

  // Starts tracing the netdev's packets; throws topology_error (not_found, conflict).
  std::shared_ptr<trace_session> open(const std::string& netdev, const pcn_trace_filter& filter);
  // Stops the session's trace in the kernel (when the netdev is still traced for it).
  void close(const std::shared_ptr<trace_session>& session);
  // Ends sessions whose netdev is no longer traced (the topology let go of it).
  void reap();
  // From the event ring.
  void on_event(const pcn_trace_event& e);
  std::vector<std::string> sessions() const;

 private:
  std::string describe(const pcn_trace_event& e, trace_session& s, trace_session::cpu_state& cpu) const;
  std::string cube_name(uint8_t family, uint32_t slot) const;
  std::string port_name(uint8_t family, uint32_t slot, uint16_t port) const;
  std::string hop_target(uint8_t family, const pcn_hop& hop) const;

  datapath& _dp;
  std::vector<std::shared_ptr<trace_session>> _sessions;
};

}  // namespace pcn::dataplane
