#include "api/control_call.hpp"

#include "api/schema/error.hpp"
#include "base/log.hpp"
#include "dataplane/datapath.hpp"
#include "dataplane/types.hpp"
#include "reactor/engine.hpp"

namespace pcn::api {

response error_for_current_exception() {
  try {
    throw;
  } catch (const schema::request_error& e) {
    return error_response(static_cast<http::status>(e.status()), e.what());
  } catch (const dataplane::topology_error& e) {
    auto status = e.what_kind() == dataplane::topology_error::kind::not_found ? http::status::not_found
                  : e.what_kind() == dataplane::topology_error::kind::conflict ? http::status::conflict
                                                                               : http::status::bad_request;
    return error_response(status, e.what());
  } catch (const schema::model_error& e) {
    return error_response(http::status::bad_request, e.what());
  } catch (const std::exception& e) {
    log::error("management request failed: {}", e.what());
    return error_response(http::status::internal_server_error, e.what());
  }
}

task<response> control_call(std::function<task<response>()> handler) {
  response out;
  try {
    out = co_await on_shard(control_shard, std::move(handler));
  } catch (...) {
    out = error_for_current_exception();
  }
  co_return out;
}

namespace {

// The functions handed to on_shard are named variables, moved: GCC 12 destroys a lambda
// temporary in a co_await expression twice.
task<void> load_on_home_shard(unsigned place, std::span<dataplane::bpf_object_file> objects) {
  auto load = [objects] { dataplane::load_each(objects); };
  static_assert(control_shard == 0, "homes are the shards after the control shard");
  co_await on_shard(1 + place, std::move(load));
}

}  // namespace

void give_cubes_home_shards(dataplane::datapath& dp) {
  unsigned shards = engine::instance().size();
  if (shards > 1) dp.spread_program_loads(shards - 1, load_on_home_shard);
}

}  // namespace pcn::api
