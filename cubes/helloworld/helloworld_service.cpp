// helloworld's control plane: its one leaf, `action`, applied to the fast path.
#include "api/service.hpp"
#include "cubes/builtin.hpp"
#include "cubes/helloworld/helloworld.hpp"
#include "pcn_cube_helloworld_yang.hpp"

namespace pcn::cubes {
namespace {

class helloworld_control final : public api::managed_cube {
 public:
  explicit helloworld_control(const api::cube_setup& s) : _cube(s.datapath, s.name, s.type, s.level) {}

  dataplane::cube_base& fastpath() override { return _cube; }

  task<void> apply(const api::json::object&, const api::json::object& after) override {
    // The model allows only these names: validation has refused anything else.
    if (auto a = helloworld::parse_action(api::string_member(after, "action", "DROP")); a && *a != _cube.get_action())
      _cube.set_action(*a);
    co_return;
  }

 private:
  helloworld _cube;
};

}  // namespace

api::service_definition helloworld_service() {
  return {.name = "helloworld",
          .modules = schema::embedded::pcn_cube_helloworld(),
          .create = [](const api::cube_setup& s) { return std::make_unique<helloworld_control>(s); }};
}

}  // namespace pcn::cubes
