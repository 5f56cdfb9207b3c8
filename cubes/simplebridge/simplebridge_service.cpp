// simplebridge's control plane: the `fdb` container (aging-time, configured entries,
// learned ones in GET, flush).
#include "api/service.hpp"
#include "cubes/builtin.hpp"
#include "cubes/l2/fdb_control.hpp"
#include "cubes/simplebridge/simplebridge.hpp"
#include "pcn_cube_simplebridge_yang.hpp"

namespace pcn::cubes {
namespace {

class simplebridge_control final : public api::managed_cube {
 public:
  explicit simplebridge_control(const api::cube_setup& s)
      : _cube(s.datapath, s.name, s.type, s.level), _fdb(_cube, l2::fdb_control::model::simplebridge) {}

  dataplane::cube_base& fastpath() override { return _cube; }

  task<void> apply(const api::json::object& before, const api::json::object& after) override {
    try {
      _fdb.apply(after);
    } catch (...) {
      _fdb.apply(before);
      throw;
    }
    co_return;
  }

  void read_state(api::json::object& view) const override { _fdb.fill_state(view); }

  task<api::json::value> run_action(const schema::resolved_path& action, const api::json::value& input) override {
    if (action.target->schema_path() != "fdb/flush") co_return co_await managed_cube::run_action(action, input);
    _fdb.flush();
    co_return api::json::object{{"flushed", true}};
  }

 private:
  simplebridge _cube;
  l2::fdb_control _fdb;
};

}  // namespace

api::service_definition simplebridge_service() {
  return {.name = "simplebridge",
          .modules = schema::embedded::pcn_cube_simplebridge(),
          .create = [](const api::cube_setup& s) { return std::make_unique<simplebridge_control>(s); }};
}

}  // namespace pcn::cubes
