// The frames the router's slow path writes: ARP requests and replies, echo replies and
// ICMP errors, checked field by field and with independently computed checksums.
#include <gtest/gtest.h>

#include "cubes/router/packets.hpp"
#include "tests/support/packet_builder.hpp"

namespace pcn::cubes::packets {
namespace {

using testing::bytes;
using testing::frame_reader;

const ipv4::mac_address router_mac{0x02, 0, 0, 0, 0, 0xfe};
const ipv4::mac_address host_mac{0x02, 0, 0, 0, 0, 0x0a};
ipv4::address addr(const char* text) { return *ipv4::parse_address(text); }

TEST(router_packets, arp_request_then_its_reply) {
  bytes frame(arp_frame_size);
  write_arp_request(frame, router_mac, addr("10.0.1.254"), addr("10.0.1.1"));
  frame_reader r(frame);
  EXPECT_EQ(r.eth_dst(), "ff:ff:ff:ff:ff:ff");
  EXPECT_EQ(r.eth_src(), "02:00:00:00:00:fe");
  auto m = parse_arp(frame);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->op, arp_op::request);
  EXPECT_EQ(m->sender_mac, router_mac);
  EXPECT_EQ(m->sender_ip, addr("10.0.1.254"));
  EXPECT_EQ(m->target_ip, addr("10.0.1.1"));

  // The host answers: the request turned into a reply by its owner.
  make_arp_reply(frame, host_mac);
  frame_reader reply(frame);
  EXPECT_EQ(reply.eth_dst(), "02:00:00:00:00:fe");
  EXPECT_EQ(reply.eth_src(), "02:00:00:00:00:0a");
  auto a = parse_arp(frame);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->op, arp_op::reply);
  EXPECT_EQ(a->sender_mac, host_mac);
  EXPECT_EQ(a->sender_ip, addr("10.0.1.1"));
  EXPECT_EQ(a->target_mac, router_mac);
  EXPECT_EQ(a->target_ip, addr("10.0.1.254"));
}

TEST(router_packets, not_arp_for_ipv4_over_ethernet) {
  bytes frame(arp_frame_size);
  write_arp_request(frame, router_mac, 1, 2);
  bytes short_frame(frame.begin(), frame.end() - 1);
  EXPECT_FALSE(parse_arp(short_frame));
  bytes other = frame;
  other[eth_size + 5] = 16;  // protocol address length
  EXPECT_FALSE(parse_arp(other));
  other = frame;
  other[eth_size + 7] = 3;  // RARP request
  EXPECT_FALSE(parse_arp(other));
  bytes ip = testing::packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:fe").ipv4("10.0.1.1", "10.0.2.1").udp(1, 2).payload(4);
  EXPECT_FALSE(parse_arp(ip));
}

TEST(router_packets, echo_reply_swaps_addresses_and_has_valid_checksums) {
  bytes request = testing::packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:fe").ipv4("10.0.1.1", "10.0.1.254", 61).icmp_echo(7, 3).payload(56);
  bytes expected = testing::packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:fe").ipv4("10.0.1.254", "10.0.1.1", 64).icmp_echo_reply(7, 3).payload(56);
  bytes padded = request;
  padded.resize(request.size() + 6);  // Ethernet padding after the datagram
  auto length = make_echo_reply(padded);
  ASSERT_TRUE(length);
  padded.resize(*length);
  EXPECT_EQ(padded, expected);

  bytes udp = testing::packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:fe").ipv4("10.0.1.1", "10.0.1.254").udp(1, 2).payload(4);
  EXPECT_FALSE(make_echo_reply(udp));
  bytes reply = expected;
  EXPECT_FALSE(make_echo_reply(reply)) << "a reply is not answered";
}

TEST(router_packets, icmp_error_quotes_the_datagram) {
  bytes original = testing::packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:fe").ipv4("10.0.1.1", "10.0.3.1", 1).udp(33434, 33435).payload(32);
  auto info = parse_ipv4(original);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->ttl, 1);
  EXPECT_EQ(info->total_size, original.size() - eth_size);
  EXPECT_TRUE(may_send_error_about(*info, original));

  // The layout the router builds in place: new headers, then the datagram.
  bytes frame(icmp_error_headers);
  frame.insert(frame.end(), original.begin() + eth_size, original.end());
  size_t length = write_icmp_error(frame, info->total_size, icmp::time_exceeded, 0, addr("10.0.1.254"), addr("10.0.1.1"));
  ASSERT_EQ(length, frame.size());
  frame_reader r(frame);
  EXPECT_EQ(r.ipv4_src(), "10.0.1.254");
  EXPECT_EQ(r.ipv4_dst(), "10.0.1.1");
  EXPECT_EQ(r.ipv4_ttl(), 64);
  EXPECT_EQ(r.ipv4_protocol(), protocol_icmp);
  EXPECT_TRUE(r.ipv4_checksum_ok());
  EXPECT_EQ(r.icmp_type(), icmp::time_exceeded);
  EXPECT_EQ(checksum(std::span(frame).subspan(eth_size + ipv4_size)), 0) << "ICMP checksum";
  EXPECT_TRUE(std::equal(original.begin() + eth_size, original.end(), frame.begin() + icmp_error_headers));
}

TEST(router_packets, icmp_error_quote_is_bounded) {
  bytes original = testing::packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:fe").ipv4("10.0.1.1", "10.0.3.1").udp(1, 2).payload(1400);
  bytes frame(icmp_error_headers);
  frame.insert(frame.end(), original.begin() + eth_size, original.end());
  size_t length = write_icmp_error(frame, original.size() - eth_size, icmp::unreachable, icmp::host_unreachable, 1, 2);
  EXPECT_EQ(length, eth_size + 576);
  frame.resize(length);
  EXPECT_TRUE(frame_reader(frame).ipv4_checksum_ok());
  EXPECT_EQ(checksum(std::span(frame).subspan(eth_size + ipv4_size)), 0);
}

TEST(router_packets, no_icmp_error_about_errors_fragments_or_special_addresses) {
  auto allowed = [](const bytes& f) { return may_send_error_about(*parse_ipv4(f), f); };
  bytes echo = testing::packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:fe").ipv4("10.0.1.1", "10.0.3.1").icmp_echo(1, 1).payload(8);
  EXPECT_TRUE(allowed(echo));
  bytes error(icmp_error_headers);
  error.insert(error.end(), echo.begin() + eth_size, echo.end());
  write_icmp_error(error, echo.size() - eth_size, icmp::time_exceeded, 0, addr("10.0.2.1"), addr("10.0.1.1"));
  EXPECT_FALSE(allowed(error));
  bytes fragment = echo;
  fragment[eth_size + 7] = 0x10;  // fragment offset 16
  EXPECT_FALSE(allowed(fragment));
  for (const char* src : {"0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255"}) {
    bytes f = testing::packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:fe").ipv4(src, "10.0.3.1").udp(1, 2).payload(4);
    EXPECT_FALSE(allowed(f)) << src;
  }
}

TEST(router_packets, truncated_or_lying_ipv4_is_refused) {
  bytes f = testing::packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:fe").ipv4("10.0.1.1", "10.0.3.1").udp(1, 2).payload(4);
  bytes cut(f.begin(), f.end() - 1);
  EXPECT_FALSE(parse_ipv4(cut)) << "total length beyond the frame";
  bytes bad_ihl = f;
  bad_ihl[eth_size] = 0x44;
  EXPECT_FALSE(parse_ipv4(bad_ihl));
}

}  // namespace
}  // namespace pcn::cubes::packets
