#include "cubes/router/routing_table.hpp"

namespace pcn::cubes {

namespace {
// Whether `a` displaces `b` as the installed route of their network: a local address always
// does, then a lower path cost; on a tie the route added first stays.
bool better(const route& a, const route& b) {
  bool a_local = a.from == route::origin::local, b_local = b.from == route::origin::local;
  if (a_local != b_local) return a_local;
  return a.pathcost < b.pathcost;
}
}  // namespace

void routing_table::add(const route& r) {
  _routes.push_back(r);
  auto [it, inserted] = _installed.try_emplace(r.network, r);
  if (!inserted && better(r, it->second)) it->second = r;
}

const route* routing_table::lookup(ipv4::address a) const {
  for (int length = 32; length >= 0; --length) {
    auto l = static_cast<uint8_t>(length);
    auto it = _installed.find(ipv4::prefix{a & ipv4::mask_of(l), l});
    if (it != _installed.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace pcn::cubes
