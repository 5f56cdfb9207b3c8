#pragma once
// simpleforwarder: a table of actions by ingress port: DROP, FORWARD to an output port, or
// SLOWPATH. Entries name ports; they take effect while both ports exist.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/cube.hpp"

namespace pcn::cubes {

class simpleforwarder final : public dataplane::cube {
 public:
  enum class action { drop, slowpath, forward };
  struct entry {
    std::string inport;
    action what = action::drop;
    std::string outport;  // FORWARD only
  };

  simpleforwarder(dataplane::datapath& dp, std::string name, dataplane::cube_type type,
                  log::level level = log::level::info);

  // Adds or replaces the entry of e.inport. Throws topology_error for an unknown port or a
  // FORWARD without an output port.
  void set_entry(const entry& e);
  void remove_entry(const std::string& inport);
  std::vector<entry> entries() const;

  static std::string_view to_string(action a);
  static std::optional<action> parse_action(std::string_view s);

 private:
  void on_port_added(dataplane::port& p) override;
  void on_port_removed(dataplane::port& p) override;
  void write(const entry& e, const dataplane::port* leaving = nullptr);

  std::map<std::string, entry> _entries;  // by inport
};

}  // namespace pcn::cubes
