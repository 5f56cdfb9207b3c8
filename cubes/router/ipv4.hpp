#pragma once
// IPv4 addresses and prefixes as the router's control plane handles them: parsed from the
// model's text forms and printed back (MAC addresses: cubes/l2/mac.hpp). Addresses are in
// host order here; the kernel maps (router_abi.h) take network order.
#include <arpa/inet.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cubes/l2/mac.hpp"
#include "cubes/router/prefix.hpp"

namespace pcn::cubes::ipv4 {

using address = uint32_t;
using l2::mac_address;
using l2::parse_mac;
using l2::to_string;

inline std::optional<address> parse_address(std::string_view text) {
  in_addr a{};
  if (text.size() >= INET_ADDRSTRLEN || ::inet_pton(AF_INET, std::string(text).c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

inline std::string to_string(address a) {
  in_addr n{htonl(a)};
  char text[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &n, text, sizeof text);
  return text;
}

struct family {
  using address = ipv4::address;
  static constexpr uint8_t bits = 32;
  static std::optional<address> parse_address(std::string_view text) { return ipv4::parse_address(text); }
  static std::string to_string(address a) { return ipv4::to_string(a); }
};
using prefix = basic_prefix<family>;

inline std::optional<prefix> parse_prefix(std::string_view text) { return prefix::parse(text); }
using cubes::to_string;

// Addresses a router never answers for, forwards from or sends ICMP errors to (RFC 1812
// 4.3.2.7, 5.3.7): 0/8, loopback, multicast and above (class E, limited broadcast).
inline bool is_special(address a) noexcept {
  return (a >> 24) == 0 || (a >> 24) == 127 || a >= 0xe0000000u;
}

}  // namespace pcn::cubes::ipv4
