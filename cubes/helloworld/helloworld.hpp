#pragma once
// helloworld: a standard cube with at most two ports and one action for every packet:
// DROP, FORWARD (to the other port) or SLOWPATH (to userspace, whose handler sends the
// packet out of the other port).
#include <array>
#include <string>

#include "dataplane/cube.hpp"

namespace pcn::cubes {

class helloworld final : public dataplane::cube {
 public:
  enum class action { drop, slowpath, forward };

  helloworld(dataplane::datapath& dp, std::string name, dataplane::cube_type type,
             log::level level = log::level::info);

  action get_action() const noexcept { return _action; }
  void set_action(action a);

  static std::string_view to_string(action a);
  static std::optional<action> parse_action(std::string_view s);

 private:
  task<void> packet_in(slowpath::packet pkt) override;
  void on_port_added(dataplane::port& p) override;
  void on_port_removed(dataplane::port& p) override;
  // `leaving`: a port being removed, still listed until it is gone.
  void write_config(const dataplane::port* leaving = nullptr);

  action _action = action::drop;
  std::array<uint16_t, 2> _ports{};  // the fast path's config.ports
};

}  // namespace pcn::cubes
