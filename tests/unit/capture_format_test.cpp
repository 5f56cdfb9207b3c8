// pcapng and pcap, byte for byte, then as the tools read them (capinfos, tshark: skipped
// where Wireshark's tools are not installed), and the pcapng reader on a stream in pieces.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "capture/pcapng.hpp"

namespace pcn::capture {
namespace {

// "0a 0d 0d 0a ..." -> bytes.
std::string hex(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == ' ' || text[i] == '\n') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

const std::array<uint8_t, 5> five = {0xde, 0xad, 0xbe, 0xef, 0x01};

TEST(pcapng, section_header_is_byte_exact) {
  std::string out;
  append_section_header(out, "t");
  EXPECT_EQ(out, hex("0a0d0d0a 28000000 4d3c2b1a 0100 0000 ffffffffffffffff"
                     "0400 0100 74000000 00000000 28000000"));
}

TEST(pcapng, section_header_without_application_has_no_options) {
  std::string out;
  append_section_header(out, "");
  EXPECT_EQ(out, hex("0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000"));
}

TEST(pcapng, interface_has_name_description_and_nanosecond_resolution) {
  std::string out;
  append_interface(out, {.name = "p", .description = "ab", .snaplen = 96});
  EXPECT_EQ(out, hex("01000000 30000000 0100 0000 60000000"
                     "0200 0100 70000000"       // if_name "p"
                     "0300 0200 61620000"       // if_description "ab"
                     "0900 0100 09000000"       // if_tsresol 9
                     "00000000 30000000"));
}

TEST(pcapng, enhanced_packet_has_timestamp_lengths_padding_and_direction) {
  std::string out;
  append_packet(out, {.timestamp_ns = 0x0000000100000002ull, .original_length = 60, .data = five,
                      .dir = direction::outbound});
  EXPECT_EQ(out, hex("06000000 34000000 00000000 01000000 02000000 05000000 3c000000"
                     "deadbeef 01000000"      // data, padded to 32 bits
                     "0200 0400 02000000"     // epb_flags: outbound
                     "00000000 34000000"));
}

TEST(pcapng, enhanced_packet_without_options_and_with_a_comment) {
  std::string plain;
  append_packet(plain, {.timestamp_ns = 5, .original_length = 5, .data = five});
  EXPECT_EQ(plain, hex("06000000 28000000 00000000 00000000 05000000 05000000 05000000 deadbeef 01000000 28000000"));
  std::string commented;
  append_packet(commented, {.timestamp_ns = 5, .original_length = 5, .data = five, .comment = "hi"});
  EXPECT_EQ(commented, hex("06000000 34000000 00000000 00000000 05000000 05000000 05000000 deadbeef 01000000"
                           "0100 0200 68690000 00000000 34000000"));
}

TEST(pcap, header_and_record_are_byte_exact_with_nanoseconds) {
  std::string out;
  append_pcap_header(out, 128);
  append_pcap_packet(out, {.timestamp_ns = 3'000'000'007ull, .original_length = 60, .data = five});
  EXPECT_EQ(out, hex("4d3cb2a1 0200 0400 00000000 00000000 80000000 01000000"
                     "03000000 07000000 05000000 3c000000 deadbeef01"));
}

TEST(capture_format, names) {
  EXPECT_EQ(parse_file_format("PCAPNG"), file_format::pcapng);
  EXPECT_EQ(parse_file_format("pcap"), file_format::pcap);
  EXPECT_EQ(parse_file_format("erf"), std::nullopt);
}

std::string sample_capture(file_format f) {
  std::string out;
  append_file_header(out, f, {.name = "br1:port1", .description = "test", .snaplen = 65535}, "capture_format_test");
  std::vector<uint8_t> frame(60, 0);
  frame[12] = 0x08;  // IPv4 ethertype, nothing valid behind: tshark still counts it
  append_file_packet(out, f, {.timestamp_ns = 1'700'000'000'123'456'789ull, .original_length = 60, .data = frame,
                              .dir = direction::inbound});
  append_file_packet(out, f, {.timestamp_ns = 1'700'000'001'000'000'000ull, .original_length = 1500,
                              .data = std::span(frame).first(40), .dir = direction::outbound, .comment = "cut"});
  return out;
}

TEST(pcapng_reader, cuts_a_stream_in_pieces_into_blocks_and_packets) {
  std::string stream = sample_capture(file_format::pcapng);
  pcapng_reader reader;
  std::vector<uint32_t> types;
  std::vector<packet_view> packets;
  std::vector<std::vector<uint8_t>> datas;
  for (size_t i = 0; i < stream.size(); i += 7) {  // 7 bytes at a time: never block-aligned
    reader.feed(std::string_view(stream).substr(i, 7));
    while (auto b = reader.next()) {
      types.push_back(pcapng_reader::type(*b));
      if (auto p = pcapng_reader::packet(*b)) {
        packets.push_back(*p);
        datas.emplace_back(p->data.begin(), p->data.end());
      }
    }
  }
  EXPECT_EQ(types, (std::vector<uint32_t>{block_section_header, block_interface, block_enhanced_packet, block_enhanced_packet}));
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0].timestamp, 1'700'000'000'123'456'789ull);
  EXPECT_EQ(packets[0].dir, direction::inbound);
  EXPECT_EQ(datas[0].size(), 60u);
  EXPECT_EQ(packets[1].original_length, 1500u);
  EXPECT_EQ(packets[1].dir, direction::outbound);
  EXPECT_EQ(datas[1].size(), 40u);
}

TEST(pcapng_reader, refuses_what_is_not_pcapng) {
  pcapng_reader reader;
  std::string pcap;
  append_pcap_header(pcap, 0);
  reader.feed(pcap);
  EXPECT_THROW(reader.next(), format_error);
}

// ---- the tools ----

bool have(const char* tool) { return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0; }

std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string write_temp(const std::string& bytes, const char* suffix) {
  std::string path = "/tmp/pcn-capture-format-" + std::to_string(::getpid()) + suffix;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(capture_tools, capinfos_reads_both_formats) {
  if (!have("capinfos")) GTEST_SKIP() << "capinfos (wireshark-common) is not installed";
  for (auto [f, suffix, name] : {std::tuple{file_format::pcapng, ".pcapng", "pcapng"}, std::tuple{file_format::pcap, ".pcap", "nsecpcap"}}) {
    std::string path = write_temp(sample_capture(f), suffix);
    std::string info = run("capinfos -M " + path + " 2>&1");
    ::unlink(path.c_str());
    EXPECT_NE(info.find("Number of packets:   2"), std::string::npos) << info;
    EXPECT_NE(info.find(name), std::string::npos) << info;
    EXPECT_NE(info.find("Ethernet"), std::string::npos) << info;
  }
}

TEST(capture_tools, tshark_sees_lengths_directions_comments_and_nanoseconds) {
  if (!have("tshark")) GTEST_SKIP() << "tshark is not installed";
  std::string path = write_temp(sample_capture(file_format::pcapng), ".pcapng");
  std::string fields = run("tshark -r " + path +
                           " -T fields -e frame.cap_len -e frame.len -e frame.p2p_dir -e frame.comment -e frame.time_epoch 2>&1");
  ::unlink(path.c_str());
  EXPECT_NE(fields.find("60\t60\t1\t\t1700000000.123456789"), std::string::npos) << fields;
  EXPECT_NE(fields.find("40\t1500\t0\tcut\t1700000001.000000000"), std::string::npos) << fields;
}

}  // namespace
}  // namespace pcn::capture
