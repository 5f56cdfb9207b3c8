#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "reactor/io.hpp"
#include "reactor/when_all.hpp"
#include "tests/support/run.hpp"
#include "tests/support/sockets.hpp"

namespace pcn {
namespace {

using namespace std::chrono_literals;

task<void> echo_one_connection(int fd) {
  std::byte buffer[4096];
  for (;;) {
    io_result r = co_await io::recv(fd, buffer);
    if (r.result <= 0) break;
    co_await io::send_all(fd, std::span(buffer, r.value()));
  }
  ::close(fd);
}

task<std::string> echo_client(uint16_t port, std::string message) {
  testing::fd_guard fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr = testing::loopback(port);
  (co_await io::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr)).value();
  (co_await io::send_all(fd.get(), std::as_bytes(std::span(message)))).value();
  std::string reply;
  std::byte buffer[1024];
  while (reply.size() < message.size()) {
    unsigned n = (co_await io::recv(fd.get(), buffer, {.timeout = 2s})).value();
    if (n == 0) break;
    reply.append(reinterpret_cast<const char*>(buffer), n);
  }
  co_return reply;
}

TEST(io, tcp_echo_through_the_reactor_with_multishot_accept) {
  auto body = []() -> task<std::vector<std::string>> {
    testing::fd_guard listener = testing::listen_loopback();
    uint16_t port = testing::local_port(listener.get());
    acceptor acc(listener.get());
    task_scope conns("echo");
    auto serve = [](acceptor& a, task_scope& scope) -> task<void> {
      for (int i = 0; i < 8; ++i) {
        io_result r = co_await a.next();
        if (!r) co_return;
        scope.spawn(echo_one_connection(r.result));
      }
    };
    std::vector<task<std::string>> clients;
    for (int i = 0; i < 8; ++i) clients.push_back(echo_client(port, "hello " + std::to_string(i) + std::string(3000, 'x')));
    auto [replies, ignored] = co_await when_all(when_all(std::move(clients)), serve(acc, conns));
    (void)ignored;
    co_await acc.stop();
    co_await conns.join();
    co_return replies;
  };
  auto replies = testing::run(body());
  ASSERT_EQ(replies.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(replies[i], "hello " + std::to_string(i) + std::string(3000, 'x'));
}

TEST(io, acceptor_stop_wakes_a_waiting_accept) {
  auto body = []() -> task<int> {
    testing::fd_guard listener = testing::listen_loopback();
    acceptor acc(listener.get());
    auto waiter = [](acceptor& a) -> task<int> { co_return (co_await a.next()).error(); };
    auto stopper = [](acceptor& a) -> task<void> {
      co_await sleep_for(10ms);
      co_await a.stop();
    };
    auto [err, ignored] = co_await when_all(waiter(acc), stopper(acc));
    (void)ignored;
    co_return err;
  };
  EXPECT_EQ(testing::run(body()), ECANCELED);
}

TEST(io, acceptor_stop_can_be_awaited_twice_at_once) {
  auto body = []() -> task<int> {
    testing::fd_guard listener = testing::listen_loopback();
    acceptor acc(listener.get());
    auto waiter = [](acceptor& a) -> task<int> { co_return (co_await a.next()).error(); };
    auto stopper = [](acceptor& a) -> task<void> {
      co_await sleep_for(5ms);
      co_await a.stop();
    };
    auto [err, first, second] = co_await when_all(waiter(acc), stopper(acc), stopper(acc));
    (void)first, (void)second;
    co_return err;
  };
  EXPECT_EQ(testing::run(body()), ECANCELED);
}

TEST(io, poll_on_an_eventfd) {
  auto body = []() -> task<int> {
    testing::fd_guard efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    auto writer = [](int fd) -> task<void> {
      co_await sleep_for(10ms);
      uint64_t one = 1;
      EXPECT_EQ(::write(fd, &one, sizeof one), 8);
    };
    auto poller = [](int fd) -> task<int> { co_return static_cast<int>((co_await io::poll(fd, POLLIN, {.timeout = 2s})).value()); };
    auto [revents, ignored] = co_await when_all(poller(efd.get()), writer(efd.get()));
    (void)ignored;
    co_return revents;
  };
  EXPECT_TRUE(testing::run(body()) & POLLIN);
}

TEST(io, timeout_fails_with_etimedout) {
  auto body = []() -> task<int> {
    testing::fd_guard efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    co_return (co_await io::poll(efd.get(), POLLIN, {.timeout = 20ms})).error();
  };
  EXPECT_EQ(testing::run(body()), ETIMEDOUT);
}

TEST(io, cancel_a_pending_recv) {
  auto body = []() -> task<int> {
    int pair[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    testing::fd_guard a(pair[0]), b(pair[1]);
    cancel_source cancel;
    auto reader = [](int fd, cancel_source& c) -> task<int> {
      std::byte buffer[16];
      co_return (co_await io::recv(fd, buffer, {.cancel = &c})).error();
    };
    auto canceller = [](cancel_source& c) -> task<void> {
      co_await sleep_for(10ms);
      c.request_cancel();
    };
    auto [err, ignored] = co_await when_all(reader(a.get(), cancel), canceller(cancel));
    (void)ignored;
    co_return err;
  };
  EXPECT_EQ(testing::run(body()), ECANCELED);
}

TEST(io, errors_name_the_operation) {
  auto body = []() -> task<std::string> {
    std::byte buffer[4];
    try {
      (co_await io::read(-1, buffer)).value();
    } catch (const std::system_error& e) {
      co_return e.what();
    }
    co_return "no error";
  };
  std::string what = testing::run(body());
  EXPECT_NE(what.find("read"), std::string::npos) << what;
  EXPECT_NE(what.find("Bad file descriptor"), std::string::npos) << what;
}

}  // namespace
}  // namespace pcn
