// polycubectl: the command-line client of polycubed. See cli/README.md.
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <iostream>

#include "cli/polycubectl.hpp"

namespace {

// How long a pipe on stdin may stay silent before polycubectl decides it carries no body
// (a heredoc or `cat x |` is ready at once; an idle pipe inherited from a script is not).
constexpr int pipe_grace_ms = 200;

// The document on stdin: a redirected file, or a pipe that has data (or its end) at once.
// A terminal or /dev/null carries none.
std::optional<std::string> read_stdin() {
  struct stat st{};
  if (::fstat(STDIN_FILENO, &st) != 0) return std::nullopt;
  if (S_ISREG(st.st_mode)) {
    if (st.st_size == 0) return std::nullopt;
  } else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
    pollfd p{.fd = STDIN_FILENO, .events = POLLIN, .revents = 0};
    int n;
    do n = ::poll(&p, 1, pipe_grace_ms);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return std::nullopt;
  } else {
    return std::nullopt;
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return text;
}

pcn::cli::environment environment() {
  pcn::cli::environment env;
  if (const char* url = std::getenv("POLYCUBECTL_URL"); url && *url) env.url = url;
  if (const char* t = std::getenv("POLYCUBECTL_TIMEOUT"); t && *t) {
    double seconds = 0;
    auto [end, ec] = std::from_chars(t, t + std::char_traits<char>::length(t), seconds);
    if (ec == std::errc{} && *end == '\0' && seconds > 0) env.timeout = std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  }
  return env;
}

}  // namespace

int main(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  pcn::cli::io io{std::cout, std::cerr, read_stdin};
  int status = pcn::cli::run(args, environment(), io);
  std::cout.flush();
  return status;
}
