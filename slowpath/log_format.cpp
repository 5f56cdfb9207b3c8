#include "slowpath/log_format.hpp"

#include <fmt/format.h>

#include <cstring>

namespace pcn::slowpath {

std::string format_fastpath_log(std::string_view format, std::span<const uint64_t> args) {
  std::string out;
  size_t next = 0;
  auto take = [&](std::string& text) -> bool {
    if (next >= args.size()) {
      text += '?';
      return false;
    }
    return true;
  };
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if (c != '%' || i + 1 == format.size()) {
      out += c;
      continue;
    }
    char conv = format[++i];
    if (conv == '%') {
      out += '%';
      continue;
    }
    if (conv != 'd' && conv != 'u' && conv != 'x' && conv != 'I' && conv != 'M' && conv != 'P') {
      out += '%';
      out += conv;
      continue;
    }
    if (!take(out)) continue;
    uint64_t v = args[next++];
    switch (conv) {
      case 'd': out += fmt::format("{}", static_cast<int64_t>(v)); break;
      case 'u': out += fmt::format("{}", v); break;
      case 'x': out += fmt::format("{:x}", v); break;
      case 'I': {
        // The address as it sat in the packet: its first byte is the lowest in memory.
        auto ip = static_cast<uint32_t>(v);
        out += fmt::format("{}.{}.{}.{}", ip & 0xff, (ip >> 8) & 0xff, (ip >> 16) & 0xff, ip >> 24);
        break;
      }
      case 'M':
        out += fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", (v >> 40) & 0xff, (v >> 32) & 0xff,
                           (v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
        break;
      case 'P': {
        auto port = static_cast<uint16_t>(v);
        out += fmt::format("{}", static_cast<uint16_t>((port >> 8) | (port << 8)));
        break;
      }
    }
  }
  return out;
}

std::string format_fastpath_log(const pcn_log_event& event) {
  uint64_t args[PCN_LOG_MAX_ARGS];
  for (int i = 0; i < PCN_LOG_MAX_ARGS; ++i) args[i] = event.args[i];
  size_t length = strnlen(event.format, sizeof event.format);
  return format_fastpath_log(std::string_view(event.format, length), args);
}

}  // namespace pcn::slowpath
