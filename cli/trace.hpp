#pragma once
// polycubectl trace: every hop of the packets entering a netdev (or the netdev a cube port
// is connected to) through the chain, as the fast path takes it.
//
//   polycubectl trace <cube:port | netdev> [-c COUNT] [-j] [filter...]
//
// Streams GET /trace/<target>?filter=...; prints each packet's hops, in order, once its
// last hop is known (-j: the daemon's JSON lines as they come); stops after COUNT packets,
// at Ctrl-C, SIGTERM, SIGHUP or when the stream ends. The trace stops with the stream.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "cli/polycubectl.hpp"

namespace pcn::cli {

struct trace_options {
  std::string target;
  std::optional<uint64_t> count;  // -c
  bool json = false;              // -j
  std::string filter;             // the rest, joined
};

// Throws syntax_error (args.hpp). `args` are the words after "trace".
trace_options parse_trace_args(std::span<const std::string> args);

int run_trace(std::span<const std::string> args, const environment& env, io& io);

}  // namespace pcn::cli
