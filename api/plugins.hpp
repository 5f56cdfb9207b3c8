#pragma once
// Services loaded at run time from a shared object (POST /services {"type": "lib", "uri":
// "/path/x.so"}). A plugin is built against these headers with the same compiler and
// exports one C symbol:
//
//   extern "C" const pcn::api::service_definition* pcn_service_plugin();
//
// Its framework symbols resolve in polycubed, which exports them (ENABLE_EXPORTS): a
// plugin uses the SDK the built-in services use (tests/system/plugin/ is one).
//
// The object stays loaded while its service is known; DELETE /services/<name> (refused while
// cubes of it exist) forgets the service and unloads the object.
#include <string>
#include <string_view>

#include "api/datastore.hpp"

namespace pcn::api {

inline constexpr const char* plugin_entry_symbol = "pcn_service_plugin";

// Loads the plugin and adds its service; `expected_name`, when given, must be the service's
// name. Throws schema::request_error (400 naming the path and dlopen's reason, 409 for a
// service known already).
void load_service_plugin(datastore& store, const std::string& path, const std::string& expected_name);
// Removes a service (built-in or plugin) and unloads its plugin.
void unload_service(datastore& store, std::string_view name);

}  // namespace pcn::api
