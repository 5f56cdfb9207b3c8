#pragma once
// Calls a function every `period` on the current shard, from a coroutine of the shard's
// background scope, until the ticker is destroyed (then it is never called again). For
// control-plane timers: FDB aging, the spanning tree's hello.
#include <functional>
#include <memory>

#include "reactor/cancel.hpp"
#include "reactor/reactor.hpp"
#include "reactor/task.hpp"

namespace pcn::cubes::l2 {

class ticker {
 public:
  // Starts at once (the first call comes after one period). On a reactor thread.
  ticker(clock::duration period, std::function<void()> tick);
  ~ticker();
  ticker(const ticker&) = delete;
  ticker& operator=(const ticker&) = delete;

  void set_period(clock::duration period) noexcept;

 private:
  // Outlives the ticker until its coroutine has seen the cancellation.
  struct state {
    cancel_source cancel;
    clock::duration period;
    std::function<void()> tick;
  };
  static task<void> run(std::shared_ptr<state> s);

  std::shared_ptr<state> _state;
};

}  // namespace pcn::cubes::l2
