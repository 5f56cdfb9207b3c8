#pragma once
// IPv6 addresses and prefixes as the router's control plane handles them: a 128-bit
// integer whose most significant bit is the address's first, parsed from and printed to
// the model's text forms; the kernel maps (router_abi.h) take the 16 bytes in network order.
#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cubes/router/prefix.hpp"

namespace pcn::cubes::ipv6 {

using address = unsigned __int128;
using bytes = std::array<uint8_t, 16>;

inline address from_bytes(const uint8_t* b) {
  address a = 0;
  for (int i = 0; i < 16; ++i) a = a << 8 | b[i];
  return a;
}

inline bytes to_bytes(address a) {
  bytes b;
  for (int i = 15; i >= 0; --i, a >>= 8) b[static_cast<size_t>(i)] = static_cast<uint8_t>(a);
  return b;
}

inline std::optional<address> parse_address(std::string_view text) {
  bytes b{};
  if (text.size() >= INET6_ADDRSTRLEN || ::inet_pton(AF_INET6, std::string(text).c_str(), b.data()) != 1) return std::nullopt;
  return from_bytes(b.data());
}

inline std::string to_string(address a) {
  bytes b = to_bytes(a);
  char text[INET6_ADDRSTRLEN];
  ::inet_ntop(AF_INET6, b.data(), text, sizeof text);
  return text;
}

struct family {
  using address = ipv6::address;
  static constexpr uint8_t bits = 128;
  static std::optional<address> parse_address(std::string_view text) { return ipv6::parse_address(text); }
  static std::string to_string(address a) { return ipv6::to_string(a); }
};
using prefix = basic_prefix<family>;

inline std::optional<prefix> parse_prefix(std::string_view text) { return prefix::parse(text); }
using cubes::to_string;

inline bool is_multicast(address a) noexcept { return (a >> 120) == 0xff; }
inline bool is_link_local(address a) noexcept { return (a >> 118) == (0xfe80 >> 6); }
// What a router never forwards from or to, nor answers: ::, ::1, multicast.
inline bool is_special(address a) noexcept { return a == 0 || a == 1 || is_multicast(a); }

// The solicited-node multicast address of `a` (RFC 4291 2.7.1): ff02::1:ff00:0/104 and
// the low 24 bits of `a`; its MAC is 33:33 and the low 32 bits.
inline address solicited_node(address a) noexcept {
  return (address{0xff02} << 112) | (address{0x1ff} << 24) | (a & 0xffffff);
}

}  // namespace pcn::cubes::ipv6
