#pragma once
// Packet trace over REST (dataplane/trace.hpp):
//   GET /polycube/v1/trace                      {"traces": [netdev...]}: what is traced now
//   GET /polycube/v1/trace/{cube:port|netdev}   ?filter=<percent-encoded filter> streams one
//       JSON object a line for every hop of every matching packet, from then on, until the
//       client goes or the netdev leaves the topology; the trace stops with the stream.
#include "api/datastore.hpp"
#include "api/router.hpp"
#include "dataplane/trace.hpp"

namespace pcn::api {

void add_trace_routes(router& r, datastore& store, dataplane::trace_hub& hub);

}  // namespace pcn::api
