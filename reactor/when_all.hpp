#pragma once
// when_all: runs tasks concurrently on the current shard and resumes the awaiter when all
// have finished. Results come back in order (std::monostate for task<void>); if any task
// threw, the first exception is rethrown after all have finished.
#include <atomic>
#include <coroutine>
#include <exception>
#include <optional>
#include <tuple>
#include <variant>
#include <vector>

#include "reactor/task.hpp"

namespace pcn {
namespace detail {

template <typename T>
using result_of_task = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

struct when_all_counter {
  explicit when_all_counter(size_t n) : remaining(n + 1) {}
  size_t remaining;  // one per child plus one for the awaiter's own start-up
  std::coroutine_handle<> parent;
  std::exception_ptr first_error;

  // Returns true when this was the last one.
  bool arrive() noexcept { return --remaining == 0; }
};

// A child runner: awaits one task, stores its result, and on completion hands over to the
// parent when it is the last to finish.
struct when_all_child {
  struct promise_type {
    when_all_counter* counter = nullptr;
    when_all_child get_return_object() noexcept {
      return when_all_child{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct awaiter {
        bool await_ready() noexcept { return false; }
        void await_suspend(std::coroutine_handle<promise_type> h) noexcept {
          auto* c = h.promise().counter;
          if (c->arrive()) hand_over(c->parent);
        }
        void await_resume() noexcept {}
      };
      return awaiter{};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // run_child catches everything
  };
  std::coroutine_handle<promise_type> handle;
  when_all_child(when_all_child&& o) noexcept : handle(std::exchange(o.handle, {})) {}
  explicit when_all_child(std::coroutine_handle<promise_type> h) : handle(h) {}
  ~when_all_child() {
    if (handle) handle.destroy();
  }
};

template <typename T>
when_all_child run_child(task<T> t, std::optional<result_of_task<T>>& slot, when_all_counter& counter) {
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(t);
      slot.emplace();
    } else {
      slot.emplace(co_await std::move(t));
    }
  } catch (...) {
    if (!counter.first_error) counter.first_error = std::current_exception();
  }
}

struct when_all_awaiter {
  when_all_counter& counter;
  std::vector<when_all_child>& children;
  bool await_ready() const noexcept { return children.empty(); }
  bool await_suspend(std::coroutine_handle<> parent) noexcept {
    counter.parent = parent;
    for (auto& c : children) {
      c.handle.promise().counter = &counter;
      resume_chain(c.handle);  // runs the child until it really suspends
    }
    return !counter.arrive();  // all finished synchronously: continue without suspending
  }
  void await_resume() const noexcept {}
};

}  // namespace detail

template <typename... Ts>
task<std::tuple<detail::result_of_task<Ts>...>> when_all(task<Ts>... tasks) {
  std::tuple<std::optional<detail::result_of_task<Ts>>...> slots;
  detail::when_all_counter counter(sizeof...(Ts));
  std::vector<detail::when_all_child> children;
  children.reserve(sizeof...(Ts));
  [&]<size_t... I>(std::index_sequence<I...>) {
    (children.push_back(detail::run_child(std::move(tasks), std::get<I>(slots), counter)), ...);
  }(std::index_sequence_for<Ts...>{});
  co_await detail::when_all_awaiter{counter, children};
  if (counter.first_error) std::rethrow_exception(counter.first_error);
  co_return std::apply([](auto&... s) { return std::tuple<detail::result_of_task<Ts>...>{std::move(*s)...}; }, slots);
}

template <typename T>
task<std::vector<detail::result_of_task<T>>> when_all(std::vector<task<T>> tasks) {
  std::vector<std::optional<detail::result_of_task<T>>> slots(tasks.size());
  detail::when_all_counter counter(tasks.size());
  std::vector<detail::when_all_child> children;
  children.reserve(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) children.push_back(detail::run_child(std::move(tasks[i]), slots[i], counter));
  co_await detail::when_all_awaiter{counter, children};
  if (counter.first_error) std::rethrow_exception(counter.first_error);
  std::vector<detail::result_of_task<T>> results;
  results.reserve(slots.size());
  for (auto& s : slots) results.push_back(std::move(*s));
  co_return results;
}

}  // namespace pcn
