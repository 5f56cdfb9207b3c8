#pragma once
// The IPv6 frames the router's slow path reads and writes — neighbour discovery (RFC 4861),
// ICMPv6 echo and errors (RFC 4443) — as pure functions on bytes, from the Ethernet header
// on. Extension headers are not walked: a datagram with one is quoted as it is.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "cubes/router/ipv4.hpp"
#include "cubes/router/ipv6.hpp"
#include "cubes/router/packets.hpp"

namespace pcn::cubes::packets {

constexpr size_t ipv6_size = 40;
constexpr uint16_t ethertype_ipv6 = 0x86dd;
constexpr uint8_t protocol_icmpv6 = 58;
constexpr uint8_t nd_hop_limit = 255;  // neighbour discovery comes and goes only so
// An ICMPv6 error puts Ethernet, IPv6 and ICMPv6 headers in front of what it quotes, and
// quotes as much as fits in the minimum MTU (RFC 4443 2.4 (c)).
constexpr size_t icmp6_error_headers = eth_size + ipv6_size + icmp_size;
constexpr size_t icmp6_error_max_quote = 1280 - ipv6_size - icmp_size;
// A solicitation or advertisement with one link-layer address option.
constexpr size_t nd_frame_size = eth_size + ipv6_size + 24 + 8;

namespace icmp6 {
constexpr uint8_t unreachable = 1;  // codes: no route 0, address unreachable 3, port unreachable 4
constexpr uint8_t time_exceeded = 3;
constexpr uint8_t echo_request = 128, echo_reply = 129;
constexpr uint8_t neighbour_solicitation = 135, neighbour_advertisement = 136;
constexpr uint8_t no_route = 0, address_unreachable = 3, port_unreachable = 4;
}  // namespace icmp6

struct ipv6_info {
  ipv6::address src, dst;
  uint8_t next_header;
  uint8_t hop_limit;
  size_t total_size;  // the datagram, from its IPv6 header (Ethernet padding excluded)
};
// The IPv6 datagram after the Ethernet header, if well formed and whole in `frame`.
std::optional<ipv6_info> parse_ipv6(std::span<const uint8_t> frame);

struct nd_message {
  uint8_t type;  // icmp6::neighbour_solicitation or _advertisement
  ipv6::address src;
  ipv6::address target;
  std::optional<ipv4::mac_address> link_address;  // the source (solicitation) or target (advertisement) option
};
// A neighbour solicitation or advertisement with a valid checksum and hop limit 255.
std::optional<nd_message> parse_nd(std::span<const uint8_t> frame);

// An advertisement of `target` at `mac` (router, solicited and override flags) to `dst`
// (at `dst_mac`): `frame` holds nd_frame_size bytes.
void write_neighbour_advertisement(std::span<uint8_t> frame, const ipv4::mac_address& mac, ipv6::address target,
                                   const ipv4::mac_address& dst_mac, ipv6::address dst);
// A solicitation for `target` from (mac, src) to its solicited-node group: nd_frame_size bytes.
void write_neighbour_solicitation(std::span<uint8_t> frame, const ipv4::mac_address& mac, ipv6::address src,
                                  ipv6::address target);

// An echo request becomes its reply in place (addresses swapped, hop limit 64, checksum,
// the Ethernet padding cut): returns the reply's frame length, or nothing.
std::optional<size_t> make_echo6_reply(std::span<uint8_t> frame);

// Whether an ICMPv6 error may be sent about `datagram` (RFC 4443 2.4 (e)): not about an
// ICMPv6 error (or neighbour discovery), nor from or to a special address.
bool may_send_error6_about(const ipv6_info& datagram, std::span<const uint8_t> frame);

// An ICMPv6 error in `frame`, whose bytes from icmp6_error_headers on are the datagram it
// quotes (`quoted` bytes of it): writes the Ethernet type, IPv6 and ICMPv6 headers in
// front. Returns the frame's length.
size_t write_icmp6_error(std::span<uint8_t> frame, size_t quoted, uint8_t type, uint8_t code, ipv6::address src,
                         ipv6::address dst);

}  // namespace pcn::cubes::packets
