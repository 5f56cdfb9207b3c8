#pragma once
// Runs a test scenario (a coroutine) on a fresh engine beside a slow path, which serves
// until the scenario ends, whether it returns or throws.
#include "reactor/cancel.hpp"
#include "reactor/when_all.hpp"
#include "slowpath/slow_path.hpp"
#include "tests/support/run.hpp"

namespace pcn::testing {

namespace serve_detail {
inline task<void> then_stop(task<void> scenario, cancel_source& stop) {
  try {
    co_await std::move(scenario);
  } catch (...) {
    stop.request_cancel();
    throw;
  }
  stop.request_cancel();
}

inline task<void> serve(slowpath::slow_path& sp, task<void> scenario) {
  cancel_source stop;
  co_await when_all(sp.run(stop), then_stop(std::move(scenario), stop));
}
}  // namespace serve_detail

inline void serve_while(slowpath::slow_path& sp, task<void> scenario) { run(serve_detail::serve(sp, std::move(scenario))); }

}  // namespace pcn::testing
