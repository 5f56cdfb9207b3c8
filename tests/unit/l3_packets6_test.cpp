// The IPv6 frames the router's slow path reads and writes: neighbour solicitations and
// advertisements, echo replies and ICMPv6 errors, their checksums checked independently.
#include <gtest/gtest.h>

#include "cubes/router/packets6.hpp"
#include "cubes/router/routing_table.hpp"

namespace pcn::cubes::packets {
namespace {

using bytes = std::vector<uint8_t>;

const ipv4::mac_address router_mac{0x02, 0, 0, 0, 0, 0xfe};
const ipv4::mac_address host_mac{0x02, 0, 0, 0, 0, 0x0a};
ipv6::address addr(const char* text) { return *ipv6::parse_address(text); }

// The ICMPv6 checksum over the message after the IPv6 header, with the pseudo-header: 0 when right.
uint16_t icmp6_sum(const bytes& frame) {
  auto info = parse_ipv6(frame);
  uint32_t sum = 0;
  for (ipv6::address a : {info->src, info->dst})
    for (int shift = 112; shift >= 0; shift -= 16) sum += static_cast<uint16_t>(a >> shift);
  size_t length = info->total_size - ipv6_size;
  sum += static_cast<uint32_t>(length) + protocol_icmpv6;
  return checksum(std::span(frame).subspan(eth_size + ipv6_size, length), sum);
}

// An ICMPv6 echo request from 2001:db8:1::1 to 2001:db8:1::fe with 20 bytes of data.
bytes echo_request() {
  bytes f(eth_size + ipv6_size + 8 + 20);
  write_eth(f, router_mac, host_mac, ethertype_ipv6);
  f[14] = 0x60;
  f[19] = 28;
  f[20] = protocol_icmpv6;
  f[21] = 61;
  auto s = ipv6::to_bytes(addr("2001:db8:1::1")), d = ipv6::to_bytes(addr("2001:db8:1::fe"));
  std::copy(s.begin(), s.end(), f.begin() + 22);
  std::copy(d.begin(), d.end(), f.begin() + 38);
  f[54] = icmp6::echo_request;
  f[58] = 0x12;  // identifier
  f[61] = 7;     // sequence
  for (size_t i = 62; i < f.size(); ++i) f[i] = static_cast<uint8_t>(i);
  return f;
}

TEST(router_ipv6_text, addresses_prefixes_and_groups) {
  auto p = ipv6::parse_prefix("2001:db8:1::fe/64");
  ASSERT_TRUE(p);
  EXPECT_EQ(ipv6::to_string(p->network_prefix()), "2001:db8:1::/64");
  EXPECT_TRUE(p->contains(addr("2001:db8:1::1234")));
  EXPECT_FALSE(p->contains(addr("2001:db8:2::1")));
  EXPECT_EQ(ipv6::to_string(ipv6::solicited_node(addr("2001:db8::12:3456"))), "ff02::1:ff12:3456");
  EXPECT_TRUE(ipv6::is_link_local(addr("fe80::1")));
  EXPECT_FALSE(ipv6::is_link_local(addr("fec0::1")));
  EXPECT_TRUE(ipv6::is_special(addr("::")));
  EXPECT_TRUE(ipv6::is_special(addr("ff02::1")));
  for (const char* bad : {"2001:db8::1", "2001:db8::/129", "10.0.0.0/8", "2001:db8::/x"}) EXPECT_FALSE(ipv6::parse_prefix(bad)) << bad;
  routing_table6 t;
  t.add({*ipv6::parse_prefix("2001:db8::/32"), addr("2001:db8:ff::1"), 1, 1, route_origin::configured});
  t.add({*ipv6::parse_prefix("2001:db8:3::/48"), addr("2001:db8:ff::2"), 2, 1, route_origin::configured});
  t.add({*ipv6::parse_prefix("::/0"), addr("2001:db8:ff::3"), 3, 1, route_origin::configured});
  EXPECT_EQ(t.lookup(addr("2001:db8:3::1"))->port, 2);
  EXPECT_EQ(t.lookup(addr("2001:db8:4::1"))->port, 1);
  EXPECT_EQ(t.lookup(addr("2a00::1"))->port, 3);
}

TEST(router_packets6, solicitation_then_advertisement) {
  bytes ns(nd_frame_size);
  write_neighbour_solicitation(ns, router_mac, addr("2001:db8:1::fe"), addr("2001:db8:1::1"));
  EXPECT_EQ(ns[0], 0x33);
  EXPECT_EQ(ns[1], 0x33);
  EXPECT_EQ(ns[2], 0xff);
  EXPECT_EQ(ns[5], 0x01);
  EXPECT_EQ(icmp6_sum(ns), 0);
  auto m = parse_nd(ns);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, icmp6::neighbour_solicitation);
  EXPECT_EQ(m->src, addr("2001:db8:1::fe"));
  EXPECT_EQ(m->target, addr("2001:db8:1::1"));
  EXPECT_EQ(m->link_address, router_mac);
  EXPECT_EQ(parse_ipv6(ns)->dst, addr("ff02::1:ff00:1"));

  bytes na(nd_frame_size);
  write_neighbour_advertisement(na, host_mac, addr("2001:db8:1::1"), router_mac, addr("2001:db8:1::fe"));
  EXPECT_EQ(icmp6_sum(na), 0);
  auto a = parse_nd(na);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->type, icmp6::neighbour_advertisement);
  EXPECT_EQ(a->target, addr("2001:db8:1::1"));
  EXPECT_EQ(a->link_address, host_mac);
  EXPECT_EQ(na[eth_size + ipv6_size + 4], 0xe0) << "router, solicited, override";

  bytes corrupt = na;
  corrupt[eth_size + ipv6_size + 10] ^= 1;
  EXPECT_FALSE(parse_nd(corrupt)) << "a bad checksum";
  bytes routed = na;
  routed[eth_size + 7] = 254;
  EXPECT_FALSE(parse_nd(routed)) << "a hop limit other than 255";
}

TEST(router_packets6, echo_reply) {
  bytes f = echo_request();
  f.resize(f.size() + 4);  // Ethernet padding
  auto length = make_echo6_reply(f);
  ASSERT_TRUE(length);
  f.resize(*length);
  auto info = parse_ipv6(f);
  EXPECT_EQ(info->src, addr("2001:db8:1::fe"));
  EXPECT_EQ(info->dst, addr("2001:db8:1::1"));
  EXPECT_EQ(info->hop_limit, 64);
  EXPECT_EQ(f[54], icmp6::echo_reply);
  EXPECT_EQ(icmp6_sum(f), 0);
  EXPECT_FALSE(make_echo6_reply(f)) << "a reply is not answered";
}

TEST(router_packets6, icmp6_error_quotes_the_datagram_and_never_answers_an_error) {
  bytes original = echo_request();
  auto info = parse_ipv6(original);
  ASSERT_TRUE(info);
  EXPECT_TRUE(may_send_error6_about(*info, original));
  bytes frame(icmp6_error_headers);
  frame.insert(frame.end(), original.begin() + eth_size, original.end());
  size_t length = write_icmp6_error(frame, info->total_size, icmp6::time_exceeded, 0, addr("2001:db8:1::fe"), info->src);
  ASSERT_EQ(length, frame.size());
  EXPECT_EQ(icmp6_sum(frame), 0);
  EXPECT_TRUE(std::equal(original.begin() + eth_size, original.end(), frame.begin() + icmp6_error_headers));
  auto error = parse_ipv6(frame);
  EXPECT_FALSE(may_send_error6_about(*error, frame));

  bytes big(icmp6_error_headers + 2000);
  EXPECT_EQ(write_icmp6_error(big, 2000, icmp6::unreachable, icmp6::address_unreachable, 1, 2), eth_size + 1280);
}

}  // namespace
}  // namespace pcn::cubes::packets
