#pragma once
// Vocabulary of the data plane shared by the framework, the SDK and the daemon.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.hpp"
#include "dataplane/object.hpp"

namespace pcn::dataplane {

// The hook a cube's fast path runs in; chosen at creation.
enum class cube_type { tc, xdp_skb, xdp_drv };
// Which panel a cube lives in: XDP_SKB and XDP_DRV cubes are both XDP programs.
enum class hook_family { xdp, tc };

constexpr hook_family family_of(cube_type t) { return t == cube_type::tc ? hook_family::tc : hook_family::xdp; }
std::string_view to_string(cube_type t);                // "TC", "XDP_SKB", "XDP_DRV"
std::optional<cube_type> parse_cube_type(std::string_view s);
std::string_view to_string(hook_family f);              // "TC", "XDP"

// A service's fast path, compiled for both hook families (see pcn_fastpath() in CMake).
struct fastpath_code {
  elf_image xdp;
  elf_image tc;

  template <typename XdpSkeleton, typename TcSkeleton>
  static fastpath_code embedded() {
    return {embedded_object<XdpSkeleton>(), embedded_object<TcSkeleton>()};
  }
};

struct port_counters {
  uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
};

enum class port_status { up, down };

// Which way a packet crosses a port or a transparent cube (PCN_INGRESS / PCN_EGRESS).
enum class direction : uint8_t { ingress = 0, egress = 1 };

// Where a transparent cube goes in a chain.
struct chain_position {
  enum class kind { last, first, before, after } where = kind::last;
  std::string other;  // the cube for before/after

  static std::optional<chain_position> parse(std::string_view position, std::string_view other_before,
                                             std::string_view other_after);
};

// Thrown for requests that name something wrong (unknown cube, port in use...); the
// message says what was attempted and why. The kind maps onto HTTP 400/404/409.
class topology_error : public std::runtime_error {
 public:
  enum class kind { invalid, not_found, conflict };
  topology_error(kind k, const std::string& message) : std::runtime_error(message), _kind(k) {}
  kind what_kind() const noexcept { return _kind; }

 private:
  kind _kind;
};

}  // namespace pcn::dataplane
