#include "daemon/boot.hpp"

#include "base/log.hpp"
#include "cli/yaml_json.hpp"
#include "daemon/embedded_topology.hpp"

namespace pcn::daemon {

namespace {

// Loads a document into the store; the error text, empty on success.
task<std::string> load_document(api::datastore& store, const api::json::value& document) {
  std::string error;
  try {
    co_await store.load(document);
  } catch (const std::exception& e) {
    error = e.what();
  }
  co_return error;
}

task<bool> boot_appliance(const options& opts, api::datastore& store) {
  api::json::value document;
  try {
    document = opts.topology_file == embedded_topology_name ? yaml_json::parse_document(embedded_default_topology)
                                                            : api::read_topology_file(opts.topology_file);
  } catch (const std::exception& e) {
    log::critical("appliance topology: {}", e.what());
    co_return false;
  }
  std::string error = co_await load_document(store, document);
  if (!error.empty()) {
    log::critical("appliance topology {}: {}", opts.topology_file, error);
    co_return false;
  }
  log::info("appliance topology {}: {} cube(s) up", opts.topology_file, store.cube_names().size());
  co_return true;
}

task<void> restore_saved(api::datastore& store, api::config_file& saved) {
  std::optional<api::json::value> document;
  try {
    document = saved.read();
  } catch (const std::exception& e) {
    saved.keep_aside(e.what());
    co_return;
  }
  if (!document) co_return;
  std::string error = co_await load_document(store, *document);
  if (!error.empty()) {
    saved.keep_aside("cannot restore it: " + error);
    co_return;
  }
  log::info("restored {} cube(s) from {}", store.cube_names().size(), saved.path());
}

}  // namespace

task<bool> boot(const options& opts, api::datastore& store, api::config_file* saved) {
  // (GCC 12 miscompiles a co_await inside an if-condition of an else-if chain: keep them
  // as plain statements.)
  bool booted = true;
  if (!opts.topology_file.empty()) booted = co_await boot_appliance(opts, store);
  else if (saved && opts.cubes_dump_clean_init) co_await saved->clear();
  else if (saved) co_await restore_saved(store, *saved);
  if (!booted) co_return false;
  store.datapath().finish_restore();
  // The saved file says what runs now (an appliance boot, or a restore that dropped nothing).
  if (saved) co_await saved->save();
  co_return true;
}

}  // namespace pcn::daemon
