#pragma once
// Formatting of pcn_log() messages from the fast path: printf-like, with the network
// conversions of the original framework.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "bpf/pcn_abi.h"

namespace pcn::slowpath {

// %d %u %x %% as in printf (64-bit arguments), %I an IPv4 address in network byte order,
// %M a MAC address packed by pcn_mac(), %P a TCP/UDP port in network byte order. A missing
// argument prints as "?", an unknown conversion is printed as it stands.
std::string format_fastpath_log(std::string_view format, std::span<const uint64_t> args);
// The message of a log event from the ring buffer.
std::string format_fastpath_log(const pcn_log_event& event);

}  // namespace pcn::slowpath
