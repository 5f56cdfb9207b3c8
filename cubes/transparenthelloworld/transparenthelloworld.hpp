#pragma once
// transparenthelloworld: a transparent cube with an action per direction (PASS, DROP, or
// SLOWPATH to userspace).
#include <optional>
#include <string>

#include "dataplane/cube.hpp"

namespace pcn::cubes {

class transparenthelloworld final : public dataplane::transparent_cube {
 public:
  enum class action { pass, drop, slowpath };

  transparenthelloworld(dataplane::datapath& dp, std::string name, dataplane::cube_type type,
                        log::level level = log::level::info);

  action ingress_action() const noexcept { return _ingress; }
  action egress_action() const noexcept { return _egress; }
  // Reload the fast path (verified at the cube's home place); unchanged if that fails.
  task<void> set_ingress_action(action a);
  task<void> set_egress_action(action a);

  static std::string_view to_string(action a);
  static std::optional<action> parse_action(std::string_view s);

 private:
  task<void> apply(const char* constant, action& current, action wanted);

  action _ingress = action::pass;
  action _egress = action::pass;
};

}  // namespace pcn::cubes
