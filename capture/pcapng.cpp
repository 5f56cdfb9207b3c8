#include "capture/pcapng.hpp"

#include <algorithm>
#include <cstring>

namespace pcn::capture {
namespace {

constexpr uint32_t byte_order_magic = 0x1A2B3C4D;
constexpr uint32_t pcap_nanosecond_magic = 0xA1B23C4D;
constexpr uint16_t opt_endofopt = 0;
constexpr uint16_t opt_comment = 1;
constexpr uint16_t shb_userappl = 4;
constexpr uint16_t if_name = 2;
constexpr uint16_t if_description = 3;
constexpr uint16_t if_tsresol = 9;
constexpr uint16_t epb_flags = 2;
constexpr size_t max_block = 16u << 20;  // far beyond any packet: a corrupt length

template <typename T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <typename T>
T get(std::string_view s, size_t at) {
  T value;
  std::memcpy(&value, s.data() + at, sizeof(T));
  return value;
}

size_t padded(size_t n) { return (n + 3) & ~size_t{3}; }

void pad(std::string& out) { out.append(padded(out.size()) - out.size(), '\0'); }

void put_option(std::string& out, uint16_t code, std::string_view value) {
  put<uint16_t>(out, code);
  put<uint16_t>(out, static_cast<uint16_t>(value.size()));
  out.append(value);
  pad(out);
}

// A block: type, total length, body (padded), options and their end, total length again.
// `body` writes what comes between the first length and the options into `out`.
template <typename Body>
void block(std::string& out, uint32_t type, Body body) {
  size_t start = out.size();
  put<uint32_t>(out, type);
  put<uint32_t>(out, 0);  // the length, patched below
  body(out);
  put<uint32_t>(out, 0);
  uint32_t length = static_cast<uint32_t>(out.size() - start);
  std::memcpy(out.data() + start + 4, &length, 4);
  std::memcpy(out.data() + out.size() - 4, &length, 4);
}

void end_options(std::string& out) {
  put<uint16_t>(out, opt_endofopt);
  put<uint16_t>(out, 0);
}

// Values longer than an option can hold are cut.
std::string_view option_text(std::string_view s) { return s.substr(0, 0xffff); }

}  // namespace

void append_section_header(std::string& out, std::string_view application) {
  block(out, block_section_header, [&](std::string& o) {
    put<uint32_t>(o, byte_order_magic);
    put<uint16_t>(o, 1);
    put<uint16_t>(o, 0);
    put<int64_t>(o, -1);  // section length unknown: a stream
    if (!application.empty()) {
      put_option(o, shb_userappl, option_text(application));
      end_options(o);
    }
  });
}

void append_interface(std::string& out, const interface_info& iface) {
  block(out, block_interface, [&](std::string& o) {
    put<uint16_t>(o, iface.linktype);
    put<uint16_t>(o, 0);
    put<uint32_t>(o, iface.snaplen);
    if (!iface.name.empty()) put_option(o, if_name, option_text(iface.name));
    if (!iface.description.empty()) put_option(o, if_description, option_text(iface.description));
    const char nanoseconds = 9;
    put_option(o, if_tsresol, std::string_view(&nanoseconds, 1));
    end_options(o);
  });
}

void append_packet(std::string& out, const packet_record& p) {
  block(out, block_enhanced_packet, [&](std::string& o) {
    put<uint32_t>(o, p.interface);
    put<uint32_t>(o, static_cast<uint32_t>(p.timestamp_ns >> 32));
    put<uint32_t>(o, static_cast<uint32_t>(p.timestamp_ns));
    put<uint32_t>(o, static_cast<uint32_t>(p.data.size()));
    put<uint32_t>(o, p.original_length);
    o.append(reinterpret_cast<const char*>(p.data.data()), p.data.size());
    pad(o);
    bool options = false;
    if (p.dir != direction::unknown) {
      uint32_t flags = static_cast<uint32_t>(p.dir);  // bits 0-1: 01 inbound, 10 outbound
      put_option(o, epb_flags, std::string_view(reinterpret_cast<const char*>(&flags), sizeof flags));
      options = true;
    }
    if (!p.comment.empty()) {
      put_option(o, opt_comment, option_text(p.comment));
      options = true;
    }
    if (options) end_options(o);
  });
}

void append_pcap_header(std::string& out, uint32_t snaplen, uint16_t linktype) {
  put<uint32_t>(out, pcap_nanosecond_magic);
  put<uint16_t>(out, 2);
  put<uint16_t>(out, 4);
  put<int32_t>(out, 0);   // thiszone
  put<uint32_t>(out, 0);  // sigfigs
  put<uint32_t>(out, snaplen == 0 ? 262144 : snaplen);
  put<uint32_t>(out, linktype);
}

void append_pcap_packet(std::string& out, const packet_record& p) {
  put<uint32_t>(out, static_cast<uint32_t>(p.timestamp_ns / 1'000'000'000));
  put<uint32_t>(out, static_cast<uint32_t>(p.timestamp_ns % 1'000'000'000));
  put<uint32_t>(out, static_cast<uint32_t>(p.data.size()));
  put<uint32_t>(out, p.original_length);
  out.append(reinterpret_cast<const char*>(p.data.data()), p.data.size());
}

std::optional<file_format> parse_file_format(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "pcapng") return file_format::pcapng;
  if (lower == "pcap") return file_format::pcap;
  return std::nullopt;
}

void append_file_header(std::string& out, file_format f, const interface_info& iface, std::string_view application) {
  if (f == file_format::pcap) {
    append_pcap_header(out, iface.snaplen, iface.linktype);
    return;
  }
  append_section_header(out, application);
  append_interface(out, iface);
}

void append_file_packet(std::string& out, file_format f, const packet_record& packet) {
  if (f == file_format::pcap) append_pcap_packet(out, packet);
  else append_packet(out, packet);
}

std::optional<std::string_view> pcapng_reader::next() {
  if (_consumed > 0) {
    _pending.erase(0, _consumed);
    _consumed = 0;
  }
  if (_pending.size() < 12) return std::nullopt;
  uint32_t type = get<uint32_t>(_pending, 0);
  uint32_t length = get<uint32_t>(_pending, 4);
  if (!_started && type != block_section_header) throw format_error("not pcapng: no section header block first");
  if (type == block_section_header) {
    if (get<uint32_t>(_pending, 8) != byte_order_magic)
      throw format_error("pcapng section in the other byte order (or corrupt): not supported");
    _started = true;
  }
  if (length < 12 || length % 4 != 0 || length > max_block)
    throw format_error("pcapng block of impossible length " + std::to_string(length));
  if (_pending.size() < length) return std::nullopt;
  if (get<uint32_t>(_pending, length - 4) != length) throw format_error("pcapng block lengths differ");
  _consumed = length;
  return std::string_view(_pending).substr(0, length);
}

uint32_t pcapng_reader::type(std::string_view block) { return block.size() >= 4 ? get<uint32_t>(block, 0) : 0; }

std::optional<packet_view> pcapng_reader::packet(std::string_view b) {
  if (type(b) != block_enhanced_packet || b.size() < 32) return std::nullopt;
  packet_view p;
  p.interface = get<uint32_t>(b, 8);
  p.timestamp = (uint64_t{get<uint32_t>(b, 12)} << 32) | get<uint32_t>(b, 16);
  uint32_t captured = get<uint32_t>(b, 20);
  p.original_length = get<uint32_t>(b, 24);
  size_t options = 28 + padded(captured);
  if (options + 4 > b.size()) throw format_error("pcapng packet block shorter than its data");
  p.data = {reinterpret_cast<const uint8_t*>(b.data()) + 28, captured};
  size_t end = b.size() - 4;
  while (options + 4 <= end) {
    uint16_t code = get<uint16_t>(b, options), size = get<uint16_t>(b, options + 2);
    if (code == opt_endofopt || options + 4 + size > end) break;
    if (code == epb_flags && size == 4) p.dir = static_cast<direction>(get<uint32_t>(b, options + 4) & 3);
    options += 4 + padded(size);
  }
  return p;
}

}  // namespace pcn::capture
