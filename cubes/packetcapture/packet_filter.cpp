#include "cubes/packetcapture/packet_filter.hpp"

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <charconv>

#include "cubes/packetcapture/packetcapture_abi.h"

namespace pcn::cubes::pcap {

ipv4_prefix ipv4_prefix::parse(std::string_view text) {
  std::string_view address = text.substr(0, text.find('/'));
  unsigned length = 32;
  if (address.size() < text.size()) {
    std::string_view bits = text.substr(address.size() + 1);
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), length);
    if (ec != std::errc{} || end != bits.data() + bits.size() || length > 32)
      throw filter_error("bad prefix length in " + std::string(text));
  }
  in_addr a{};
  if (::inet_pton(AF_INET, std::string(address).c_str(), &a) != 1) throw filter_error("bad IPv4 address in " + std::string(text));
  ipv4_prefix p{ntohl(a.s_addr), static_cast<uint8_t>(length)};
  p.address &= p.mask();
  return p;
}

uint8_t fastpath_filter::parse_l4proto(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "TCP") return IPPROTO_TCP;
  if (upper == "UDP") return IPPROTO_UDP;
  if (upper == "ICMP") return IPPROTO_ICMP;
  if (upper == "SCTP") return IPPROTO_SCTP;
  unsigned number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc{} || end != text.data() + text.size() || number > 255 || text.empty())
    throw filter_error("unknown protocol " + std::string(text) + " (TCP, UDP, ICMP, SCTP or a number 0..255)");
  return static_cast<uint8_t>(number);
}

fastpath_filter::constants fastpath_filter::fastpath_constants() const {
  constants c;
  if (src) {
    c.flags |= PACKETCAPTURE_FILTER_SRC;
    c.src = htonl(src->address);
    c.src_mask = htonl(src->mask());
  }
  if (dst) {
    c.flags |= PACKETCAPTURE_FILTER_DST;
    c.dst = htonl(dst->address);
    c.dst_mask = htonl(dst->mask());
  }
  if (l4proto) {
    c.flags |= PACKETCAPTURE_FILTER_PROTO;
    c.l4proto = *l4proto;
  }
  if (sport) {
    c.flags |= PACKETCAPTURE_FILTER_SPORT;
    c.sport = htons(*sport);
  }
  if (dport) {
    c.flags |= PACKETCAPTURE_FILTER_DPORT;
    c.dport = htons(*dport);
  }
  return c;
}

pcap_expression::pcap_expression() = default;

pcap_expression::pcap_expression(std::string expression, uint32_t snaplen) : _text(std::move(expression)) {
  if (_text.find_first_not_of(" \t\r\n") == std::string::npos) return;
  std::unique_ptr<pcap_t, decltype(&pcap_close)> handle(
      pcap_open_dead(DLT_EN10MB, static_cast<int>(std::min<uint32_t>(snaplen, 262144))), pcap_close);
  if (!handle) throw filter_error("libpcap: cannot open a handle to compile filters");
  auto program = std::make_unique<bpf_program>();
  if (pcap_compile(handle.get(), program.get(), _text.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    throw filter_error("filter '" + _text + "': " + pcap_geterr(handle.get()));
  _program = std::move(program);
}

pcap_expression::pcap_expression(pcap_expression&& other) noexcept
    : _text(std::move(other._text)), _program(std::move(other._program)) {}

pcap_expression& pcap_expression::operator=(pcap_expression&& other) noexcept {
  if (this != &other) {
    if (_program) pcap_freecode(_program.get());
    _text = std::move(other._text);
    _program = std::move(other._program);
  }
  return *this;
}

pcap_expression::~pcap_expression() {
  if (_program) pcap_freecode(_program.get());
}

bool pcap_expression::matches(std::span<const uint8_t> data, uint32_t length) const {
  if (!_program) return true;
  pcap_pkthdr header{};
  header.caplen = static_cast<bpf_u_int32>(data.size());
  header.len = length;
  return pcap_offline_filter(_program.get(), &header, data.data()) != 0;
}

}  // namespace pcn::cubes::pcap
