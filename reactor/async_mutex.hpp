#pragma once
// A mutex for coroutines of one shard: lock() suspends the caller, never the thread, until
// the holder unlocks; waiters get it in arrival order. Used to serialise requests that
// change the same object while requests on other objects go on.
//
//   auto guard = co_await m.lock();   // released when `guard` goes out of scope
//
// Not thread-safe: a mutex belongs to one shard.
#include <coroutine>
#include <deque>
#include <utility>

#include "reactor/reactor.hpp"

namespace pcn {

class async_mutex {
 public:
  class guard {
   public:
    guard() = default;
    explicit guard(async_mutex* m) : _mutex(m) {}
    guard(guard&& other) noexcept : _mutex(std::exchange(other._mutex, nullptr)) {}
    guard& operator=(guard&& other) noexcept {
      if (this != &other) {
        release();
        _mutex = std::exchange(other._mutex, nullptr);
      }
      return *this;
    }
    ~guard() { release(); }

   private:
    void release() {
      if (auto* m = std::exchange(_mutex, nullptr)) m->unlock();
    }
    async_mutex* _mutex = nullptr;
  };

  class lock_awaiter {
   public:
    explicit lock_awaiter(async_mutex& m) : _mutex(m) {}
    bool await_ready() {
      if (_mutex._locked) return false;
      _mutex._locked = true;
      return true;
    }
    void await_suspend(std::coroutine_handle<> h) { _mutex._waiters.push_back(h); }
    // A waiter is resumed owning the mutex: unlock() handed it over without releasing.
    guard await_resume() { return guard(&_mutex); }

   private:
    async_mutex& _mutex;
  };

  async_mutex() = default;
  async_mutex(const async_mutex&) = delete;
  async_mutex& operator=(const async_mutex&) = delete;

  lock_awaiter lock() { return lock_awaiter(*this); }
  bool locked() const noexcept { return _locked; }
  size_t waiting() const noexcept { return _waiters.size(); }

 private:
  void unlock() {
    if (_waiters.empty()) {
      _locked = false;
      return;
    }
    // Handed over: stays locked; the next waiter runs at the reactor's next batch.
    auto next = _waiters.front();
    _waiters.pop_front();
    reactor::current().schedule(next);
  }

  bool _locked = false;
  std::deque<std::coroutine_handle<>> _waiters;
};

}  // namespace pcn
