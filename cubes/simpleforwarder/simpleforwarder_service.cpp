// simpleforwarder's control plane: the `actions` list, kept in step with the fast path's
// table entry by entry.
#include "api/service.hpp"
#include "cubes/builtin.hpp"
#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "pcn_cube_simpleforwarder_yang.hpp"

namespace pcn::cubes {
namespace {

class simpleforwarder_control final : public api::managed_cube {
 public:
  explicit simpleforwarder_control(const api::cube_setup& s) : _cube(s.datapath, s.name, s.type, s.level) {}

  dataplane::cube_base& fastpath() override { return _cube; }

  task<void> apply(const api::json::object& before, const api::json::object& after) override {
    try {
      sync(after);
    } catch (...) {
      sync(before);
      throw;
    }
    co_return;
  }

 private:
  // Makes the table hold exactly the entries of `config`.
  void sync(const api::json::object& config) {
    std::map<std::string, simpleforwarder::entry> wanted;
    if (const auto* actions = config.if_contains("actions"); actions && actions->is_array())
      for (const auto& a : actions->get_array()) {
        const auto& o = a.get_object();
        simpleforwarder::entry e{api::string_member(o, "inport"),
                                 simpleforwarder::parse_action(api::string_member(o, "action")).value_or(
                                     simpleforwarder::action::drop),
                                 api::string_member(o, "outport")};
        wanted.emplace(e.inport, std::move(e));
      }
    for (const auto& e : _cube.entries())
      if (!wanted.contains(e.inport)) _cube.remove_entry(e.inport);
    for (const auto& [_, e] : wanted) _cube.set_entry(e);
  }

  simpleforwarder _cube;
};

}  // namespace

api::service_definition simpleforwarder_service() {
  return {.name = "simpleforwarder",
          .modules = schema::embedded::pcn_cube_simpleforwarder(),
          .create = [](const api::cube_setup& s) { return std::make_unique<simpleforwarder_control>(s); }};
}

}  // namespace pcn::cubes
