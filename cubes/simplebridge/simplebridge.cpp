#include "cubes/simplebridge/simplebridge.hpp"

#include "simplebridge_tc.skel.h"
#include "simplebridge_xdp.skel.h"

namespace pcn::cubes {

simplebridge::simplebridge(dataplane::datapath& dp, std::string name, dataplane::cube_type type, log::level level)
    : learning_bridge(dp, {.name = std::move(name),
                           .service = "simplebridge",
                           .type = type,
                           .code = dataplane::fastpath_code::embedded<simplebridge_xdp, simplebridge_tc>(),
                           .log_level = level,
                           .constants = {}}) {}

}  // namespace pcn::cubes
