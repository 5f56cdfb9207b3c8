#pragma once
// Capture file formats: pcapng (the default, what Wireshark and tshark read best) and
// classic pcap, written into a std::string a record at a time, and a pcapng reader that
// takes a stream in pieces (a live capture arriving over HTTP). No I/O here: the callers
// decide where the bytes go (a file, an HTTP stream, stdout).
//
//   std::string out;
//   capture::append_section_header(out, "polycubed");
//   capture::append_interface(out, {.name = "br1:port1", .snaplen = 65535});
//   capture::append_packet(out, {.timestamp_ns = t, .original_length = n, .data = bytes,
//                                .direction = capture::direction::inbound});
//
// Everything is written in the host's byte order (the byte-order magic tells readers);
// timestamps are nanoseconds since the epoch (if_tsresol = 9, or the nanosecond pcap magic).
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pcn::capture {

inline constexpr uint16_t linktype_ethernet = 1;

// Which way a packet went, as the enhanced packet block's epb_flags say it.
enum class direction : uint8_t { unknown = 0, inbound = 1, outbound = 2 };

struct interface_info {
  std::string name = {};    // if_name: where the capture was taken ("br1:port1", "veth1")
  std::string description = {};  // if_description; empty: none
  uint32_t snaplen = 0;     // 0: no limit
  uint16_t linktype = linktype_ethernet;
};

struct packet_record {
  uint64_t timestamp_ns = 0;     // since the epoch
  uint32_t original_length = 0;  // on the wire; data may be shorter (snaplen)
  std::span<const uint8_t> data = {};
  direction dir = direction::unknown;
  std::string_view comment = {};  // opt_comment; empty: none (pcapng only)
  uint32_t interface = 0;    // interface id within the section (pcapng only)
};

// ---- pcapng ----
// Section header block: byte-order magic, version 1.0, unknown section length, shb_userappl.
void append_section_header(std::string& out, std::string_view application);
// Interface description block with if_name, if_description and if_tsresol = 9.
void append_interface(std::string& out, const interface_info& iface);
// Enhanced packet block with epb_flags (direction) and opt_comment.
void append_packet(std::string& out, const packet_record& packet);

// ---- classic pcap (nanosecond variant: magic 0xa1b23c4d, version 2.4) ----
void append_pcap_header(std::string& out, uint32_t snaplen, uint16_t linktype = linktype_ethernet);
void append_pcap_packet(std::string& out, const packet_record& packet);

// The two formats behind one switch: a file's header, then its packets.
enum class file_format { pcapng, pcap };
std::optional<file_format> parse_file_format(std::string_view name);  // "pcapng", "pcap" (any case)
void append_file_header(std::string& out, file_format f, const interface_info& iface, std::string_view application);
void append_file_packet(std::string& out, file_format f, const packet_record& packet);

// ---- reading pcapng ----
inline constexpr uint32_t block_section_header = 0x0A0D0D0A;
inline constexpr uint32_t block_interface = 0x00000001;
inline constexpr uint32_t block_enhanced_packet = 0x00000006;

// A packet of an enhanced packet block, its data pointing into the block.
struct packet_view {
  uint32_t interface = 0;
  uint64_t timestamp = 0;  // in the interface's resolution (this project's: nanoseconds)
  uint32_t original_length = 0;
  std::span<const uint8_t> data = {};
  direction dir = direction::unknown;
};

class format_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Cuts a pcapng byte stream into blocks as the pieces arrive. Sections in the other byte
// order are refused (format_error), as are blocks of impossible length.
class pcapng_reader {
 public:
  void feed(std::string_view bytes) { _pending.append(bytes); }
  // The next whole block (its bytes, valid until the next call to feed or next), or nothing
  // until more bytes arrive.
  std::optional<std::string_view> next();
  // The packet of an enhanced packet block; nothing for any other block.
  static std::optional<packet_view> packet(std::string_view block);
  static uint32_t type(std::string_view block);

 private:
  std::string _pending;
  size_t _consumed = 0;  // bytes of _pending already handed out
  bool _started = false;
};

}  // namespace pcn::capture
