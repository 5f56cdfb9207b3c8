#pragma once
// Small socket helpers for tests: an owning fd, a loopback listener on a free port.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <utility>

namespace pcn::testing {

class fd_guard {
 public:
  explicit fd_guard(int fd = -1) : _fd(fd) {}
  fd_guard(fd_guard&& o) noexcept : _fd(std::exchange(o._fd, -1)) {}
  fd_guard& operator=(fd_guard&& o) noexcept {
    reset(std::exchange(o._fd, -1));
    return *this;
  }
  ~fd_guard() { reset(); }
  int get() const { return _fd; }
  void reset(int fd = -1) {
    if (_fd >= 0) ::close(_fd);
    _fd = fd;
  }

 private:
  int _fd;
};

inline sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

inline fd_guard listen_loopback() {
  fd_guard fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a = loopback(0);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd.get(), 128) != 0)
    throw std::runtime_error("listen on 127.0.0.1 failed");
  return fd;
}

inline uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

}  // namespace pcn::testing
