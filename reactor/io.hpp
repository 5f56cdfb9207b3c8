#pragma once
// Awaitable io_uring operations. Each co_await submits one SQE (plus a linked timeout when
// asked) and yields an io_result: the byte count or fd, or the errno with the operation's
// name. Pending operations can be cancelled through a cancel_source.
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <span>
#include <system_error>
#include <deque>
#include <vector>

#include "reactor/reactor.hpp"
#include "reactor/task.hpp"

namespace pcn {

struct io_result {
  int result;
  const char* operation;

  bool ok() const noexcept { return result >= 0; }
  explicit operator bool() const noexcept { return ok(); }
  // The errno when the operation failed (ETIMEDOUT for an expired timeout), 0 otherwise.
  int error() const noexcept { return result < 0 ? -result : 0; }
  // The result, or std::system_error naming the operation.
  unsigned value() const {
    if (result < 0) throw std::system_error(-result, std::system_category(), operation);
    return static_cast<unsigned>(result);
  }
};

struct io_options {
  // Fail with ETIMEDOUT when the operation has not completed after this long (0: never).
  std::chrono::nanoseconds timeout{0};
  cancel_source* cancel = nullptr;
};

// The awaiter behind every single-shot operation; Prep fills the SQE.
template <typename Prep>
class io_operation final : public completion, public cancellable {
 public:
  io_operation(const char* name, Prep prep, io_options options)
      : _name(name), _prep(prep), _options(options) {}

  bool await_ready() noexcept {
    if (_options.cancel && _options.cancel->cancel_requested()) {
      _result = -ECANCELED;
      return true;
    }
    return false;
  }

  void await_suspend(std::coroutine_handle<> h) {
    _waiter = h;
    _reactor = &reactor::current();
    bool timed = _options.timeout.count() > 0;
    io_uring_sqe* sqe = _reactor->get_sqe(timed ? 2 : 1);
    _prep(sqe);
    io_uring_sqe_set_data(sqe, static_cast<completion*>(this));
    if (timed) {
      sqe->flags |= IOSQE_IO_LINK;
      auto ns = _options.timeout.count();
      _timeout = {.tv_sec = ns / 1'000'000'000, .tv_nsec = ns % 1'000'000'000};
      io_uring_sqe* t = _reactor->get_sqe();  // room was reserved above: never splits the link
      io_uring_prep_link_timeout(t, &_timeout, 0);
      io_uring_sqe_set_data64(t, reactor::ignored_cqe);
    }
    if (_options.cancel) _options.cancel->attach(*this);
  }

  io_result await_resume() noexcept {
    if (_reactor && _options.cancel) _options.cancel->detach(*this);
    // A linked timeout cancels the operation: tell that apart from an explicit cancel.
    if (_result == -ECANCELED && _options.timeout.count() > 0 && !_cancelled) _result = -ETIMEDOUT;
    return {_result, _name};
  }

  void complete(int result, uint32_t) noexcept override {
    _result = result;
    _reactor->schedule(_waiter);
  }

  void on_cancel() noexcept override {
    _cancelled = true;
    io_uring_sqe* sqe = _reactor->get_sqe();
    io_uring_prep_cancel(sqe, static_cast<completion*>(this), 0);
    io_uring_sqe_set_data64(sqe, reactor::ignored_cqe);
  }

 private:
  const char* _name;
  Prep _prep;
  io_options _options;
  std::coroutine_handle<> _waiter;
  reactor* _reactor = nullptr;
  __kernel_timespec _timeout{};
  int _result = 0;
  bool _cancelled = false;
};

template <typename Prep>
io_operation<Prep> make_io(const char* name, Prep prep, io_options options) {
  return {name, prep, options};
}

namespace io {

inline auto recv(int fd, std::span<std::byte> buffer, io_options options = {}, int flags = 0) {
  return make_io("recv", [=](io_uring_sqe* s) { io_uring_prep_recv(s, fd, buffer.data(), buffer.size(), flags); },
                 options);
}

inline auto send(int fd, std::span<const std::byte> buffer, io_options options = {}, int flags = MSG_NOSIGNAL) {
  return make_io("send", [=](io_uring_sqe* s) { io_uring_prep_send(s, fd, buffer.data(), buffer.size(), flags); },
                 options);
}

inline auto read(int fd, std::span<std::byte> buffer, uint64_t offset = -1, io_options options = {}) {
  return make_io("read", [=](io_uring_sqe* s) { io_uring_prep_read(s, fd, buffer.data(), buffer.size(), offset); },
                 options);
}

inline auto write(int fd, std::span<const std::byte> buffer, uint64_t offset = -1, io_options options = {}) {
  return make_io("write",
                 [=](io_uring_sqe* s) { io_uring_prep_write(s, fd, buffer.data(), buffer.size(), offset); }, options);
}

// Flushes a file's data and metadata to its device (fsync(2)).
inline auto fsync(int fd, io_options options = {}) {
  return make_io("fsync", [=](io_uring_sqe* s) { io_uring_prep_fsync(s, fd, 0); }, options);
}

// Flushes a file's data, and of its metadata only what reading it back needs (its size):
// fdatasync(2), what an append to a journal needs.
inline auto fdatasync(int fd, io_options options = {}) {
  return make_io("fdatasync", [=](io_uring_sqe* s) { io_uring_prep_fsync(s, fd, IORING_FSYNC_DATASYNC); }, options);
}

// Removes a file (unlink(2)) off the reactor's thread, for the same reason as rename. The
// path must stay valid until it completes.
inline auto unlink(const char* path, io_options options = {}) {
  return make_io("unlink", [=](io_uring_sqe* s) { io_uring_prep_unlinkat(s, AT_FDCWD, path, 0); }, options);
}

// Renames a file (rename(2)) off the reactor's thread: replacing a file frees the old
// one's blocks, which some file systems discard synchronously. Both paths must stay valid
// until it completes (keep them in the caller's frame).
inline auto rename(const char* from, const char* to, io_options options = {}) {
  return make_io("rename", [=](io_uring_sqe* s) { io_uring_prep_renameat(s, AT_FDCWD, from, AT_FDCWD, to, 0); }, options);
}

// The address must stay valid until the connect completes (keep it in the caller's frame).
inline auto connect(int fd, const sockaddr* address, socklen_t length, io_options options = {}) {
  return make_io("connect", [=](io_uring_sqe* s) { io_uring_prep_connect(s, fd, address, length); }, options);
}

// Waits until fd has one of `events` (POLLIN...); yields the revents mask.
inline auto poll(int fd, short events, io_options options = {}) {
  return make_io("poll", [=](io_uring_sqe* s) { io_uring_prep_poll_add(s, fd, static_cast<unsigned>(events)); },
                 options);
}

// Writes all of `buffer` (send may be partial); the error of the first failing send, if any.
task<io_result> send_all(int fd, std::span<const std::byte> buffer, io_options options = {});

}  // namespace io

// Accepts connections on a listening socket with one multishot accept (or re-armed single
// accepts on kernels without it). Accepted sockets queue up until taken with next().
class acceptor final : public completion {
 public:
  explicit acceptor(int listen_fd) : _listen_fd(listen_fd) {}
  acceptor(const acceptor&) = delete;
  acceptor& operator=(const acceptor&) = delete;
  ~acceptor();

  // Yields an accepted fd (SOCK_CLOEXEC), or ECANCELED once stop() was called.
  auto next() {
    struct awaiter {
      acceptor& self;
      bool await_ready() const noexcept { return !self._ready.empty() || self._stopping; }
      void await_suspend(std::coroutine_handle<> h) {
        self._waiter = h;
        self.arm();
      }
      io_result await_resume() { return self.take(); }
    };
    return awaiter{*this};
  }

  // Stops accepting; waits until the kernel has let go of the accept, closes what was
  // queued. Any number of callers may wait for the same stop.
  task<void> stop();

  void complete(int result, uint32_t flags) noexcept override;

 private:
  void arm();
  io_result take();

  int _listen_fd;
  reactor* _reactor = nullptr;
  bool _armed = false;
  bool _stopping = false;
  int _last_error = 0;
  std::deque<int> _ready;
  std::coroutine_handle<> _waiter;
  std::vector<std::coroutine_handle<>> _stop_waiters;
};

// Waits for SIGINT/SIGTERM (or the given set) through a signalfd read on the ring. The
// signals are blocked in the calling thread; block them before starting other threads.
class signal_waiter {
 public:
  explicit signal_waiter(std::initializer_list<int> signals);
  ~signal_waiter();
  signal_waiter(const signal_waiter&) = delete;
  signal_waiter& operator=(const signal_waiter&) = delete;
  // Yields the signal number, or 0 when cancelled.
  task<int> next(cancel_source* cancel = nullptr);

 private:
  int _fd = -1;
};

}  // namespace pcn
