#include "cubes/packetcapture/anonymizer.hpp"

#include <netinet/in.h>

#include <cstring>
#include <random>
#include <vector>

namespace pcn::cubes::pcap {
namespace {

constexpr uint16_t ethertype_ipv4 = 0x0800;
constexpr uint16_t ethertype_ipv6 = 0x86dd;
constexpr uint16_t ethertype_arp = 0x0806;
constexpr uint16_t ethertype_vlan = 0x8100;
constexpr uint16_t ethertype_qinq = 0x88a8;

uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

uint64_t le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
void put_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// RFC 1624: the checksum at `check` after the bytes `before` became `after` (even lengths).
void checksum_replace(uint8_t* check, std::span<const uint8_t> before, std::span<const uint8_t> after, bool udp) {
  uint16_t original = be16(check);
  if (udp && original == 0) return;  // UDP over IPv4 without a checksum
  uint32_t sum = static_cast<uint16_t>(~original);
  for (size_t i = 0; i + 1 < before.size(); i += 2) {
    sum += static_cast<uint16_t>(~be16(&before[i]));
    sum += be16(&after[i]);
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint16_t result = static_cast<uint16_t>(~sum);
  if (udp && result == 0) result = 0xffff;
  put_be16(check, result);
}

}  // namespace

anonymizer::anonymizer() {
  std::random_device random;
  for (auto& b : _key) b = static_cast<uint8_t>(random());
}

uint64_t anonymizer::hash(std::span<const uint8_t> data) const {
  uint64_t k0 = le64(_key.data()), k1 = le64(_key.data() + 8);
  uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
  uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
  auto round = [&] {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  };
  size_t full = data.size() / 8 * 8;
  for (size_t i = 0; i < full; i += 8) {
    uint64_t m = le64(&data[i]);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  uint64_t last = static_cast<uint64_t>(data.size()) << 56;
  for (size_t i = full; i < data.size(); ++i) last |= static_cast<uint64_t>(data[i]) << (8 * (i - full));
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

void anonymizer::apply(std::span<uint8_t> frame) const {
  // Replaces the address at `at` (size bytes) by its hash; the bytes before and after, for
  // the checksums.
  auto replace = [&](size_t at, size_t size, std::vector<uint8_t>& before, std::vector<uint8_t>& after) {
    if (at + size > frame.size()) return false;
    uint8_t* address = &frame[at];
    before.insert(before.end(), address, address + size);
    uint8_t digest[16];
    uint64_t h0 = hash({address, size});
    uint8_t salted[17];
    std::memcpy(salted, address, size);
    salted[size] = 1;
    uint64_t h1 = hash({salted, size + 1});
    std::memcpy(digest, &h0, 8);
    std::memcpy(digest + 8, &h1, 8);
    std::memcpy(address, digest, size);
    after.insert(after.end(), address, address + size);
    return true;
  };

  if (frame.size() < 14) return;
  size_t l3 = 14;
  uint16_t type = be16(&frame[12]);
  if ((type == ethertype_vlan || type == ethertype_qinq) && frame.size() >= 18) {
    type = be16(&frame[16]);
    l3 = 18;
  }
  std::vector<uint8_t> before, after;
  if (type == ethertype_arp) {
    // Ethernet/IPv4 ARP: sender address at 14, target at 24.
    if (frame.size() >= l3 + 8 && be16(&frame[l3]) == 1 && be16(&frame[l3 + 2]) == ethertype_ipv4 && frame[l3 + 4] == 6 &&
        frame[l3 + 5] == 4) {
      replace(l3 + 14, 4, before, after);
      replace(l3 + 24, 4, before, after);
    }
    return;
  }
  size_t l4 = 0;
  uint8_t protocol = 0;
  bool first_fragment = true;
  if (type == ethertype_ipv4) {
    if (frame.size() < l3 + 20 || (frame[l3] >> 4) != 4) return;
    size_t ihl = (frame[l3] & 0x0f) * 4u;
    std::vector<uint8_t> header_before, header_after;
    bool source = replace(l3 + 12, 4, header_before, header_after);
    bool destination = source && replace(l3 + 16, 4, header_before, header_after);
    if (!destination) return;  // cut inside the addresses: no checksum to fix anyway
    checksum_replace(&frame[l3 + 10], header_before, header_after, false);
    before = header_before;
    after = header_after;
    protocol = frame[l3 + 9];
    first_fragment = (be16(&frame[l3 + 6]) & 0x1fff) == 0;
    l4 = l3 + ihl;
  } else if (type == ethertype_ipv6) {
    if (frame.size() < l3 + 40 || (frame[l3] >> 4) != 6) return;
    if (!replace(l3 + 8, 16, before, after) || !replace(l3 + 24, 16, before, after)) return;
    protocol = frame[l3 + 6];  // only when no extension header comes first
    l4 = l3 + 40;
  } else {
    return;
  }
  if (!first_fragment) return;
  size_t check = 0;
  bool udp = false;
  if (protocol == IPPROTO_TCP) {
    check = l4 + 16;
  } else if (protocol == IPPROTO_UDP) {
    check = l4 + 6;
    udp = type == ethertype_ipv4;  // an IPv6 UDP checksum is never 0
  } else if (protocol == IPPROTO_ICMPV6 && type == ethertype_ipv6) {
    check = l4 + 2;
  } else {
    return;
  }
  if (check + 2 <= frame.size()) checksum_replace(&frame[check], before, after, udp);
}

}  // namespace pcn::cubes::pcap
