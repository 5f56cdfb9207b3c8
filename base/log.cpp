#include "base/log.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <system_error>

namespace pcn::log {
namespace {

std::atomic<level> g_level{level::info};
std::atomic<int> g_fd{STDERR_FILENO};
thread_local std::string t_tag;

constexpr std::string_view level_names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERR", "CRITICAL", "OFF"};

}  // namespace

std::string_view to_string(level l) { return level_names[static_cast<int>(l)]; }

std::optional<level> parse_level(std::string_view s) {
  for (int i = 0; i < static_cast<int>(std::size(level_names)); ++i) {
    std::string_view name = level_names[i];
    if (name.size() != s.size()) continue;
    bool same = true;
    for (size_t k = 0; k < s.size() && same; ++k) same = (s[k] & ~0x20) == name[k];
    if (same) return static_cast<level>(i);
  }
  return std::nullopt;
}

void set_level(level l) { g_level.store(l, std::memory_order_relaxed); }
level current_level() { return g_level.load(std::memory_order_relaxed); }

void set_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open log file " + path);
  int old = g_fd.exchange(fd);
  if (old != STDERR_FILENO) ::close(old);
}

void set_thread_tag(std::string tag) { t_tag = std::move(tag); }

void write(level l, std::string_view message) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  auto micros = duration_cast<microseconds>(now.time_since_epoch()).count() % 1000000;
  std::string line = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06} [{}]{}{}{} {}\n", tm.tm_year + 1900,
                                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros, to_string(l),
                                 t_tag.empty() ? "" : " [", t_tag, t_tag.empty() ? "" : "]", message);
  // One write per line keeps lines whole across threads; a short write to a log is not worth a retry loop.
  [[maybe_unused]] auto n = ::write(g_fd.load(std::memory_order_relaxed), line.data(), line.size());
}

}  // namespace pcn::log
