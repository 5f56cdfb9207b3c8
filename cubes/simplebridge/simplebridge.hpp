#pragma once
// simplebridge: a learning L2 switch without VLANs (cubes/l2/learning_bridge.hpp does the
// work shared with bridge).
#include <string>

#include "cubes/l2/learning_bridge.hpp"

namespace pcn::cubes {

class simplebridge final : public l2::learning_bridge {
 public:
  simplebridge(dataplane::datapath& dp, std::string name, dataplane::cube_type type, log::level level = log::level::info);
};

}  // namespace pcn::cubes
