#pragma once
// What decides which packets a capture keeps: the fast path's filters (IPv4 prefixes,
// protocol, ports), turned into the load-time constants of packetcapture.bpf.c, and a
// pcap-filter expression (tcpdump's syntax) compiled by libpcap to classic BPF and run in
// userspace on each copy.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

struct bpf_program;

namespace pcn::cubes::pcap {

// A filter that cannot be: the message says what is wrong with it.
class filter_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct ipv4_prefix {
  uint32_t address = 0;  // host order, host bits cleared
  uint8_t length = 0;

  // "10.0.0.0/24" or "10.0.0.1" (a /32). Throws filter_error.
  static ipv4_prefix parse(std::string_view text);
  uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
  bool operator==(const ipv4_prefix&) const = default;
};

// The fast path's filters; unset ones match everything.
struct fastpath_filter {
  std::optional<ipv4_prefix> src, dst;
  std::optional<uint8_t> l4proto;
  std::optional<uint16_t> sport, dport;

  // "TCP", "udp", "ICMP", "SCTP" or a protocol number 0..255. Throws filter_error.
  static uint8_t parse_l4proto(std::string_view text);
  // The values of packetcapture.bpf.c's load-time constants (network order where the
  // packet has it).
  struct constants {
    uint32_t flags = 0;  // PACKETCAPTURE_FILTER_*
    uint32_t src = 0, src_mask = 0, dst = 0, dst_mask = 0;
    uint8_t l4proto = 0;
    uint16_t sport = 0, dport = 0;
  };
  constants fastpath_constants() const;
  bool operator==(const fastpath_filter&) const = default;
};

// A pcap-filter expression compiled for Ethernet frames. An empty expression matches
// everything without running anything.
class pcap_expression {
 public:
  pcap_expression();
  // Throws filter_error with libpcap's message.
  pcap_expression(std::string expression, uint32_t snaplen);
  pcap_expression(pcap_expression&&) noexcept;
  pcap_expression& operator=(pcap_expression&&) noexcept;
  ~pcap_expression();

  const std::string& text() const { return _text; }
  bool empty() const { return _program == nullptr; }
  // `data` is what was copied of a packet of `length` bytes.
  bool matches(std::span<const uint8_t> data, uint32_t length) const;

 private:
  std::string _text;
  std::unique_ptr<bpf_program> _program;
};

}  // namespace pcn::cubes::pcap
