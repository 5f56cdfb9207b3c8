#pragma once
// polycubectl as a function: the command line in, text out, an exit status back. main()
// gives it the real environment and streams; the tests give it their own.
#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cli/http_client.hpp"

namespace pcn::cli {

// Exit statuses: 1 and 2 as the original polycubectl; it exited 0 on a bad command line.
inline constexpr int exit_ok = 0;
inline constexpr int exit_unreachable = 1;  // no daemon, or no complete answer from it
inline constexpr int exit_refused = 2;      // the daemon answered with an error
inline constexpr int exit_bad_input = 3;    // bad command line or stdin document

struct environment {
  std::optional<std::string> url;  // POLYCUBECTL_URL
  std::chrono::milliseconds timeout{30'000};
};

struct io {
  std::ostream& out;
  std::ostream& err;
  // The document on stdin, if there is one (asked for only when it may be the body).
  std::function<std::optional<std::string>()> read_stdin;
};

// Where to look for the daemon: POLYCUBECTL_URL, or the default TCP address then the
// default unix socket. Throws std::invalid_argument for a bad URL.
std::vector<endpoint> endpoints_of(const environment& env);

// `args` are the words after the program's name. `--complete words...` prints completion
// candidates for the last word, one a line (for polycubectl-completion.bash).
int run(std::span<const std::string> args, const environment& env, io& io);

}  // namespace pcn::cli
