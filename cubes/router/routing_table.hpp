#pragma once
// The router's routes as the control plane keeps them: local addresses, connected networks
// and static routes, several per network. What the fast path holds is one route per
// network (the LPM trie has one value per prefix): installed() chooses it — a local
// address first, then the lowest path cost, then the first added — and lookup() answers
// exactly what the fast path would, for packets the slow path sends itself.
#include <cstdint>
#include <map>
#include <vector>

#include "cubes/router/ipv4.hpp"

namespace pcn::cubes {

struct route {
  enum class origin : uint8_t { local, connected, configured };

  ipv4::prefix network;      // host bits clear
  ipv4::address nexthop = 0;  // 0: the destination is on the link of `port`
  uint16_t port = 0;          // output port index (local: the port owning the address)
  uint32_t pathcost = 0;
  origin from = origin::configured;

  bool operator==(const route&) const = default;
};

class routing_table {
 public:
  void add(const route& r);
  const std::vector<route>& all() const noexcept { return _routes; }

  // The route of each network that the fast path holds.
  const std::map<ipv4::prefix, route>& installed() const noexcept { return _installed; }
  // The installed route with the longest prefix covering `a`, or null.
  const route* lookup(ipv4::address a) const;

 private:
  std::vector<route> _routes;
  std::map<ipv4::prefix, route> _installed;
};

}  // namespace pcn::cubes
