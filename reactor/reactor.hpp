#pragma once
// One reactor per shard: an io_uring, a queue of coroutines ready to run, timers, and a
// mailbox other threads post to. The loop drains completions in batches; completion
// handlers only record results and schedule their coroutine, which runs after the batch.
#include <liburing.h>

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "reactor/cancel.hpp"
#include "reactor/probe.hpp"
#include "reactor/task_scope.hpp"

namespace pcn {

using clock = std::chrono::steady_clock;

// A submitted operation; the CQE's user_data points at it. complete() must not resume
// anything: it records the result and schedules.
class completion {
 public:
  virtual void complete(int result, uint32_t flags) noexcept = 0;

 protected:
  ~completion() = default;
};

// A node of a reactor's cross-thread mailbox: "resume this coroutine on that shard".
struct mailbox_node {
  std::atomic<mailbox_node*> next{nullptr};
  std::coroutine_handle<> waiter;
};

// Lock-free multi-producer single-consumer queue of mailbox nodes (Vyukov's intrusive
// queue). Nodes live in the posting coroutine's frame, so posting never allocates.
class mailbox {
 public:
  mailbox() { _head.store(&_stub); }
  // Any thread.
  void push(mailbox_node* n) noexcept;
  // Owner thread only; nullptr when empty or while a push is half-done (its poster wakes us again).
  mailbox_node* pop() noexcept;

 private:
  std::atomic<mailbox_node*> _head;
  mailbox_node* _tail = &_stub;
  mailbox_node _stub;
};

class reactor {
 public:
  // user_data values that are not completion pointers.
  static constexpr uint64_t ignored_cqe = 0;
  static constexpr uint64_t wake_cqe = 1;     // MSG_RING from another shard
  static constexpr uint64_t eventfd_cqe = 2;  // eventfd written by a non-reactor thread

  explicit reactor(unsigned shard_id, unsigned ring_entries = 4096);
  // The ring belongs to the thread that constructs the reactor (SINGLE_ISSUER): construct
  // it on the thread that will run it.
  ~reactor();
  reactor(const reactor&) = delete;
  reactor& operator=(const reactor&) = delete;

  // The reactor of the calling thread; throws std::logic_error off a reactor thread.
  static reactor& current();
  static reactor* current_or_null() noexcept;

  unsigned shard_id() const noexcept { return _shard_id; }
  const io_uring_features& features() const noexcept { return _features; }
  int ring_fd() const noexcept { return _ring.ring_fd; }

  // Runs the loop on the calling thread until request_stop().
  void run();
  // Owner thread: the loop returns after the current batch.
  void request_stop() noexcept { _stop_requested = true; }

  void schedule(std::coroutine_handle<> h) { _ready.push_back(h); }

  // Detached work of this shard; drained by the engine at shutdown.
  task_scope& background() noexcept { return _background; }

  // An SQE with room for `count` consecutive ones (linked operations must not be split
  // across submissions). Never null: submits when the queue is full.
  io_uring_sqe* get_sqe(unsigned count = 1);

  // Timers (userspace, ordered; the loop sleeps in io_uring until the earliest one).
  struct timer {
    clock::time_point deadline;
    std::coroutine_handle<> waiter;
    bool fired = false;
    bool armed = false;
    std::multimap<clock::time_point, timer*>::iterator position;
  };
  void add_timer(timer& t);
  // Removes a pending timer and schedules its waiter with fired == false.
  void cancel_timer(timer& t);
  size_t pending_timers() const noexcept { return _timers.size(); }

  // Any thread: resume n->waiter on this reactor.
  void post(mailbox_node* n) noexcept;

 private:
  void run_ready();
  void fire_timers();
  void drain_completions();
  void drain_mailbox();
  void wait_for_completions();
  void wake_from_other_thread() noexcept;
  void arm_wake_eventfd();

  unsigned _shard_id;
  io_uring _ring{};
  io_uring_features _features;
  std::vector<std::coroutine_handle<>> _ready;
  std::vector<std::coroutine_handle<>> _running;
  std::multimap<clock::time_point, timer*> _timers;
  mailbox _mailbox;
  std::atomic<bool> _wake_pending{false};
  int _wake_eventfd = -1;
  uint64_t _eventfd_value = 0;
  bool _stop_requested = false;
  task_scope _background;
};

// Awaitable: reschedules the caller behind everything already ready.
struct yield_now {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { reactor::current().schedule(h); }
  void await_resume() const noexcept {}
};

// Awaitable: sleeps until a deadline; co_await yields true when it elapsed, false when cancelled.
class sleep_until_awaiter final : public cancellable {
 public:
  sleep_until_awaiter(clock::time_point deadline, cancel_source* cancel) : _cancel(cancel) {
    _timer.deadline = deadline;
  }
  bool await_ready() const noexcept { return _cancel && _cancel->cancel_requested(); }
  void await_suspend(std::coroutine_handle<> h) {
    _reactor = &reactor::current();
    _timer.waiter = h;
    _reactor->add_timer(_timer);
    if (_cancel) _cancel->attach(*this);
  }
  bool await_resume() noexcept {
    if (_cancel && _reactor) _cancel->detach(*this);
    return _timer.fired;
  }
  void on_cancel() noexcept override { _reactor->cancel_timer(_timer); }

 private:
  reactor::timer _timer;
  reactor* _reactor = nullptr;
  cancel_source* _cancel;
};

inline sleep_until_awaiter sleep_until(clock::time_point deadline, cancel_source* cancel = nullptr) {
  return {deadline, cancel};
}
inline sleep_until_awaiter sleep_for(clock::duration d, cancel_source* cancel = nullptr) {
  return {clock::now() + d, cancel};
}

}  // namespace pcn
