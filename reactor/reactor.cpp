#include "reactor/reactor.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "base/log.hpp"
#include "reactor/task.hpp"

namespace pcn {
namespace {

thread_local reactor* t_current = nullptr;

io_uring_params ring_params(unsigned flags) {
  io_uring_params p{};
  p.flags = flags;
  return p;
}

}  // namespace

void mailbox::push(mailbox_node* n) noexcept {
  n->next.store(nullptr, std::memory_order_relaxed);
  mailbox_node* prev = _head.exchange(n, std::memory_order_acq_rel);
  prev->next.store(n, std::memory_order_release);
}

mailbox_node* mailbox::pop() noexcept {
  mailbox_node* tail = _tail;
  mailbox_node* next = tail->next.load(std::memory_order_acquire);
  if (tail == &_stub) {
    if (!next) return nullptr;
    _tail = next;
    tail = next;
    next = next->next.load(std::memory_order_acquire);
  }
  if (next) {
    _tail = next;
    return tail;
  }
  if (tail != _head.load(std::memory_order_acquire)) return nullptr;  // a push is half-done
  push(&_stub);
  next = tail->next.load(std::memory_order_acquire);
  if (next) {
    _tail = next;
    return tail;
  }
  return nullptr;
}

reactor::reactor(unsigned shard_id, unsigned ring_entries)
    : _shard_id(shard_id), _background("shard " + std::to_string(shard_id)) {
  // A ring used by one thread: with DEFER_TASKRUN, whoever completes our I/O (a softirq
  // waking a socket poll) only queues the work and wakes us; we run it when we next enter
  // the kernel for completions. Waking a sleeping shard costs less that way (the slow path's
  // packet latency: bench/results). Falls back for kernels before 6.1.
  unsigned flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  io_uring_params params = ring_params(flags);
  int rc = io_uring_queue_init_params(ring_entries, &_ring, &params);
  if (rc == -EINVAL) {
    flags = 0;
    params = ring_params(flags);
    rc = io_uring_queue_init_params(ring_entries, &_ring, &params);
  }
  if (rc < 0) throw std::system_error(-rc, std::system_category(), "io_uring_queue_init (shard " + std::to_string(shard_id) + ")");
  try {
    _features = io_uring_features::probe(_ring, flags);
  } catch (...) {
    io_uring_queue_exit(&_ring);
    throw;
  }
  // Threads that are not reactors cannot use MSG_RING: they wake us through this eventfd.
  _wake_eventfd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (_wake_eventfd < 0) {
    int err = errno;
    io_uring_queue_exit(&_ring);
    throw std::system_error(err, std::system_category(), "eventfd for shard " + std::to_string(shard_id));
  }
  _ready.reserve(256);
  _running.reserve(256);
}

reactor::~reactor() {
  io_uring_queue_exit(&_ring);
  ::close(_wake_eventfd);
}

reactor& reactor::current() {
  if (!t_current) throw std::logic_error("not on a reactor thread");
  return *t_current;
}

reactor* reactor::current_or_null() noexcept { return t_current; }

io_uring_sqe* reactor::get_sqe(unsigned count) {
  if (io_uring_sq_space_left(&_ring) < count) io_uring_submit(&_ring);
  io_uring_sqe* sqe = io_uring_get_sqe(&_ring);
  while (!sqe) {
    // The kernel has not consumed the queue yet (it cannot be full after a submit
    // unless the CQ overflowed); make room by processing completions.
    io_uring_submit_and_get_events(&_ring);
    drain_completions();
    sqe = io_uring_get_sqe(&_ring);
  }
  return sqe;
}

void reactor::add_timer(timer& t) {
  t.fired = false;
  t.armed = true;
  t.position = _timers.emplace(t.deadline, &t);
}

void reactor::cancel_timer(timer& t) {
  if (!t.armed) return;
  _timers.erase(t.position);
  t.armed = false;
  schedule(t.waiter);
}

void reactor::post(mailbox_node* n) noexcept {
  _mailbox.push(n);
  if (_wake_pending.exchange(true, std::memory_order_acq_rel)) return;  // a wake-up is already on its way
  reactor* from = t_current;
  if (from && from != this && from->_features.msg_ring) {
    io_uring_sqe* sqe = from->get_sqe();
    io_uring_prep_msg_ring(sqe, _ring.ring_fd, 0, wake_cqe, 0);
    io_uring_sqe_set_data64(sqe, ignored_cqe);
    if (from->_features.cqe_skip_success) sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  } else {
    wake_from_other_thread();
  }
}

void reactor::wake_from_other_thread() noexcept {
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(_wake_eventfd, &one, sizeof one);
}

void reactor::arm_wake_eventfd() {
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_read(sqe, _wake_eventfd, &_eventfd_value, sizeof _eventfd_value, 0);
  io_uring_sqe_set_data64(sqe, eventfd_cqe);
}

void reactor::run() {
  reactor* previous = t_current;
  t_current = this;
  _stop_requested = false;
  arm_wake_eventfd();  // stays armed for the life of the loop; each completion re-arms it
  while (!_stop_requested) {
    run_ready();
    fire_timers();
    if (_stop_requested) break;
    if (_ready.empty()) wait_for_completions();
    else io_uring_submit_and_get_events(&_ring);
    drain_completions();
  }
  run_ready();
  io_uring_submit(&_ring);  // wake-ups posted to other shards in the last batch must leave
  t_current = previous;
}

void reactor::drain_completions() {
  unsigned head, seen = 0;
  io_uring_cqe* cqe;
  bool eventfd_fired = false;
  io_uring_for_each_cqe(&_ring, head, cqe) {
    ++seen;
    switch (cqe->user_data) {
      case ignored_cqe: break;
      case wake_cqe: drain_mailbox(); break;
      case eventfd_cqe: eventfd_fired = true; break;
      default: reinterpret_cast<completion*>(cqe->user_data)->complete(cqe->res, cqe->flags);
    }
  }
  io_uring_cq_advance(&_ring, seen);
  if (eventfd_fired && !_stop_requested) {
    drain_mailbox();
    arm_wake_eventfd();
  }
}

void reactor::drain_mailbox() {
  // Reset before draining: a poster that finds the flag clear sends another wake-up, so
  // nothing pushed from here on can be missed.
  _wake_pending.store(false, std::memory_order_seq_cst);
  while (mailbox_node* n = _mailbox.pop()) schedule(n->waiter);
}

void reactor::run_ready() {
  // Coroutines scheduled while this batch runs go to the next batch, so a busy shard
  // still gets back to its completions.
  _running.swap(_ready);
  for (auto h : _running) resume_chain(h);
  _running.clear();
}

void reactor::fire_timers() {
  if (_timers.empty()) return;
  auto now = clock::now();
  for (auto it = _timers.begin(); it != _timers.end() && it->first <= now;) {
    timer* t = it->second;
    it = _timers.erase(it);
    t->armed = false;
    t->fired = true;
    schedule(t->waiter);
  }
}

void reactor::wait_for_completions() {
  io_uring_cqe* cqe = nullptr;
  int rc;
  if (_timers.empty()) {
    rc = io_uring_submit_and_wait(&_ring, 1);
  } else {
    auto delay = std::chrono::duration_cast<std::chrono::nanoseconds>(_timers.begin()->first - clock::now());
    if (delay.count() <= 0) {
      io_uring_submit(&_ring);
      return;
    }
    __kernel_timespec ts{.tv_sec = delay.count() / 1'000'000'000, .tv_nsec = delay.count() % 1'000'000'000};
    rc = io_uring_submit_and_wait_timeout(&_ring, &cqe, 1, &ts, nullptr);
  }
  if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
    log::error("shard {}: io_uring wait failed: {}", _shard_id, std::system_category().message(-rc));
}

}  // namespace pcn
