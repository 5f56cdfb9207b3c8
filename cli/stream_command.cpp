#include "cli/stream_command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <iterator>

namespace pcn::cli {

int g_signal_pipe[2] = {-1, -1};
volatile sig_atomic_t g_signal = 0;

namespace {

void on_signal(int signal) {
  g_signal = signal;
  int saved = errno;
  if (g_signal_pipe[1] >= 0) [[maybe_unused]] auto n = ::write(g_signal_pipe[1], "x", 1);
  errno = saved;
}

}  // namespace

signal_guard::signal_guard() {
  if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) g_signal_pipe[0] = g_signal_pipe[1] = -1;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < std::size(_signals); ++i) ::sigaction(_signals[i], &sa, &_previous[i]);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &_previous_pipe);  // a reader of stdout that goes: EPIPE, then cleanup
}

signal_guard::~signal_guard() {
  for (size_t i = 0; i < std::size(_signals); ++i) ::sigaction(_signals[i], &_previous[i], nullptr);
  ::sigaction(SIGPIPE, &_previous_pipe, nullptr);
  for (int& fd : g_signal_pipe) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  g_signal = 0;
}

std::string error_text(const http_response& res) {
  boost::json::value v = res.json();
  if (v.is_object())
    if (const boost::json::value* m = v.get_object().if_contains("message"); m && m->is_string()) return std::string(m->get_string());
  return res.body.empty() ? "HTTP " + std::to_string(res.status) : res.body;
}

}  // namespace pcn::cli
