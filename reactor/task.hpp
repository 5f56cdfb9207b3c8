#pragma once
// task<T>: a lazy coroutine that starts when awaited and resumes its awaiter when it
// finishes. Control passes between coroutines through a trampoline (resume_chain) rather
// than by nested resume() calls, so chains of nested awaits, or loops of awaits that
// complete at once, never grow the stack, whatever the optimiser or sanitiser does with
// tail calls. An exception thrown inside propagates to the awaiter.
#include <coroutine>
#include <cstddef>
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

// Coroutine frames come and go at a high rate (a few per HTTP request): each thread keeps
// the ones it freed, by size class, for its next allocations instead of going to malloc.
// A frame freed on another thread than it was allocated on simply joins that thread's
// cache. Sanitizer builds bypass the cache so that they see every frame.
class frame_cache {
 public:
  static constexpr size_t granule = 64;
  static constexpr size_t classes = 16;  // frames up to 1 KiB are cached
  static constexpr size_t kept_per_class = 256;

  static void* allocate(size_t size) {
    state& s = mine();
    size_t c = class_of(size);
    if (c < classes && s.free[c]) {
      node* n = s.free[c];
      s.free[c] = n->next;
      --s.count[c];
      return n;
    }
    return ::operator new(c < classes ? (c + 1) * granule : size);
  }

  static void deallocate(void* p, size_t size) noexcept {
    state& s = mine();
    size_t c = class_of(size);
    if (!s.closed && c < classes && s.count[c] < kept_per_class) {
      auto* n = static_cast<node*>(p);
      n->next = s.free[c];
      s.free[c] = n;
      ++s.count[c];
      return;
    }
    ::operator delete(p);
  }

 private:
  struct node {
    node* next;
  };
  // Trivially destructible, so it stays usable while other thread-local objects are being
  // destroyed; the cleanup object empties it at thread exit and closes it.
  struct state {
    node* free[classes];
    size_t count[classes];
    bool closed;
  };
  struct cleanup {
    ~cleanup() {
      state& s = raw();
      s.closed = true;
      for (node*& head : s.free)
        while (head) ::operator delete(std::exchange(head, head->next));
    }
  };
  static state& raw() {
    thread_local state s{};
    return s;
  }
  static state& mine() {
    thread_local cleanup registered;  // constructed (and so destroyed at exit) on first use
    (void)registered;
    return raw();
  }
  static size_t class_of(size_t size) { return size == 0 ? 0 : (size - 1) / granule; }
};

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool cache_frames = false;
#else
inline constexpr bool cache_frames = true;
#endif

struct task_promise_base {
  static void* operator new(size_t size) {
    if constexpr (cache_frames) return frame_cache::allocate(size);
    return ::operator new(size);
  }
  static void operator delete(void* p, size_t size) noexcept {
    if constexpr (cache_frames) frame_cache::deallocate(p, size);
    else ::operator delete(p);
  }

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

// The exception `work` ended with, or null. A catch handler may not co_await: a coroutine
// that must await something to answer a failure (undo a step) awaits this instead.
//   std::exception_ptr failure = co_await failure_of(step());
//   if (failure) { co_await undo(); std::rethrow_exception(failure); }
inline task<std::exception_ptr> failure_of(task<void> work) {
  try {
    co_await std::move(work);
  } catch (...) {
    co_return std::current_exception();
  }
  co_return nullptr;
}

template <typename T>
struct is_task : std::false_type {};
template <typename T>
struct is_task<task<T>> : std::true_type {};

}  // namespace pcn
