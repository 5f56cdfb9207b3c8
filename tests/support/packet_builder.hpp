#pragma once
// Readable test packets, Katran style: layers are named in the order they appear on the
// wire and build() fills in what follows from them (ethertypes, lengths, the IPv4 header
// checksum, the UDP and ICMP checksums):
//
//   bytes frame = packet().eth("02:00:00:00:00:01", "02:00:00:00:00:02")
//                         .ipv4("10.0.0.1", "10.0.0.2", 64).udp(1000, 2000).payload(18);
//
// frame_reader reads the same fields back from bytes a program produced.
#include <arpa/inet.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace pcn::testing {

using bytes = std::vector<uint8_t>;

namespace packet_detail {

constexpr uint16_t ethertype_ipv4 = 0x0800;
constexpr uint16_t ethertype_vlan = 0x8100;
constexpr uint8_t protocol_icmp = 1;
constexpr uint8_t protocol_udp = 17;

inline std::array<uint8_t, 6> parse_mac(std::string_view text) {
  std::array<uint8_t, 6> mac{};
  unsigned v[6];
  if (text.size() != 17 || std::sscanf(std::string(text).c_str(), "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
    throw std::invalid_argument("not a MAC address: " + std::string(text));
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(v[i]);
  return mac;
}

inline std::array<uint8_t, 4> parse_ipv4(std::string_view text) {
  std::array<uint8_t, 4> address{};
  if (::inet_pton(AF_INET, std::string(text).c_str(), address.data()) != 1)
    throw std::invalid_argument("not an IPv4 address: " + std::string(text));
  return address;
}

inline void put16(bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
inline void set16(bytes& out, size_t at, uint16_t v) {
  out[at] = static_cast<uint8_t>(v >> 8);
  out[at + 1] = static_cast<uint8_t>(v);
}
inline uint16_t get16(std::span<const uint8_t> in, size_t at) {
  if (at + 2 > in.size()) throw std::out_of_range("packet too short for a field at byte " + std::to_string(at));
  return static_cast<uint16_t>(in[at] << 8 | in[at + 1]);
}

// The Internet checksum (RFC 1071) of `data`, starting from a partial sum.
inline uint16_t internet_checksum(std::span<const uint8_t> data, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < data.size(); i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (data.size() % 2) sum += static_cast<uint32_t>(data.back() << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

struct eth_layer {
  std::array<uint8_t, 6> src, dst;
};
struct vlan_layer {
  uint16_t vid;
  uint8_t pcp;
};
struct ipv4_layer {
  std::array<uint8_t, 4> src, dst;
  uint8_t ttl;
};
struct udp_layer {
  uint16_t sport, dport;
};
struct icmp_echo_layer {
  uint16_t id, sequence;
  bool reply;
};
struct payload_layer {
  bytes data;
};
using layer = std::variant<eth_layer, vlan_layer, ipv4_layer, udp_layer, icmp_echo_layer, payload_layer>;

}  // namespace packet_detail

class packet {
 public:
  packet& eth(std::string_view src_mac, std::string_view dst_mac) {
    return add(packet_detail::eth_layer{packet_detail::parse_mac(src_mac), packet_detail::parse_mac(dst_mac)});
  }
  // An 802.1Q tag (after eth, before the network layer).
  packet& vlan(uint16_t vid, uint8_t pcp = 0) { return add(packet_detail::vlan_layer{vid, pcp}); }
  packet& ipv4(std::string_view src, std::string_view dst, uint8_t ttl = 64) {
    return add(packet_detail::ipv4_layer{packet_detail::parse_ipv4(src), packet_detail::parse_ipv4(dst), ttl});
  }
  packet& udp(uint16_t sport, uint16_t dport) { return add(packet_detail::udp_layer{sport, dport}); }
  packet& icmp_echo(uint16_t id, uint16_t sequence) { return add(packet_detail::icmp_echo_layer{id, sequence, false}); }
  packet& icmp_echo_reply(uint16_t id, uint16_t sequence) { return add(packet_detail::icmp_echo_layer{id, sequence, true}); }
  // n bytes counting up from 0 (mod 256), so that a truncation or shift shows.
  packet& payload(size_t n) {
    bytes data(n);
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i);
    return add(packet_detail::payload_layer{std::move(data)});
  }
  packet& payload(bytes data) { return add(packet_detail::payload_layer{std::move(data)}); }

  bytes build() const {
    using namespace packet_detail;
    bytes out;
    // Offsets of headers whose lengths and checksums depend on what follows.
    std::optional<size_t> ip_at, l4_at;
    std::optional<uint8_t> l4_protocol;
    for (size_t i = 0; i < _layers.size(); ++i) {
      const layer* next = i + 1 < _layers.size() ? &_layers[i + 1] : nullptr;
      std::visit(
          [&](const auto& l) {
            using T = std::decay_t<decltype(l)>;
            if constexpr (std::is_same_v<T, eth_layer>) {
              out.insert(out.end(), l.dst.begin(), l.dst.end());
              out.insert(out.end(), l.src.begin(), l.src.end());
              put16(out, ethertype_after(next));
            } else if constexpr (std::is_same_v<T, vlan_layer>) {
              put16(out, static_cast<uint16_t>((l.pcp & 0x7) << 13 | (l.vid & 0x0fff)));
              put16(out, ethertype_after(next));
            } else if constexpr (std::is_same_v<T, ipv4_layer>) {
              ip_at = out.size();
              uint8_t protocol = next && std::holds_alternative<udp_layer>(*next)         ? protocol_udp
                                 : next && std::holds_alternative<icmp_echo_layer>(*next) ? protocol_icmp
                                                                                          : 253;  // RFC 3692 experimental
              const uint8_t header[] = {0x45, 0, 0, 0, 0, 1, 0x40, 0, l.ttl, protocol, 0, 0};  // DF, id 1
              out.insert(out.end(), std::begin(header), std::end(header));
              out.insert(out.end(), l.src.begin(), l.src.end());
              out.insert(out.end(), l.dst.begin(), l.dst.end());
            } else if constexpr (std::is_same_v<T, udp_layer>) {
              l4_at = out.size();
              l4_protocol = protocol_udp;
              put16(out, l.sport);
              put16(out, l.dport);
              put16(out, 0);  // length
              put16(out, 0);  // checksum
            } else if constexpr (std::is_same_v<T, icmp_echo_layer>) {
              l4_at = out.size();
              l4_protocol = protocol_icmp;
              out.push_back(l.reply ? 0 : 8);
              out.push_back(0);
              put16(out, 0);  // checksum
              put16(out, l.id);
              put16(out, l.sequence);
            } else {
              out.insert(out.end(), l.data.begin(), l.data.end());
            }
          },
          _layers[i]);
    }
    if (ip_at) {
      set16(out, *ip_at + 2, static_cast<uint16_t>(out.size() - *ip_at));
      set16(out, *ip_at + 10, internet_checksum(std::span(out).subspan(*ip_at, 20)));
    }
    if (l4_at) {
      auto segment = std::span(out).subspan(*l4_at);
      if (*l4_protocol == protocol_udp) {
        set16(out, *l4_at + 4, static_cast<uint16_t>(segment.size()));
        uint32_t pseudo = 0;
        if (ip_at)
          pseudo = get16(out, *ip_at + 12) + get16(out, *ip_at + 14) + get16(out, *ip_at + 16) + get16(out, *ip_at + 18) +
                   protocol_udp + static_cast<uint32_t>(segment.size());
        uint16_t sum = internet_checksum(segment, pseudo);
        set16(out, *l4_at + 6, sum == 0 ? 0xffff : sum);
      } else {
        set16(out, *l4_at + 2, internet_checksum(segment));
      }
    }
    return out;
  }
  operator bytes() const { return build(); }

 private:
  packet& add(packet_detail::layer l) {
    _layers.push_back(std::move(l));
    return *this;
  }
  static uint16_t ethertype_after(const packet_detail::layer* next) {
    if (next && std::holds_alternative<packet_detail::vlan_layer>(*next)) return packet_detail::ethertype_vlan;
    if (next && std::holds_alternative<packet_detail::ipv4_layer>(*next)) return packet_detail::ethertype_ipv4;
    return 0x88b5;  // IEEE 802 local experimental ethertype: raw payload
  }

  std::vector<packet_detail::layer> _layers;
};

// Reads fields back from a frame (e.g. a program's output). Throws std::out_of_range when
// the frame is too short for the field asked for.
class frame_reader {
 public:
  explicit frame_reader(std::span<const uint8_t> frame) : _frame(frame) {}

  std::string eth_dst() const { return mac_at(0); }
  std::string eth_src() const { return mac_at(6); }
  // The VLAN id of the outer 802.1Q tag, if any.
  std::optional<uint16_t> vlan_id() const {
    if (packet_detail::get16(_frame, 12) != packet_detail::ethertype_vlan) return std::nullopt;
    return packet_detail::get16(_frame, 14) & 0x0fff;
  }
  // The ethertype of the network layer (after a VLAN tag).
  uint16_t ethertype() const { return packet_detail::get16(_frame, l3_offset() - 2); }
  size_t l3_offset() const { return vlan_id() ? 18 : 14; }

  std::string ipv4_src() const { return ipv4_at(l3_offset() + 12); }
  std::string ipv4_dst() const { return ipv4_at(l3_offset() + 16); }
  uint8_t ipv4_ttl() const { return byte_at(l3_offset() + 8); }
  uint8_t ipv4_protocol() const { return byte_at(l3_offset() + 9); }
  bool ipv4_checksum_ok() const {
    size_t at = l3_offset();
    size_t header = (byte_at(at) & 0x0f) * 4u;
    if (at + header > _frame.size()) throw std::out_of_range("frame too short for its IPv4 header");
    return packet_detail::internet_checksum(_frame.subspan(at, header)) == 0;
  }
  size_t l4_offset() const { return l3_offset() + (byte_at(l3_offset()) & 0x0f) * 4u; }
  uint16_t udp_sport() const { return packet_detail::get16(_frame, l4_offset()); }
  uint16_t udp_dport() const { return packet_detail::get16(_frame, l4_offset() + 2); }
  uint8_t icmp_type() const { return byte_at(l4_offset()); }

 private:
  uint8_t byte_at(size_t at) const {
    if (at >= _frame.size()) throw std::out_of_range("packet too short for a field at byte " + std::to_string(at));
    return _frame[at];
  }
  std::string mac_at(size_t at) const {
    char text[18];
    for (size_t i = 0; i < 6; ++i) byte_at(at + i);
    std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", _frame[at], _frame[at + 1], _frame[at + 2], _frame[at + 3],
                  _frame[at + 4], _frame[at + 5]);
    return text;
  }
  std::string ipv4_at(size_t at) const {
    char text[INET_ADDRSTRLEN];
    byte_at(at + 3);
    ::inet_ntop(AF_INET, _frame.data() + at, text, sizeof text);
    return text;
  }

  std::span<const uint8_t> _frame;
};

}  // namespace pcn::testing
