#pragma once
// Management requests run on the control shard, where the datastore and the datapath live;
// the HTTP connection that got the request may be on any shard. control_call() hops there,
// runs the handler, hops back, and turns what the handler threw into the REST error shape
// ({"message": ...} with 400/404/405/409/413, 500 for anything unexpected).
#include <functional>

#include "api/http.hpp"
#include "reactor/task.hpp"

namespace pcn::dataplane {
class datapath;
}

namespace pcn::api {

inline constexpr unsigned control_shard = 0;

task<response> control_call(std::function<task<response>()> handler);

// The same mapping, for handlers that run where they are.
response error_for_current_exception();

// Cubes' homes are the shards but the control shard (with one shard, there are none): each
// cube's programs are loaded on its home shard (datapath::spread_program_loads), so that
// creating different cubes proceeds in parallel while the control shard goes on.
void give_cubes_home_shards(dataplane::datapath& dp);

}  // namespace pcn::api
