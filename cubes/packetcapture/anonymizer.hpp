#pragma once
// Anonymizes the copy of a packet in place: every IPv4 and IPv6 address (IPv4, IPv6 and
// ARP headers; an ICMP error's quoted header is left as it is) is replaced by a keyed hash
// of itself (SipHash-2-4), so that one address always becomes the same other address
// within a capture and flows stay recognisable, while the key (random per cube) never
// leaves the daemon. The IPv4 header checksum and the TCP, UDP and ICMPv6 checksums (their
// pseudo-header holds the addresses) are updated incrementally (RFC 1624) when the copy
// holds them; anything beyond the snapshot length is not there to fix.
#include <array>
#include <cstdint>
#include <span>

namespace pcn::cubes::pcap {

class anonymizer {
 public:
  using key_type = std::array<uint8_t, 16>;
  // A random key.
  anonymizer();
  explicit anonymizer(const key_type& key) : _key(key) {}

  // `frame` is an Ethernet frame, possibly cut short; what it does not hold is left alone.
  void apply(std::span<uint8_t> frame) const;

  // SipHash-2-4 of `data` with the key.
  uint64_t hash(std::span<const uint8_t> data) const;

 private:
  key_type _key;
};

}  // namespace pcn::cubes::pcap
