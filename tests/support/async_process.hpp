#pragma once
// Commands run from a test coroutine without blocking its reactor: the child is spawned,
// and its exit is awaited by polling a pidfd on the ring, so that what the reactor serves
// (a slow path, an HTTP server) keeps going meanwhile.
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <system_error>

#include "base/unique_fd.hpp"
#include "reactor/io.hpp"
#include "tests/support/netns.hpp"

extern char** environ;

namespace pcn::testing {

// Runs `command` with /bin/sh; yields its exit status (-1 when it did not exit normally).
inline task<int> run_async(std::string command) {
  std::string shell = "/bin/sh", flag = "-c";
  char* argv[] = {shell.data(), flag.data(), command.data(), nullptr};
  pid_t pid = 0;
  if (int err = ::posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, environ); err != 0)
    throw std::system_error(err, std::system_category(), "spawn: " + command);
  unique_fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd) co_await io::poll(pidfd.get(), POLLIN);
  int status = 0;
  ::waitpid(pid, &status, 0);
  co_return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// As ping() in netns.hpp: true when `count` echo replies came back within the deadline.
inline task<bool> ping_async(const netns& from, std::string address, int count = 3, int deadline_s = 5, std::string options = "") {
  int status = co_await run_async("ip netns exec " + from.name() + " ping -q -c " + std::to_string(count) + " -i 0.2 -W 1 -w " +
                                  std::to_string(deadline_s) + " " + options + " " + address + " >/dev/null 2>&1");
  co_return status == 0;
}

}  // namespace pcn::testing
