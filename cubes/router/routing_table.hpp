#pragma once
// The router's routes as the control plane keeps them, one table per address family:
// local addresses, connected networks and static routes, several per network. What the
// fast path holds is one route per network (an LPM trie has one value per prefix):
// installed() chooses it — a local address first, then the lowest path cost, then the
// first added — and lookup() answers exactly what the fast path would, for packets the
// slow path sends itself.
#include <cstdint>
#include <map>
#include <vector>

#include "cubes/router/ipv4.hpp"
#include "cubes/router/ipv6.hpp"

namespace pcn::cubes {

enum class route_origin : uint8_t { local, connected, configured };

template <typename Prefix>
struct basic_route {
  using address = typename Prefix::address_type;

  Prefix network;         // host bits clear
  address nexthop = 0;    // 0: the destination is on the link of `port`
  uint16_t port = 0;      // output port index (local: the port owning the address)
  uint32_t pathcost = 0;
  route_origin from = route_origin::configured;

  bool operator==(const basic_route&) const = default;
};

template <typename Prefix>
class basic_routing_table {
 public:
  using route = basic_route<Prefix>;

  void add(const route& r) {
    _routes.push_back(r);
    auto [it, inserted] = _installed.try_emplace(r.network, r);
    if (!inserted && better(r, it->second)) it->second = r;
  }
  const std::vector<route>& all() const noexcept { return _routes; }

  // The route of each network that the fast path holds.
  const std::map<Prefix, route>& installed() const noexcept { return _installed; }

  // The installed route with the longest prefix covering `a`, or null.
  const route* lookup(typename Prefix::address_type a) const {
    for (int length = Prefix::bits; length >= 0; --length) {
      auto l = static_cast<uint8_t>(length);
      auto it = _installed.find(Prefix{a & Prefix::mask_of(l), l});
      if (it != _installed.end()) return &it->second;
    }
    return nullptr;
  }

 private:
  // Whether `a` displaces `b` as the installed route of their network: a local address
  // always does, then a lower path cost; on a tie the route added first stays.
  static bool better(const route& a, const route& b) {
    bool a_local = a.from == route_origin::local, b_local = b.from == route_origin::local;
    if (a_local != b_local) return a_local;
    return a.pathcost < b.pathcost;
  }

  std::vector<route> _routes;
  std::map<Prefix, route> _installed;
};

using route = basic_route<ipv4::prefix>;
using routing_table = basic_routing_table<ipv4::prefix>;
using route6 = basic_route<ipv6::prefix>;
using routing_table6 = basic_routing_table<ipv6::prefix>;

}  // namespace pcn::cubes
