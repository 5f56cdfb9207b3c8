#pragma once
// polycubectl capture: tcpdump for a cube port or a netdev.
//
//   polycubectl capture <cube:port | netdev> [-w FILE | -w -] [-c COUNT] [-s SNAPLEN]
//                       [-Q in|out|inout] [-t TYPE] [filter expression...]
//
// Creates a packetcapture cube of its own (capture-<pid>-<random>), attaches it, reads its
// live stream (pcapng), and writes it to FILE, to stdout (-w -), or as one line a packet
// (no -w); stops after COUNT packets, at Ctrl-C (SIGINT), SIGTERM, SIGHUP, when stdout's
// reader goes, or when the stream ends; then detaches and deletes the cube, whatever
// happened, and prints a summary on stderr.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "capture/pcapng.hpp"
#include "cli/polycubectl.hpp"

namespace pcn::cli {

struct capture_options {
  std::string target;             // "cube:port" or a netdev
  std::optional<std::string> file;  // -w: a path, or "-" for stdout; none: a line a packet
  std::optional<uint64_t> count;  // -c
  std::optional<uint32_t> snaplen;  // -s
  std::string direction = "BIDIRECTIONAL";  // -Q in|out|inout
  std::optional<std::string> type;  // -t: the capture cube's type (default: its parent's)
  std::string filter;               // the rest, joined: a pcap-filter expression
};

// Throws syntax_error (args.hpp). `args` are the words after "capture".
capture_options parse_capture_args(std::span<const std::string> args);

// One line for a packet, tcpdump-like: "12:00:01.123456789 IN  IP 10.0.0.1 > 10.0.0.2: ICMP echo request, length 98".
std::string packet_summary(const capture::packet_view& packet);

int run_capture(std::span<const std::string> args, const environment& env, io& io);

}  // namespace pcn::cli
