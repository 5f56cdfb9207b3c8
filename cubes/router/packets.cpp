#include "cubes/router/packets.hpp"

#include <algorithm>
#include <cstring>

namespace pcn::cubes::packets {

using namespace field;

namespace {

void write_ipv4_header(std::span<uint8_t> ip, size_t total, uint8_t protocol, ipv4::address src, ipv4::address dst) {
  ip[0] = 0x45;
  ip[1] = 0;
  put16(ip, 2, static_cast<uint16_t>(total));
  put16(ip, 4, 0);  // identification
  put16(ip, 6, 0);  // flags, fragment offset
  ip[8] = default_ttl;
  ip[9] = protocol;
  put16(ip, 10, 0);
  put32(ip, 12, src);
  put32(ip, 16, dst);
  put16(ip, 10, checksum(ip.first(ipv4_size)));
}

constexpr size_t arp_at = eth_size;
const ipv4::mac_address broadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

}  // namespace

uint16_t checksum(std::span<const uint8_t> data, uint32_t sum) {
  for (size_t i = 0; i + 1 < data.size(); i += 2) sum += get16(data, i);
  if (data.size() % 2) sum += static_cast<uint32_t>(data.back() << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

void write_eth(std::span<uint8_t> frame, const ipv4::mac_address& dst, const ipv4::mac_address& src, uint16_t ethertype) {
  put_mac(frame, 0, dst);
  put_mac(frame, 6, src);
  put16(frame, 12, ethertype);
}

ipv4::mac_address eth_src(std::span<const uint8_t> frame) { return mac_at(frame, 6); }

std::optional<arp_message> parse_arp(std::span<const uint8_t> frame) {
  if (frame.size() < arp_frame_size || get16(frame, 12) != ethertype_arp) return std::nullopt;
  auto a = frame.subspan(arp_at);
  if (get16(a, 0) != 1 || get16(a, 2) != ethertype_ipv4 || a[4] != 6 || a[5] != 4) return std::nullopt;
  uint16_t op = get16(a, 6);
  if (op != static_cast<uint16_t>(arp_op::request) && op != static_cast<uint16_t>(arp_op::reply)) return std::nullopt;
  return arp_message{static_cast<arp_op>(op), mac_at(a, 8), get32(a, 14), mac_at(a, 18), get32(a, 24)};
}

void make_arp_reply(std::span<uint8_t> frame, const ipv4::mac_address& mac) {
  auto a = frame.subspan(arp_at);
  ipv4::mac_address asker = mac_at(a, 8);
  uint32_t asker_ip = get32(a, 14), wanted = get32(a, 24);
  write_eth(frame, asker, mac, ethertype_arp);
  put16(a, 6, static_cast<uint16_t>(arp_op::reply));
  put_mac(a, 8, mac);
  put32(a, 14, wanted);
  put_mac(a, 18, asker);
  put32(a, 24, asker_ip);
}

void write_arp_request(std::span<uint8_t> frame, const ipv4::mac_address& mac, ipv4::address sender, ipv4::address target) {
  write_eth(frame, broadcast, mac, ethertype_arp);
  auto a = frame.subspan(arp_at);
  put16(a, 0, 1);
  put16(a, 2, ethertype_ipv4);
  a[4] = 6;
  a[5] = 4;
  put16(a, 6, static_cast<uint16_t>(arp_op::request));
  put_mac(a, 8, mac);
  put32(a, 14, sender);
  put_mac(a, 18, ipv4::mac_address{});
  put32(a, 24, target);
}

std::optional<ipv4_info> parse_ipv4(std::span<const uint8_t> frame) {
  if (frame.size() < eth_size + ipv4_size || get16(frame, 12) != ethertype_ipv4) return std::nullopt;
  auto ip = frame.subspan(eth_size);
  size_t header = (ip[0] & 0x0f) * 4u, total = get16(ip, 2);
  if ((ip[0] >> 4) != 4 || header < ipv4_size || total < header || total > ip.size()) return std::nullopt;
  return ipv4_info{get32(ip, 12), get32(ip, 16), ip[9], ip[8], header, total, (get16(ip, 6) & 0x1fff) == 0};
}

std::optional<size_t> make_echo_reply(std::span<uint8_t> frame) {
  auto info = parse_ipv4(frame);
  if (!info || info->protocol != protocol_icmp || !info->first_fragment || info->total_size < info->header_size + icmp_size)
    return std::nullopt;
  auto ip = frame.subspan(eth_size, info->total_size);
  auto message = ip.subspan(info->header_size);
  if (message[0] != icmp::echo_request || message[1] != 0) return std::nullopt;
  put32(ip, 12, info->dst);
  put32(ip, 16, info->src);
  ip[8] = default_ttl;
  put16(ip, 10, 0);
  put16(ip, 10, checksum(ip.first(info->header_size)));
  message[0] = icmp::echo_reply;
  put16(message, 2, 0);
  put16(message, 2, checksum(message));
  return eth_size + info->total_size;
}

bool may_send_error_about(const ipv4_info& datagram, std::span<const uint8_t> frame) {
  if (ipv4::is_special(datagram.src) || ipv4::is_special(datagram.dst) || !datagram.first_fragment) return false;
  if (datagram.protocol != protocol_icmp) return true;
  // ICMP: errors about queries (echo and the like) only, never about another error.
  size_t at = eth_size + datagram.header_size;
  if (at >= frame.size()) return false;
  uint8_t type = frame[at];
  return type == icmp::echo_request || type == icmp::echo_reply || type == 13 || type == 14;
}

size_t write_icmp_error(std::span<uint8_t> frame, size_t quoted, uint8_t type, uint8_t code, ipv4::address src,
                        ipv4::address dst) {
  quoted = std::min(quoted, icmp_error_max_quote);
  size_t total = ipv4_size + icmp_size + quoted;
  put16(frame, 12, ethertype_ipv4);
  write_ipv4_header(frame.subspan(eth_size), total, protocol_icmp, src, dst);
  auto message = frame.subspan(eth_size + ipv4_size, icmp_size + quoted);
  message[0] = type;
  message[1] = code;
  put16(message, 2, 0);
  put32(message, 4, 0);  // unused
  put16(message, 2, checksum(message));
  return eth_size + total;
}

}  // namespace pcn::cubes::packets
