#pragma once
// What the streaming commands (capture, trace) share: Ctrl-C, SIGTERM and SIGHUP end the
// stream (a flag, and a pipe that the stream's poll() watches) and leave the command time
// to clean up; the daemon's error message of a refused request.
#include <signal.h>

#include <charconv>
#include <string>

#include "cli/args.hpp"
#include "cli/http_client.hpp"

namespace pcn::cli {

extern int g_signal_pipe[2];
extern volatile sig_atomic_t g_signal;

// Installs the handlers for the command's life, restores the previous ones after.
class signal_guard {
 public:
  signal_guard();
  ~signal_guard();
  signal_guard(const signal_guard&) = delete;
  signal_guard& operator=(const signal_guard&) = delete;

 private:
  static constexpr int _signals[] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction _previous[3] {};
  struct sigaction _previous_pipe {};
};

// {"message": ...} of an error answer, or what there is.
std::string error_text(const http_response& res);

// The number a flag of `command` takes (-c COUNT, -s SNAPLEN), at least `low`; throws
// syntax_error naming the flag.
template <typename T>
T flag_number(std::string_view command, const std::string& flag, const std::string& text, T low) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < low)
    throw syntax_error(std::string(command) + ": " + flag + " " + quoted(text) + ": expected a number of at least " + std::to_string(low));
  return value;
}

}  // namespace pcn::cli
