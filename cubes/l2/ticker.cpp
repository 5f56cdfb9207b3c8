#include "cubes/l2/ticker.hpp"

#include "base/log.hpp"

namespace pcn::cubes::l2 {

ticker::ticker(clock::duration period, std::function<void()> tick) : _state(std::make_shared<state>()) {
  _state->period = period;
  _state->tick = std::move(tick);
  reactor::current().background().spawn(run(_state));
}

ticker::~ticker() {
  _state->tick = nullptr;
  _state->cancel.request_cancel();
}

void ticker::set_period(clock::duration period) noexcept { _state->period = period; }

task<void> ticker::run(std::shared_ptr<state> s) {
  while (!s->cancel.cancel_requested()) {
    if (!co_await sleep_for(s->period, &s->cancel)) break;
    if (!s->tick) break;
    try {
      s->tick();
    } catch (const std::exception& e) {
      log::error("timer: {}", e.what());
    }
  }
}

}  // namespace pcn::cubes::l2
