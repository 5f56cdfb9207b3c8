#pragma once
// task<T>: a lazy coroutine that starts when awaited and resumes its awaiter when it
// finishes. Control passes between coroutines through a trampoline (resume_chain) rather
// than by nested resume() calls, so chains of nested awaits, or loops of awaits that
// complete at once, never grow the stack, whatever the optimiser or sanitiser does with
// tail calls. An exception thrown inside propagates to the awaiter.
#include <coroutine>
#include <exception>
#include <new>
#include <utility>

namespace pcn {

template <typename T = void>
class task;

namespace detail {

// The coroutine to run once the current one has suspended.
inline thread_local std::coroutine_handle<> t_next_coroutine;

// Symmetric transfer without relying on tail calls: the suspending coroutine names its
// successor here and returns to the trampoline that resumed it.
inline void hand_over(std::coroutine_handle<> next) noexcept { t_next_coroutine = next; }

}  // namespace detail

// Resumes h and every coroutine it hands over to, until the chain really suspends
// (waits for I/O, a timer, another shard). Every top-level resumption goes through here.
inline void resume_chain(std::coroutine_handle<> h) {
  while (h) {
    h.resume();
    h = std::exchange(detail::t_next_coroutine, {});
  }
}

namespace detail {

struct task_promise_base {
  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <typename Promise>
    void await_suspend(std::coroutine_handle<Promise> h) noexcept {
      if (auto c = h.promise()._continuation) hand_over(c);
    }
    void await_resume() noexcept {}
  };

  std::suspend_always initial_suspend() noexcept { return {}; }
  final_awaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { _exception = std::current_exception(); }

  std::coroutine_handle<> _continuation;  // empty for a task nobody awaits
  std::exception_ptr _exception;
};

template <typename T>
struct task_promise : task_promise_base {
  task<T> get_return_object() noexcept;

  template <typename U>
  void return_value(U&& value) {
    ::new (static_cast<void*>(&_storage)) T(std::forward<U>(value));
    _has_value = true;
  }

  T take() {
    if (_exception) std::rethrow_exception(_exception);
    return std::move(*std::launder(reinterpret_cast<T*>(&_storage)));
  }

  ~task_promise() {
    if (_has_value) std::launder(reinterpret_cast<T*>(&_storage))->~T();
  }

  alignas(T) unsigned char _storage[sizeof(T)];
  bool _has_value = false;
};

template <>
struct task_promise<void> : task_promise_base {
  task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {
    if (_exception) std::rethrow_exception(_exception);
  }
};

}  // namespace detail

template <typename T>
class [[nodiscard]] task {
 public:
  using promise_type = detail::task_promise<T>;
  using value_type = T;

  task() noexcept = default;
  explicit task(std::coroutine_handle<promise_type> h) noexcept : _handle(h) {}
  task(task&& other) noexcept : _handle(std::exchange(other._handle, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      reset();
      _handle = std::exchange(other._handle, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  bool valid() const noexcept { return static_cast<bool>(_handle); }

  auto operator co_await() && noexcept {
    struct awaiter {
      std::coroutine_handle<promise_type> handle;
      bool await_ready() noexcept { return !handle; }
      void await_suspend(std::coroutine_handle<> caller) noexcept {
        handle.promise()._continuation = caller;
        detail::hand_over(handle);
      }
      T await_resume() { return handle.promise().take(); }
    };
    return awaiter{_handle};
  }

  // For the few places (scopes, sync runners) that drive a task by hand.
  std::coroutine_handle<promise_type> handle() const noexcept { return _handle; }

 private:
  void reset() noexcept {
    if (_handle) _handle.destroy();
    _handle = {};
  }

  std::coroutine_handle<promise_type> _handle;
};

namespace detail {
template <typename T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}
}  // namespace detail

template <typename T>
struct is_task : std::false_type {};
template <typename T>
struct is_task<task<T>> : std::true_type {};

}  // namespace pcn
