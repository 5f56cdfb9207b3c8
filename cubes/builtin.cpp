#include "cubes/builtin.hpp"

namespace pcn::cubes {

std::vector<api::service_definition> builtin_services() {
  return {helloworld_service(), transparenthelloworld_service(), simpleforwarder_service(),
          packetcapture_service(),
          simplebridge_service(), bridge_service(),
          router_service()};
}

}  // namespace pcn::cubes
