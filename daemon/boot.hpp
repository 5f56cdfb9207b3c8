#pragma once
// What the daemon runs at start, before it serves: the topology it boots with. Either the
// appliance file (--config: all or nothing; a failure stops the daemon) or the saved
// configuration (a file that cannot be restored is reported and kept aside, and the daemon
// starts empty). Then whatever a previous run left in the kernel and nobody re-adopted is
// removed.
#include "api/datastore.hpp"
#include "api/persistence.hpp"
#include "daemon/options.hpp"
#include "reactor/task.hpp"

namespace pcn::daemon {

// --config with this name boots the topology carried in the binary (daemon/appliance/).
inline constexpr std::string_view embedded_topology_name = "embedded:default";

// False when the daemon must not start (the reason is logged). `saved` may be null.
task<bool> boot(const options& opts, api::datastore& store, api::config_file* saved);

}  // namespace pcn::daemon
