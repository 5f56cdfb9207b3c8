#pragma once
// IPv4 addresses and prefixes as the router's control plane handles them: parsed from the
// model's text forms and printed back (MAC addresses: cubes/l2/mac.hpp). Addresses are in
// host order here; the kernel maps (router_abi.h) take network order.
#include <arpa/inet.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cubes/l2/mac.hpp"

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

inline constexpr address mask_of(uint8_t length) { return length == 0 ? 0 : ~address{0} << (32 - length); }

// An address with a prefix length: an interface address (host bits kept: 10.0.1.254/24)
// or a network (host bits clear: 10.0.1.0/24).
struct prefix {
  address addr = 0;
  uint8_t length = 0;

  address mask() const noexcept { return mask_of(length); }
  address network() const noexcept { return addr & mask(); }
  prefix network_prefix() const noexcept { return {network(), length}; }
  bool contains(address a) const noexcept { return (a & mask()) == network(); }
  bool is_network() const noexcept { return addr == network(); }
  auto operator<=>(const prefix&) const = default;
};

inline std::optional<prefix> parse_prefix(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto a = parse_address(text.substr(0, slash));
  auto digits = text.substr(slash + 1);
  unsigned length = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (!a || digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || length > 32) return std::nullopt;
  return prefix{*a, static_cast<uint8_t>(length)};
}

inline std::string to_string(const prefix& p) { return to_string(p.addr) + "/" + std::to_string(p.length); }

// Addresses a router never answers for, forwards from or sends ICMP errors to (RFC 1812
// 4.3.2.7, 5.3.7): 0/8, loopback, multicast and above (class E, limited broadcast).
inline bool is_special(address a) noexcept {
  return (a >> 24) == 0 || (a >> 24) == 127 || a >= 0xe0000000u;
}

}  // namespace pcn::cubes::ipv4
