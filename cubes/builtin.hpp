#pragma once
// The services built into polycubed. The daemon adds them at start; more can be loaded as
// plugins (api/plugins.hpp).
#include <vector>

#include "api/service.hpp"

namespace pcn::cubes {

api::service_definition helloworld_service();
api::service_definition transparenthelloworld_service();
api::service_definition simpleforwarder_service();
api::service_definition packetcapture_service();
api::service_definition router_service();
api::service_definition simplebridge_service();
api::service_definition bridge_service();

std::vector<api::service_definition> builtin_services();

}  // namespace pcn::cubes
