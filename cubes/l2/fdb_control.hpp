#pragma once
// The `fdb` container of both bridge models, between the management plane and a
// learning_bridge: aging-time and configured entries applied, learned entries shown with
// their age, the flush action, and the timer that sweeps aged entries out. The two models
// name an entry differently: simplebridge by `address`; bridge by `vlan` and `mac`, with a
// `type` (static | dynamic).
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "cubes/l2/learning_bridge.hpp"
#include "cubes/l2/ticker.hpp"

namespace pcn::cubes::l2 {

namespace json = boost::json;

class fdb_control {
 public:
  enum class model { simplebridge, bridge };

  // Starts the sweeper (on the current reactor).
  fdb_control(learning_bridge& bridge, model m);

  // Makes the bridge hold what `config` (the cube's whole configuration) says. Throws
  // schema::request_error (400) for an entry whose port does not exist; what was applied
  // before the failure stays: apply `before` again to undo.
  void apply(const json::object& config);
  // Adds the learned entries, and every entry's age, to the cube's view.
  void fill_state(json::object& view) const;
  // The flush action.
  size_t flush() { return _bridge.flush(); }

 private:
  json::object entry_json(const fdb_row& row) const;

  learning_bridge& _bridge;
  model _model;
  ticker _sweeper;
};

}  // namespace pcn::cubes::l2
