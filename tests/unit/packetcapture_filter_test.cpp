// packetcapture's userspace parts: the fast-path filters as the constants its program
// reads, pcap-filter expressions through libpcap, and the anonymizer (addresses replaced
// consistently, checksums still right).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "cubes/packetcapture/anonymizer.hpp"
#include "cubes/packetcapture/packet_filter.hpp"
#include "cubes/packetcapture/packetcapture_abi.h"
#include "tests/support/packet_builder.hpp"

namespace pcn::cubes::pcap {
namespace {

using testing::bytes;
using testing::packet;

TEST(fastpath_filter, prefixes_parse_and_clear_host_bits) {
  EXPECT_EQ(ipv4_prefix::parse("10.0.0.7/24"), (ipv4_prefix{0x0a000000, 24}));
  EXPECT_EQ(ipv4_prefix::parse("10.0.0.7"), (ipv4_prefix{0x0a000007, 32}));
  EXPECT_EQ(ipv4_prefix::parse("0.0.0.0/0").mask(), 0u);
  EXPECT_THROW(ipv4_prefix::parse("10.0.0.0/33"), filter_error);
  EXPECT_THROW(ipv4_prefix::parse("10.0.0/8"), filter_error);
  EXPECT_THROW(ipv4_prefix::parse("10.0.0.0/x"), filter_error);
}

TEST(fastpath_filter, protocols_by_name_or_number) {
  EXPECT_EQ(fastpath_filter::parse_l4proto("TCP"), IPPROTO_TCP);
  EXPECT_EQ(fastpath_filter::parse_l4proto("udp"), IPPROTO_UDP);
  EXPECT_EQ(fastpath_filter::parse_l4proto("ICMP"), IPPROTO_ICMP);
  EXPECT_EQ(fastpath_filter::parse_l4proto("132"), IPPROTO_SCTP);
  EXPECT_THROW(fastpath_filter::parse_l4proto("256"), filter_error);
  EXPECT_THROW(fastpath_filter::parse_l4proto("GRE"), filter_error);
  EXPECT_THROW(fastpath_filter::parse_l4proto(""), filter_error);
}

TEST(fastpath_filter, constants_in_network_order_with_a_flag_per_filter_set) {
  EXPECT_EQ(fastpath_filter{}.fastpath_constants().flags, 0u);
  fastpath_filter f;
  f.src = ipv4_prefix::parse("10.0.0.0/24");
  f.l4proto = IPPROTO_UDP;
  f.dport = 53;
  auto c = f.fastpath_constants();
  EXPECT_EQ(c.flags, unsigned{PACKETCAPTURE_FILTER_SRC | PACKETCAPTURE_FILTER_PROTO | PACKETCAPTURE_FILTER_DPORT});
  EXPECT_EQ(c.src, htonl(0x0a000000));
  EXPECT_EQ(c.src_mask, htonl(0xffffff00));
  EXPECT_EQ(c.dst_mask, 0u);
  EXPECT_EQ(c.l4proto, IPPROTO_UDP);
  EXPECT_EQ(c.dport, htons(53));
  EXPECT_EQ(c.sport, 0u);
}

const bytes udp = packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").ipv4("10.0.0.1", "10.0.0.2").udp(40000, 53).payload(22);
const bytes echo = packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").ipv4("10.0.0.1", "10.0.0.2").icmp_echo(7, 1).payload(56);

TEST(pcap_expression, empty_matches_everything) {
  pcap_expression none("  ", 65535);
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none.matches(udp, static_cast<uint32_t>(udp.size())));
}

TEST(pcap_expression, tcpdump_syntax_through_libpcap) {
  pcap_expression icmp("icmp and src host 10.0.0.1", 65535);
  EXPECT_FALSE(icmp.empty());
  EXPECT_TRUE(icmp.matches(echo, static_cast<uint32_t>(echo.size())));
  EXPECT_FALSE(icmp.matches(udp, static_cast<uint32_t>(udp.size())));
  pcap_expression dns("udp dst port 53", 65535);
  EXPECT_TRUE(dns.matches(udp, static_cast<uint32_t>(udp.size())));
  EXPECT_FALSE(dns.matches(echo, static_cast<uint32_t>(echo.size())));
  // Cut short before the ports: a filter on them cannot match.
  EXPECT_FALSE(dns.matches(std::span(udp).first(30), static_cast<uint32_t>(udp.size())));
  pcap_expression moved = std::move(dns);
  EXPECT_TRUE(moved.matches(udp, static_cast<uint32_t>(udp.size())));
}

TEST(pcap_expression, a_bad_expression_says_why) {
  try {
    pcap_expression("host and", 65535);
    FAIL() << "accepted";
  } catch (const filter_error& e) {
    EXPECT_NE(std::string(e.what()).find("filter 'host and'"), std::string::npos) << e.what();
  }
}

uint16_t checksum_of(std::span<const uint8_t> data, uint32_t sum = 0) { return testing::packet_detail::internet_checksum(data, sum); }

// The UDP checksum over the pseudo-header, as a receiver checks it: 0 when right.
uint16_t udp_check(const bytes& frame) {
  size_t ip = 14, l4 = ip + 20;
  uint32_t sum = 0;
  for (size_t i = ip + 12; i < ip + 20; i += 2) sum += static_cast<uint32_t>(frame[i] << 8 | frame[i + 1]);
  sum += IPPROTO_UDP;
  sum += static_cast<uint32_t>(frame.size() - l4);
  return checksum_of(std::span(frame).subspan(l4), sum);
}

TEST(anonymizer, replaces_addresses_consistently_and_keeps_checksums_right) {
  anonymizer a(anonymizer::key_type{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  ASSERT_EQ(checksum_of(std::span(udp).subspan(14, 20)), 0);
  ASSERT_EQ(udp_check(udp), 0);
  bytes copy = udp;
  a.apply(copy);
  EXPECT_NE(bytes(copy.begin() + 26, copy.begin() + 34), bytes(udp.begin() + 26, udp.begin() + 34));
  EXPECT_EQ(bytes(copy.begin(), copy.begin() + 24), bytes(udp.begin(), udp.begin() + 24));  // MACs, ethertype, header
  EXPECT_EQ(bytes(copy.begin() + 42, copy.end()), bytes(udp.begin() + 42, udp.end()));  // the payload
  EXPECT_EQ(checksum_of(std::span(copy).subspan(14, 20)), 0) << "IPv4 header checksum";
  EXPECT_EQ(udp_check(copy), 0) << "UDP checksum";

  // The same address always becomes the same one: B's reply has A's address where A's
  // packet had it.
  bytes reply = packet().eth("02:00:00:00:00:0b", "02:00:00:00:00:0a").ipv4("10.0.0.2", "10.0.0.1").udp(53, 40000).payload(10);
  a.apply(reply);
  EXPECT_EQ(bytes(reply.begin() + 26, reply.begin() + 30), bytes(copy.begin() + 30, copy.begin() + 34));
  EXPECT_EQ(bytes(reply.begin() + 30, reply.begin() + 34), bytes(copy.begin() + 26, copy.begin() + 30));

  // Another key, other addresses.
  bytes other = udp;
  anonymizer(anonymizer::key_type{9}).apply(other);
  EXPECT_NE(bytes(other.begin() + 26, other.begin() + 34), bytes(copy.begin() + 26, copy.begin() + 34));
}

TEST(anonymizer, icmp_and_short_copies) {
  anonymizer a;
  bytes copy = echo;
  a.apply(copy);
  EXPECT_EQ(checksum_of(std::span(copy).subspan(14, 20)), 0);
  EXPECT_EQ(bytes(copy.begin() + 34, copy.end()), bytes(echo.begin() + 34, echo.end())) << "ICMP has no pseudo-header";
  // Cut inside the addresses: nothing is touched, nothing read beyond the copy.
  bytes cut(echo.begin(), echo.begin() + 28);
  a.apply(cut);
  EXPECT_EQ(cut, bytes(echo.begin(), echo.begin() + 28));
  bytes tiny(echo.begin(), echo.begin() + 10);
  a.apply(tiny);
  EXPECT_EQ(tiny, bytes(echo.begin(), echo.begin() + 10));
}

uint32_t udp6_sum(const bytes& f);
void put_check(bytes& f, uint32_t pseudo);

// Ethernet + IPv6 (fd00::1 -> fd00::2) + UDP 1000 -> 2000 + 4 bytes, its UDP checksum right.
bytes udp6() {
  bytes f = {0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x86, 0xdd,  // Ethernet
             0x60, 0, 0, 0, 0, 12, IPPROTO_UDP, 64};                      // version, payload length 12, next header, hop limit
  for (uint8_t last : {1, 2}) {
    f.insert(f.end(), {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    f.push_back(last);
  }
  f.insert(f.end(), {0x03, 0xe8, 0x07, 0xd0, 0, 12, 0, 0, 'p', 'i', 'n', 'g'});
  put_check(f, udp6_sum(f));
  return f;
}
uint32_t udp6_sum(const bytes& f) {
  uint32_t sum = IPPROTO_UDP + 12;
  for (size_t i = 22; i < 54; i += 2) sum += static_cast<uint32_t>(f[i] << 8 | f[i + 1]);
  return sum;
}
void put_check(bytes& f, uint32_t pseudo) {
  f[60] = f[61] = 0;
  uint16_t c = checksum_of(std::span(f).subspan(54), pseudo);
  f[60] = static_cast<uint8_t>(c >> 8);
  f[61] = static_cast<uint8_t>(c);
}

TEST(anonymizer, ipv6_addresses_and_their_udp_checksum) {
  bytes original = udp6();
  ASSERT_EQ(checksum_of(std::span(original).subspan(54), udp6_sum(original)), 0);
  bytes copy = original;
  anonymizer(anonymizer::key_type{7}).apply(copy);
  EXPECT_NE(bytes(copy.begin() + 22, copy.begin() + 54), bytes(original.begin() + 22, original.begin() + 54));
  EXPECT_EQ(checksum_of(std::span(copy).subspan(54), udp6_sum(copy)), 0) << "UDP checksum over the new pseudo-header";
  EXPECT_EQ(bytes(copy.begin() + 62, copy.end()), bytes(original.begin() + 62, original.end()));
}

TEST(anonymizer, arp_addresses) {
  bytes arp = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x06,  // Ethernet
               0, 1, 0x08, 0, 6, 4, 0, 1,                                              // Ethernet/IPv4, request
               0x02, 0, 0, 0, 0, 0x0a, 10, 0, 0, 1,                                    // sender
               0, 0, 0, 0, 0, 0, 10, 0, 0, 2};                                          // target
  bytes copy = arp;
  anonymizer a(anonymizer::key_type{7});
  a.apply(copy);
  EXPECT_NE(bytes(copy.begin() + 28, copy.begin() + 32), bytes(arp.begin() + 28, arp.begin() + 32));
  EXPECT_NE(bytes(copy.begin() + 38, copy.begin() + 42), bytes(arp.begin() + 38, arp.begin() + 42));
  EXPECT_EQ(bytes(copy.begin(), copy.begin() + 28), bytes(arp.begin(), arp.begin() + 28));
  // The same address as in an IPv4 header.
  bytes ip = packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(4);
  a.apply(ip);
  EXPECT_EQ(bytes(ip.begin() + 26, ip.begin() + 30), bytes(copy.begin() + 28, copy.begin() + 32));
}

}  // namespace
}  // namespace pcn::cubes::pcap
