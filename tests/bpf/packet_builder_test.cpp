// The packet builder the fixtures are written with: what it builds is what it says.
#include <gtest/gtest.h>

#include "tests/support/packet_builder.hpp"

namespace pcn::testing {
namespace {

TEST(packet_builder, ipv4_udp_frame_has_its_fields_lengths_and_checksums) {
  bytes f = packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").ipv4("10.0.0.1", "10.0.0.2", 17).udp(1234, 53).payload(10);
  ASSERT_EQ(f.size(), 14u + 20 + 8 + 10);
  frame_reader r(f);
  EXPECT_EQ(r.eth_src(), "02:00:00:00:00:0a");
  EXPECT_EQ(r.eth_dst(), "02:00:00:00:00:0b");
  EXPECT_EQ(r.ethertype(), 0x0800);
  EXPECT_EQ(r.vlan_id(), std::nullopt);
  EXPECT_EQ(r.ipv4_src(), "10.0.0.1");
  EXPECT_EQ(r.ipv4_dst(), "10.0.0.2");
  EXPECT_EQ(r.ipv4_ttl(), 17);
  EXPECT_EQ(r.ipv4_protocol(), 17);
  EXPECT_TRUE(r.ipv4_checksum_ok());
  EXPECT_EQ(r.udp_sport(), 1234);
  EXPECT_EQ(r.udp_dport(), 53);
  EXPECT_EQ(f[16] << 8 | f[17], 20 + 8 + 10) << "IPv4 total length";
  EXPECT_EQ(f[38] << 8 | f[39], 8 + 10) << "UDP length";
  // The UDP checksum over the pseudo-header, header and payload folds to zero.
  uint32_t pseudo = (10 << 8 | 0) + (0 << 8 | 1) + (10 << 8 | 0) + (0 << 8 | 2) + 17 + 18;
  EXPECT_EQ(packet_detail::internet_checksum(std::span(f).subspan(34), pseudo), 0);
  EXPECT_EQ(f[42], 0) << "payload counts up from 0";
  EXPECT_EQ(f[51], 9);
}

TEST(packet_builder, known_ipv4_header_checksum) {
  // The classic example header (RFC 1071 style): 45 00 00 73 00 00 40 00 40 11 .. c0 a8 00 01 c0 a8 00 c7 -> b861.
  bytes f = packet().eth("00:00:00:00:00:01", "00:00:00:00:00:02").ipv4("192.168.0.1", "192.168.0.199", 64).payload(0x73 - 20);
  f[14 + 9] = 17;  // the example's protocol (UDP) ...
  f[14 + 4] = 0;   // ... and id 0
  f[14 + 5] = 0;
  f[14 + 10] = f[14 + 11] = 0;
  uint16_t sum = packet_detail::internet_checksum(std::span(f).subspan(14, 20));
  EXPECT_EQ(sum, 0xb861);
}

TEST(packet_builder, vlan_tag_and_icmp_echo) {
  bytes f = packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").vlan(42, 5).ipv4("10.0.0.1", "10.0.0.2").icmp_echo(7, 3).payload(56);
  ASSERT_EQ(f.size(), 18u + 20 + 8 + 56);
  frame_reader r(f);
  EXPECT_EQ(f[12] << 8 | f[13], 0x8100);
  EXPECT_EQ(r.vlan_id(), 42);
  EXPECT_EQ(f[14] >> 5, 5) << "priority";
  EXPECT_EQ(r.ethertype(), 0x0800);
  EXPECT_EQ(r.ipv4_protocol(), 1);
  EXPECT_TRUE(r.ipv4_checksum_ok());
  EXPECT_EQ(r.icmp_type(), 8);
  EXPECT_EQ(packet_detail::internet_checksum(std::span(f).subspan(r.l4_offset())), 0) << "ICMP checksum";
}

TEST(packet_builder, reader_refuses_short_frames) {
  bytes f = packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").payload(2);
  frame_reader r(f);
  EXPECT_THROW(r.ipv4_src(), std::out_of_range);
  EXPECT_THROW(packet().eth("nonsense", "02:00:00:00:00:0b").build(), std::invalid_argument);
}

}  // namespace
}  // namespace pcn::testing
