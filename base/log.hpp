#pragma once
// The one logger of the project: levels TRACE..CRITICAL, one line per message, each line
// tagged with the shard it was written on. Writes are a single write(2) so lines from
// different threads never interleave.
#include <fmt/format.h>
#include <optional>
#include <string>
#include <string_view>

namespace pcn::log {

enum class level { trace, debug, info, warn, err, critical, off };

std::string_view to_string(level l);
// Accepts the names of the REST contract (TRACE DEBUG INFO WARN ERR CRITICAL OFF), any case.
std::optional<level> parse_level(std::string_view s);

void set_level(level l);
level current_level();
// Log to this file (appended) instead of stderr; throws std::system_error when it cannot open it.
void set_file(const std::string& path);
// Tags lines of the calling thread, e.g. "shard 1"; empty for none.
void set_thread_tag(std::string tag);

void write(level l, std::string_view message);

inline bool enabled(level l) { return l >= current_level(); }

template <typename... Args>
void at(level l, fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(l)) write(l, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void trace(fmt::format_string<Args...> format, Args&&... args) { at(level::trace, format, std::forward<Args>(args)...); }
template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) { at(level::debug, format, std::forward<Args>(args)...); }
template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) { at(level::info, format, std::forward<Args>(args)...); }
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) { at(level::warn, format, std::forward<Args>(args)...); }
template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) { at(level::err, format, std::forward<Args>(args)...); }
template <typename... Args>
void critical(fmt::format_string<Args...> format, Args&&... args) { at(level::critical, format, std::forward<Args>(args)...); }

}  // namespace pcn::log
