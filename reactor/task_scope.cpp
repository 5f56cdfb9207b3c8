#include "reactor/task_scope.hpp"

#include <cstdlib>
#include <exception>

#include "base/log.hpp"
#include "reactor/reactor.hpp"

namespace pcn {

// A coroutine that nobody awaits: it destroys itself when done.
struct task_scope::detached {
  struct promise_type {
    detached get_return_object() noexcept { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // run() catches everything
  };
  std::coroutine_handle<promise_type> handle;
};

task_scope::~task_scope() {
  if (_active != 0) {
    log::critical("task scope '{}' destroyed with {} task(s) still running", _name, _active);
    std::abort();
  }
}

task_scope::detached task_scope::run(task_scope* scope, task<void> t) {
  try {
    co_await std::move(t);
  } catch (const std::exception& e) {
    ++scope->_failures;
    log::error("{}: detached task failed: {}", scope->_name, e.what());
  } catch (...) {
    ++scope->_failures;
    log::error("{}: detached task failed with a non-standard exception", scope->_name);
  }
  scope->finished();
}

void task_scope::spawn(task<void> t) {
  ++_active;
  reactor::current().schedule(run(this, std::move(t)).handle);
}

void task_scope::finished() noexcept {
  if (--_active == 0 && _joiner) reactor::current().schedule(std::exchange(_joiner, {}));
}

task<void> task_scope::join() {
  struct awaiter {
    task_scope& scope;
    bool await_ready() const noexcept { return scope._active == 0; }
    void await_suspend(std::coroutine_handle<> h) noexcept { scope._joiner = h; }
    void await_resume() const noexcept {}
  };
  co_await awaiter{*this};
}

}  // namespace pcn
