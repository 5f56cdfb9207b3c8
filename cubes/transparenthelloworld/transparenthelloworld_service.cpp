// transparenthelloworld's control plane: an action per direction.
#include "api/service.hpp"
#include "cubes/builtin.hpp"
#include "cubes/transparenthelloworld/transparenthelloworld.hpp"
#include "pcn_cube_transparenthelloworld_yang.hpp"

namespace pcn::cubes {
namespace {

class transparenthelloworld_control final : public api::managed_cube {
 public:
  explicit transparenthelloworld_control(const api::cube_setup& s) : _cube(s.datapath, s.name, s.type, s.level) {}

  dataplane::cube_base& fastpath() override { return _cube; }

  task<void> apply(const api::json::object& before, const api::json::object& after) override {
    std::exception_ptr refused = co_await failure_of(set(after));
    if (!refused) co_return;
    // A direction already changed goes back; the first refusal is the answer.
    std::exception_ptr undo_failed = co_await failure_of(set(before));
    try {
      if (undo_failed) std::rethrow_exception(undo_failed);
    } catch (const std::exception& e) {
      log::error("transparenthelloworld {}: restoring its actions: {}", _cube.name(), e.what());
    }
    std::rethrow_exception(refused);
  }

 private:
  task<void> set(const api::json::object& config) {
    using thw = transparenthelloworld;
    if (auto a = thw::parse_action(api::string_member(config, "ingress-action", "PASS")); a && *a != _cube.ingress_action())
      co_await _cube.set_ingress_action(*a);
    if (auto a = thw::parse_action(api::string_member(config, "egress-action", "PASS")); a && *a != _cube.egress_action())
      co_await _cube.set_egress_action(*a);
  }

  transparenthelloworld _cube;
};

}  // namespace

api::service_definition transparenthelloworld_service() {
  return {.name = "transparenthelloworld",
          .modules = schema::embedded::pcn_cube_transparenthelloworld(),
          .create = [](const api::cube_setup& s) { return std::make_unique<transparenthelloworld_control>(s); }};
}

}  // namespace pcn::cubes
