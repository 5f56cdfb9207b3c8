#pragma once
// Cancellation of pending operations. A cancel_source belongs to one shard: operations
// awaited with it register themselves while pending, and request_cancel() makes each of
// them complete early with ECANCELED. Not thread-safe by design: cross-shard cancellation
// is a message like any other cross-shard work.

namespace pcn {

class cancel_source;

// Something pending that knows how to cancel itself (an io_uring operation, a timer).
class cancellable {
 public:
  virtual void on_cancel() noexcept = 0;

 protected:
  ~cancellable() = default;

 private:
  friend class cancel_source;
  cancellable* _prev = nullptr;
  cancellable* _next = nullptr;
};

class cancel_source {
 public:
  cancel_source() = default;
  cancel_source(const cancel_source&) = delete;
  cancel_source& operator=(const cancel_source&) = delete;

  bool cancel_requested() const noexcept { return _requested; }

  // Cancels everything pending now; operations started later on this source fail at once.
  void request_cancel() noexcept {
    _requested = true;
    // on_cancel() never detaches synchronously (the waiter detaches when it resumes), so
    // the list is stable while we walk it.
    for (cancellable* c = _head; c != nullptr; c = c->_next) c->on_cancel();
  }

  void attach(cancellable& c) noexcept {
    c._prev = nullptr;
    c._next = _head;
    if (_head) _head->_prev = &c;
    _head = &c;
  }

  void detach(cancellable& c) noexcept {
    if (c._prev) c._prev->_next = c._next;
    else _head = c._next;
    if (c._next) c._next->_prev = c._prev;
    c._prev = c._next = nullptr;
  }

 private:
  cancellable* _head = nullptr;
  bool _requested = false;
};

}  // namespace pcn
