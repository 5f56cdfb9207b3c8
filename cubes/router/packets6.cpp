#include "cubes/router/packets6.hpp"

#include <algorithm>

namespace pcn::cubes::packets {

using namespace field;

namespace {

constexpr size_t ip_at = eth_size;
constexpr size_t icmp_at = eth_size + ipv6_size;

void put_address(std::span<uint8_t> b, size_t at, ipv6::address a) {
  ipv6::bytes bytes = ipv6::to_bytes(a);
  std::memcpy(b.data() + at, bytes.data(), bytes.size());
}

// The ICMPv6 checksum of `message` between src and dst (RFC 4443 2.3: with the
// pseudo-header of RFC 8200 8.1).
uint16_t icmp6_checksum(std::span<const uint8_t> message, ipv6::address src, ipv6::address dst) {
  uint32_t sum = 0;
  for (ipv6::address a : {src, dst})
    for (int shift = 112; shift >= 0; shift -= 16) sum += static_cast<uint16_t>(a >> shift);
  sum += static_cast<uint32_t>(message.size() >> 16) + static_cast<uint32_t>(message.size() & 0xffff) + protocol_icmpv6;
  return checksum(message, sum);
}

void write_ipv6_header(std::span<uint8_t> frame, size_t payload, uint8_t hop_limit, ipv6::address src, ipv6::address dst) {
  put32(frame, ip_at, 0x60000000u);  // version 6, no traffic class, no flow label
  put16(frame, ip_at + 4, static_cast<uint16_t>(payload));
  frame[ip_at + 6] = protocol_icmpv6;
  frame[ip_at + 7] = hop_limit;
  put_address(frame, ip_at + 8, src);
  put_address(frame, ip_at + 24, dst);
}

// Checksums the ICMPv6 message that follows the IPv6 header written in `frame`.
void seal_icmp6(std::span<uint8_t> frame, size_t length, ipv6::address src, ipv6::address dst) {
  auto message = frame.subspan(icmp_at, length);
  put16(message, 2, 0);
  put16(message, 2, icmp6_checksum(message, src, dst));
}

// The neighbour discovery message in `frame`: header, target, one link-layer option.
void write_nd(std::span<uint8_t> frame, uint8_t type, uint8_t flags, ipv6::address target, uint8_t option,
              const ipv4::mac_address& mac) {
  auto m = frame.subspan(icmp_at);
  m[0] = type;
  m[1] = 0;
  put32(m, 4, uint32_t{flags} << 24);
  put_address(m, 8, target);
  m[24] = option;
  m[25] = 1;  // 8 bytes
  put_mac(m, 26, mac);
}

}  // namespace

std::optional<ipv6_info> parse_ipv6(std::span<const uint8_t> frame) {
  if (frame.size() < eth_size + ipv6_size || get16(frame, 12) != ethertype_ipv6 || (frame[ip_at] >> 4) != 6) return std::nullopt;
  size_t total = ipv6_size + get16(frame, ip_at + 4);
  if (total > frame.size() - eth_size) return std::nullopt;
  return ipv6_info{ipv6::from_bytes(frame.data() + ip_at + 8), ipv6::from_bytes(frame.data() + ip_at + 24), frame[ip_at + 6],
                   frame[ip_at + 7], total};
}

std::optional<nd_message> parse_nd(std::span<const uint8_t> frame) {
  auto info = parse_ipv6(frame);
  if (!info || info->next_header != protocol_icmpv6 || info->hop_limit != nd_hop_limit || info->total_size < ipv6_size + 24)
    return std::nullopt;
  auto m = frame.subspan(icmp_at, info->total_size - ipv6_size);
  if ((m[0] != icmp6::neighbour_solicitation && m[0] != icmp6::neighbour_advertisement) || m[1] != 0) return std::nullopt;
  if (icmp6_checksum(m, info->src, info->dst) != 0) return std::nullopt;
  nd_message out{m[0], info->src, ipv6::from_bytes(m.data() + 8), std::nullopt};
  uint8_t wanted = m[0] == icmp6::neighbour_solicitation ? 1 : 2;  // source or target link-layer address
  for (size_t at = 24; at + 2 <= m.size();) {
    size_t length = m[at + 1] * 8u;
    if (length == 0 || at + length > m.size()) return std::nullopt;
    if (m[at] == wanted && length == 8) out.link_address = mac_at(m, at + 2);
    at += length;
  }
  return out;
}

void write_neighbour_advertisement(std::span<uint8_t> frame, const ipv4::mac_address& mac, ipv6::address target,
                                   const ipv4::mac_address& dst_mac, ipv6::address dst) {
  write_eth(frame, dst_mac, mac, ethertype_ipv6);
  write_ipv6_header(frame, nd_frame_size - icmp_at, nd_hop_limit, target, dst);
  write_nd(frame, icmp6::neighbour_advertisement, 0xe0, target, 2, mac);  // router, solicited, override
  seal_icmp6(frame, nd_frame_size - icmp_at, target, dst);
}

void write_neighbour_solicitation(std::span<uint8_t> frame, const ipv4::mac_address& mac, ipv6::address src,
                                  ipv6::address target) {
  ipv6::address group = ipv6::solicited_node(target);
  ipv4::mac_address group_mac{0x33, 0x33, 0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) group_mac[2 + i] = static_cast<uint8_t>(group >> (24 - 8 * i));
  write_eth(frame, group_mac, mac, ethertype_ipv6);
  write_ipv6_header(frame, nd_frame_size - icmp_at, nd_hop_limit, src, group);
  write_nd(frame, icmp6::neighbour_solicitation, 0, target, 1, mac);
  seal_icmp6(frame, nd_frame_size - icmp_at, src, group);
}

std::optional<size_t> make_echo6_reply(std::span<uint8_t> frame) {
  auto info = parse_ipv6(frame);
  if (!info || info->next_header != protocol_icmpv6 || info->total_size < ipv6_size + icmp_size) return std::nullopt;
  auto m = frame.subspan(icmp_at, info->total_size - ipv6_size);
  if (m[0] != icmp6::echo_request || m[1] != 0) return std::nullopt;
  put_address(frame, ip_at + 8, info->dst);
  put_address(frame, ip_at + 24, info->src);
  frame[ip_at + 7] = default_ttl;
  m[0] = icmp6::echo_reply;
  seal_icmp6(frame, m.size(), info->dst, info->src);
  return eth_size + info->total_size;
}

bool may_send_error6_about(const ipv6_info& datagram, std::span<const uint8_t> frame) {
  if (ipv6::is_special(datagram.src) || ipv6::is_multicast(datagram.dst)) return false;
  if (datagram.next_header != protocol_icmpv6) return true;
  if (icmp_at >= frame.size()) return false;
  uint8_t type = frame[icmp_at];
  return type == icmp6::echo_request || type == icmp6::echo_reply;
}

size_t write_icmp6_error(std::span<uint8_t> frame, size_t quoted, uint8_t type, uint8_t code, ipv6::address src,
                         ipv6::address dst) {
  quoted = std::min(quoted, icmp6_error_max_quote);
  size_t message = icmp_size + quoted;
  put16(frame, 12, ethertype_ipv6);
  write_ipv6_header(frame, message, default_ttl, src, dst);
  auto m = frame.subspan(icmp_at, message);
  m[0] = type;
  m[1] = code;
  put32(m, 4, 0);  // unused
  seal_icmp6(frame, message, src, dst);
  return icmp_at + message;
}

}  // namespace pcn::cubes::packets
