#include "reactor/io.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/log.hpp"

namespace pcn {

namespace io {

task<io_result> send_all(int fd, std::span<const std::byte> buffer, io_options options) {
  size_t sent = 0;
  while (sent < buffer.size()) {
    io_result r = co_await io::send(fd, buffer.subspan(sent), options);
    if (!r) co_return r;
    if (r.result == 0) co_return io_result{-EPIPE, "send"};
    sent += static_cast<size_t>(r.result);
  }
  co_return io_result{static_cast<int>(sent), "send"};
}

}  // namespace io

acceptor::~acceptor() {
  for (int fd : _ready) ::close(fd);
}

void acceptor::arm() {
  if (_armed || _stopping) return;
  _reactor = &reactor::current();
  io_uring_sqe* sqe = _reactor->get_sqe();
  if (_reactor->features().multishot_accept) io_uring_prep_multishot_accept(sqe, _listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  else io_uring_prep_accept(sqe, _listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data(sqe, static_cast<completion*>(this));
  _armed = true;
}

void acceptor::complete(int result, uint32_t flags) noexcept {
  if (!(flags & IORING_CQE_F_MORE)) _armed = false;
  if (result >= 0) {
    if (_stopping) ::close(result);
    else _ready.push_back(result);
  } else if (result != -ECANCELED) {
    // EMFILE, ENFILE, ECONNABORTED...: reported to the next taker, the listener stays up.
    _last_error = -result;
  }
  if (!_armed) {
    if (_stopping) {
      for (auto h : _stop_waiters) _reactor->schedule(h);
      _stop_waiters.clear();
    } else if (_waiter && _ready.empty() && _last_error == 0) {
      arm();  // single-shot accept (or a multishot the kernel ended): keep accepting
    }
  }
  if (_waiter && (!_ready.empty() || _last_error || _stopping)) _reactor->schedule(std::exchange(_waiter, {}));
}

io_result acceptor::take() {
  if (!_ready.empty()) {
    int fd = _ready.front();
    _ready.pop_front();
    return {fd, "accept"};
  }
  if (_last_error) return {-std::exchange(_last_error, 0), "accept"};
  return {-ECANCELED, "accept"};
}

task<void> acceptor::stop() {
  bool first = !_stopping;
  _stopping = true;
  for (int fd : _ready) ::close(fd);
  _ready.clear();
  if (_waiter) _reactor->schedule(std::exchange(_waiter, {}));
  if (!_armed) co_return;
  if (first) {
    io_uring_sqe* sqe = _reactor->get_sqe();
    io_uring_prep_cancel(sqe, static_cast<completion*>(this), 0);
    io_uring_sqe_set_data64(sqe, reactor::ignored_cqe);
  }
  struct until_disarmed {
    acceptor& self;
    bool await_ready() const noexcept { return !self._armed; }
    void await_suspend(std::coroutine_handle<> h) { self._stop_waiters.push_back(h); }
    void await_resume() const noexcept {}
  };
  co_await until_disarmed{*this};
}

signal_waiter::signal_waiter(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0)
    throw std::system_error(rc, std::system_category(), "block signals");
  _fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (_fd < 0) throw std::system_error(errno, std::system_category(), "signalfd");
}

signal_waiter::~signal_waiter() { ::close(_fd); }

task<int> signal_waiter::next(cancel_source* cancel) {
  signalfd_siginfo info{};
  io_result r = co_await io::read(_fd, std::as_writable_bytes(std::span(&info, 1)), -1, {.cancel = cancel});
  if (r.error() == ECANCELED) co_return 0;
  r.value();
  co_return static_cast<int>(info.ssi_signo);
}

}  // namespace pcn
