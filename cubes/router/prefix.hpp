#pragma once
// An address with a prefix length, for either family: an interface address (host bits
// kept: 10.0.1.254/24) or a network (host bits clear: 10.0.1.0/24). `Family` gives the
// address type, its width and its text form (ipv4::family, ipv6::family).
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pcn::cubes {

template <typename Family>
struct basic_prefix {
  using address_type = typename Family::address;
  static constexpr uint8_t bits = Family::bits;

  address_type addr = 0;
  uint8_t length = 0;

  static constexpr address_type mask_of(uint8_t l) { return l == 0 ? 0 : ~address_type{0} << (bits - l); }
  address_type mask() const noexcept { return mask_of(length); }
  address_type network() const noexcept { return addr & mask(); }
  basic_prefix network_prefix() const noexcept { return {network(), length}; }
  bool contains(address_type a) const noexcept { return (a & mask()) == network(); }
  bool is_network() const noexcept { return addr == network(); }
  auto operator<=>(const basic_prefix&) const = default;

  // "address/length", or nothing.
  static std::optional<basic_prefix> parse(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto a = Family::parse_address(text.substr(0, slash));
    auto digits = text.substr(slash + 1);
    unsigned l = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), l);
    if (!a || digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || l > bits) return std::nullopt;
    return basic_prefix{*a, static_cast<uint8_t>(l)};
  }
  std::string text() const { return Family::to_string(addr) + "/" + std::to_string(length); }
};

template <typename Family>
std::string to_string(const basic_prefix<Family>& p) {
  return p.text();
}

}  // namespace pcn::cubes
