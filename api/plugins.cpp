#include "api/plugins.hpp"

#include <dlfcn.h>

#include <map>

#include "api/management_routes.hpp"
#include "api/schema/error.hpp"

namespace pcn::api {

using schema::request_error;

namespace {

struct dl_closer {
  void operator()(void* handle) const { ::dlclose(handle); }
};
using dl_handle = std::unique_ptr<void, dl_closer>;

// Loaded plugins by service name; touched only on the control shard.
std::map<std::string, dl_handle, std::less<>>& loaded() {
  static std::map<std::string, dl_handle, std::less<>> plugins;
  return plugins;
}

}  // namespace

void load_service_plugin(datastore& store, const std::string& path, const std::string& expected_name) {
  if (!path.starts_with("/")) throw request_error(400, "uri", "'" + path + "': give the plugin's absolute path");
  dl_handle handle(::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!handle) throw request_error(400, "uri", "cannot load " + path + ": " + ::dlerror());
  using entry_fn = const service_definition* (*)();
  auto entry = reinterpret_cast<entry_fn>(::dlsym(handle.get(), plugin_entry_symbol));
  if (!entry) throw request_error(400, "uri", path + " is not a polycube service plugin (no " + plugin_entry_symbol + ")");
  const service_definition* definition = entry();
  if (!definition) throw request_error(400, "uri", path + ": " + plugin_entry_symbol + " gave no service");
  if (!expected_name.empty() && definition->name != expected_name)
    throw request_error(400, "name", "the plugin's service is " + definition->name + ", not " + expected_name);
  if (is_framework_resource(definition->name))
    throw request_error(400, "name", "a service cannot be called " + definition->name + ": the framework has a resource of that name");
  if (store.find_service(definition->name)) throw request_error(409, "name", "service " + definition->name + " exists already");
  try {
    store.add_service(*definition, path);
  } catch (const schema::model_error& e) {
    throw request_error(400, "uri", path + ": " + e.what());
  }
  loaded()[definition->name] = std::move(handle);
}

void unload_service(datastore& store, std::string_view name) {
  store.remove_service(name);
  if (auto it = loaded().find(name); it != loaded().end()) loaded().erase(it);
}

}  // namespace pcn::api
