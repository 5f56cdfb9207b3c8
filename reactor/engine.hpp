#pragma once
// The engine: one reactor per shard, each on its own thread pinned to a core. Shard 0 runs
// on the thread that calls run(). Cross-shard work is a message: a coroutine moves to
// another shard with switch_to(n), or calls a function there with on_shard(n, fn).
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "reactor/reactor.hpp"
#include "reactor/task.hpp"

namespace pcn {

class engine {
 public:
  struct options {
    unsigned shards = 1;
    bool pin_threads = true;  // shard n on CPU n modulo the CPUs we may use
  };

  // Constructs shard 0 on the calling thread (which must then call run()).
  explicit engine(options opts);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // The engine of this process; throws std::logic_error when none exists.
  static engine& instance();

  unsigned size() const noexcept { return static_cast<unsigned>(_reactors.size()); }
  reactor& shard(unsigned n) { return *_reactors.at(n); }

  // Runs `main` on shard 0 with every shard's loop going; when it completes, drains every
  // shard's background tasks, stops the shards and returns main's result (or rethrows).
  template <typename T>
  T run(task<T> main) {
    std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> result;
    std::exception_ptr error;
    run_main(wrap(std::move(main), result, error));
    if (error) std::rethrow_exception(error);
    if constexpr (!std::is_void_v<T>) return std::move(*result);
  }

 private:
  template <typename T, typename Slot>
  static task<void> wrap(task<T> main, Slot& result, std::exception_ptr& error) {
    try {
      if constexpr (std::is_void_v<T>) {
        co_await std::move(main);
        result.emplace(true);
      } else {
        result.emplace(co_await std::move(main));
      }
    } catch (...) {
      error = std::current_exception();
    }
  }
  void run_main(task<void> main);
  task<void> shut_down();

  options _options;
  std::vector<std::unique_ptr<reactor>> _reactors;
  std::vector<std::thread> _threads;
  std::exception_ptr _start_error;
};

// Awaitable: continues the awaiting coroutine on shard `n` (no-op when already there).
class switch_to {
 public:
  explicit switch_to(unsigned n) : _target(n) {}
  bool await_ready() const { return reactor::current().shard_id() == _target; }
  void await_suspend(std::coroutine_handle<> h) {
    _node.waiter = h;
    engine::instance().shard(_target).post(&_node);
  }
  void await_resume() const noexcept {}

 private:
  unsigned _target;
  mailbox_node _node;
};

namespace detail {
template <typename F>
struct shard_call_result {
  using type = std::invoke_result_t<F&>;
};
template <typename F>
  requires is_task<std::invoke_result_t<F&>>::value
struct shard_call_result<F> {
  using type = typename std::invoke_result_t<F&>::value_type;
};
}  // namespace detail

// Runs fn (a plain function, or one returning a task) on shard `n` and yields its result on
// the calling shard. An exception thrown there is rethrown here.
template <typename F>
task<typename detail::shard_call_result<F>::type> on_shard(unsigned n, F fn) {
  using R = typename detail::shard_call_result<F>::type;
  unsigned home = reactor::current().shard_id();
  co_await switch_to(n);
  std::exception_ptr error;
  std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> result;
  try {
    if constexpr (is_task<std::invoke_result_t<F&>>::value) {
      if constexpr (std::is_void_v<R>) {
        co_await fn();
        result.emplace(true);
      } else {
        result.emplace(co_await fn());
      }
    } else if constexpr (std::is_void_v<R>) {
      fn();
      result.emplace(true);
    } else {
      result.emplace(fn());
    }
  } catch (...) {
    error = std::current_exception();
  }
  co_await switch_to(home);
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<R>) co_return std::move(*result);
}

}  // namespace pcn
