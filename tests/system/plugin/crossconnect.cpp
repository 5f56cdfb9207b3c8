// crossconnect: a service loaded at run time (POST /services). It is built as a module
// against polycubed's headers and resolves the framework's symbols in the daemon itself.
#include "api/plugins.hpp"
#include "api/service.hpp"
#include "crossconnect_tc.skel.h"
#include "crossconnect_xdp.skel.h"
#include "pcn_test_plugin_yang.hpp"

namespace {

using namespace pcn;

class crossconnect final : public dataplane::cube {
 public:
  explicit crossconnect(const api::cube_setup& s)
      : cube(s.datapath, {.name = s.name,
                          .service = "crossconnect",
                          .type = s.type,
                          .code = dataplane::fastpath_code::embedded<crossconnect_xdp, crossconnect_tc>(),
                          .log_level = s.level,
                          .constants = {}}) {}
};

class crossconnect_control final : public api::managed_cube {
 public:
  explicit crossconnect_control(const api::cube_setup& s) : _cube(s) {}
  dataplane::cube_base& fastpath() override { return _cube; }
  task<void> apply(const api::json::object&, const api::json::object&) override { co_return; }

 private:
  crossconnect _cube;
};

const api::service_definition definition{
    .name = "crossconnect",
    .modules = schema::embedded::pcn_test_plugin(),
    .create = [](const api::cube_setup& s) { return std::make_unique<crossconnect_control>(s); }};

}  // namespace

extern "C" const pcn::api::service_definition* pcn_service_plugin() { return &definition; }
