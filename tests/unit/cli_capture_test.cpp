// polycubectl capture: its command line, and the line it prints for a packet.
#include <gtest/gtest.h>

#include <ctime>

#include "cli/args.hpp"
#include "cli/capture.hpp"
#include "tests/support/packet_builder.hpp"

namespace pcn::cli {
namespace {

capture_options parse(std::vector<std::string> words) { return parse_capture_args(words); }

TEST(cli_capture, options_and_the_filter_expression) {
  auto o = parse({"r1:port2", "-w", "/tmp/x.pcapng", "-c", "10", "-s", "96", "icmp", "and", "host", "10.0.0.1"});
  EXPECT_EQ(o.target, "r1:port2");
  EXPECT_EQ(o.file, "/tmp/x.pcapng");
  EXPECT_EQ(o.count, 10u);
  EXPECT_EQ(o.snaplen, 96u);
  EXPECT_EQ(o.filter, "icmp and host 10.0.0.1");
  EXPECT_EQ(o.direction, "BIDIRECTIONAL");

  auto stdout_only = parse({"-w", "-", "veth1", "-Q", "in", "-t", "XDP_SKB"});
  EXPECT_EQ(stdout_only.target, "veth1");
  EXPECT_EQ(stdout_only.file, "-");
  EXPECT_EQ(stdout_only.direction, "INGRESS");
  EXPECT_EQ(stdout_only.type, "XDP_SKB");
  EXPECT_EQ(stdout_only.count, std::nullopt);
  EXPECT_EQ(stdout_only.filter, "");
}

TEST(cli_capture, bad_command_lines_say_what_is_wrong) {
  EXPECT_THROW(parse({}), syntax_error);
  EXPECT_THROW(parse({"-w"}), syntax_error);
  EXPECT_THROW(parse({"veth1", "-c", "0"}), syntax_error);
  EXPECT_THROW(parse({"veth1", "-c", "x"}), syntax_error);
  EXPECT_THROW(parse({"veth1", "-s", "300000"}), syntax_error);
  EXPECT_THROW(parse({"veth1", "-Q", "sideways"}), syntax_error);
  EXPECT_THROW(parse({"-x", "veth1"}), syntax_error);
}

TEST(cli_capture, a_line_a_packet) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  using testing::packet;
  testing::bytes echo = packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").ipv4("10.0.0.1", "10.0.0.2").icmp_echo(7, 3).payload(56);
  capture::packet_view v{.interface = 0, .timestamp = 3723'000000042ull, .original_length = 98, .data = echo,
                         .dir = capture::direction::inbound};
  EXPECT_EQ(packet_summary(v), "01:02:03.000000042 In  IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 7, seq 3, length 98");
  testing::bytes udp = packet().eth("02:00:00:00:00:0b", "02:00:00:00:00:0a").ipv4("10.0.0.2", "10.0.0.1").udp(53, 40000).payload(4);
  v.data = udp;
  v.dir = capture::direction::outbound;
  v.original_length = 46;
  EXPECT_EQ(packet_summary(v), "01:02:03.000000042 Out IP 10.0.0.2.53 > 10.0.0.1.40000: UDP, length 46");
  std::vector<uint8_t> short_frame(10, 0);
  v.data = short_frame;
  v.dir = capture::direction::unknown;
  EXPECT_EQ(packet_summary(v), "01:02:03.000000042     (truncated Ethernet), length 46");
}

}  // namespace
}  // namespace pcn::cli
