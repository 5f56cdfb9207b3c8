#pragma once
// The frames the router's slow path reads and writes — ARP (RFC 826), ICMP echo and ICMP
// errors (RFC 792, RFC 1812) — as pure functions on bytes, from the Ethernet header on.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "cubes/router/ipv4.hpp"

namespace pcn::cubes::packets {

constexpr size_t eth_size = 14;
constexpr size_t ipv4_size = 20;  // without options
constexpr size_t icmp_size = 8;
constexpr size_t arp_frame_size = eth_size + 28;
// Bytes an ICMP error puts in front of the datagram it quotes (Ethernet, IPv4, ICMP).
constexpr size_t icmp_error_headers = eth_size + ipv4_size + icmp_size;
// An ICMP error quotes as much of the datagram as fits in 576 bytes of IPv4 (RFC 1812 4.3.2.3).
constexpr size_t icmp_error_max_quote = 576 - ipv4_size - icmp_size;

constexpr uint16_t ethertype_ipv4 = 0x0800;
constexpr uint16_t ethertype_arp = 0x0806;
constexpr uint8_t protocol_icmp = 1;
constexpr uint8_t protocol_tcp = 6;
constexpr uint8_t protocol_udp = 17;
constexpr uint8_t default_ttl = 64;

enum class arp_op : uint16_t { request = 1, reply = 2 };

namespace icmp {
constexpr uint8_t echo_reply = 0;
constexpr uint8_t unreachable = 3;  // codes: net 0, host 1, protocol 2, port 3
constexpr uint8_t echo_request = 8;
constexpr uint8_t time_exceeded = 11;  // code 0: TTL exceeded in transit
constexpr uint8_t net_unreachable = 0, host_unreachable = 1, port_unreachable = 3;
}  // namespace icmp

// Fields in network order at a byte offset (the caller has checked the size).
namespace field {
inline uint16_t get16(std::span<const uint8_t> b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
inline void put16(std::span<uint8_t> b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
inline uint32_t get32(std::span<const uint8_t> b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
}
inline void put32(std::span<uint8_t> b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
inline ipv4::mac_address mac_at(std::span<const uint8_t> b, size_t at) {
  ipv4::mac_address m;
  std::memcpy(m.data(), b.data() + at, m.size());
  return m;
}
inline void put_mac(std::span<uint8_t> b, size_t at, const ipv4::mac_address& m) { std::memcpy(b.data() + at, m.data(), m.size()); }
}  // namespace field

// The Internet checksum (RFC 1071) of `data`, starting from a partial sum.
uint16_t checksum(std::span<const uint8_t> data, uint32_t sum = 0);

void write_eth(std::span<uint8_t> frame, const ipv4::mac_address& dst, const ipv4::mac_address& src, uint16_t ethertype);
ipv4::mac_address eth_src(std::span<const uint8_t> frame);

struct arp_message {
  arp_op op;
  ipv4::mac_address sender_mac;
  ipv4::address sender_ip;
  ipv4::mac_address target_mac;
  ipv4::address target_ip;
};
// An ARP request or reply for IPv4 over Ethernet, or nothing.
std::optional<arp_message> parse_arp(std::span<const uint8_t> frame);
// Turns the request in `frame` into the answer of `mac`, owner of its target address.
void make_arp_reply(std::span<uint8_t> frame, const ipv4::mac_address& mac);
// Writes a broadcast request from (mac, sender) for `target`; `frame` holds arp_frame_size bytes.
void write_arp_request(std::span<uint8_t> frame, const ipv4::mac_address& mac, ipv4::address sender, ipv4::address target);

struct ipv4_info {
  ipv4::address src, dst;
  uint8_t protocol;
  uint8_t ttl;
  size_t header_size;  // with options
  size_t total_size;   // the datagram, from its IPv4 header (Ethernet padding excluded)
  bool first_fragment;  // fragment offset 0
};
// The IPv4 datagram after the Ethernet header, if well formed and whole in `frame`.
std::optional<ipv4_info> parse_ipv4(std::span<const uint8_t> frame);

// An echo request becomes its reply in place (addresses swapped, TTL 64, checksums, the
// Ethernet padding cut): returns the reply's frame length, or nothing if `frame` is not an
// echo request.
std::optional<size_t> make_echo_reply(std::span<uint8_t> frame);

// Whether an ICMP error may be sent about `datagram` (RFC 1812 4.3.2.7): not about an ICMP
// error, a fragment other than the first, or a packet from or to a special address.
bool may_send_error_about(const ipv4_info& datagram, std::span<const uint8_t> frame);

// An ICMP error in `frame`, whose bytes from icmp_error_headers on are the datagram it
// quotes (`quoted` bytes of it): writes the Ethernet type (not the MACs), IPv4 and ICMP
// headers in front. Returns the frame's length.
size_t write_icmp_error(std::span<uint8_t> frame, size_t quoted, uint8_t type, uint8_t code, ipv4::address src,
                        ipv4::address dst);

}  // namespace pcn::cubes::packets
