#include "cubes/packetcapture/outputs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <system_error>

#include "base/log.hpp"
#include "reactor/io.hpp"

namespace pcn::cubes::pcap {

void encoder::append(std::string& out, capture::packet_record packet, const std::string& parent, uint32_t snaplen,
                     const std::string& description) {
  if (_format == capture::file_format::pcap) {
    if (!_started) capture::append_pcap_header(out, snaplen);
    _started = true;
    capture::append_pcap_packet(out, packet);
    return;
  }
  if (!_started) capture::append_section_header(out, "polycubed packetcapture");
  _started = true;
  auto known = std::find(_interfaces.begin(), _interfaces.end(), parent);
  if (known == _interfaces.end()) {
    capture::append_interface(out, {.name = parent, .description = description, .snaplen = snaplen});
    _interfaces.push_back(parent);
    known = _interfaces.end() - 1;
  }
  packet.interface = static_cast<uint32_t>(known - _interfaces.begin());
  capture::append_packet(out, packet);
}

std::shared_ptr<live_stream> stream_hub::open(capture::file_format format) {
  if (_shut) return nullptr;
  return _streams.emplace_back(std::make_shared<live_stream>(format));
}

void stream_hub::close(const std::shared_ptr<live_stream>& stream) {
  if (std::erase(_streams, stream) == 0) return;
  _closed_drops += stream->drops();
  stream->end();
}

void stream_hub::shut() {
  _shut = true;
  for (auto& s : _streams) {
    _closed_drops += s->drops();
    s->end();
  }
  _streams.clear();
}

uint64_t stream_hub::drops() const {
  uint64_t total = _closed_drops;
  for (const auto& s : _streams) total += s->drops();
  return total;
}

dump_file::dump_file(const std::string& path, capture::file_format format)
    : _path(path), _state(std::make_shared<state>(format)) {
  _state->path = path;
  _state->fd = unique_fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!_state->fd) throw std::system_error(errno, std::system_category(), "open the dump file " + path);
}

bool dump_file::make_room(size_t bytes) {
  if (_state->pending.size() + bytes <= max_backlog) return true;
  ++_state->drops;
  return false;
}

void dump_file::push(std::string_view bytes) {
  state& s = *_state;
  s.pending.append(bytes);
  if (s.writing) return;
  if (!reactor::current_or_null()) {
    write_now(s);
    return;
  }
  s.writing = true;
  reactor::current().background().spawn(write_out(_state));
}

// Off a reactor (tests driving the cube by hand): a plain write.
void dump_file::write_now(state& s) {
  std::string_view rest = s.pending;
  while (!rest.empty()) {
    ssize_t n = ::write(s.fd.get(), rest.data(), rest.size());
    if (n <= 0) {
      ++s.errors;
      break;
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  s.pending.clear();
}

task<void> dump_file::write_out(std::shared_ptr<state> s) {
  while (!s->pending.empty()) {
    std::string chunk = std::move(s->pending);
    s->pending.clear();
    std::string_view rest = chunk;
    while (!rest.empty()) {
      io_result r = co_await io::write(s->fd.get(), std::as_bytes(std::span(rest.data(), rest.size())));
      if (r.result <= 0) {
        if (s->errors++ == 0) log::warn("packetcapture: writing {}: {}", s->path, r.result < 0 ? std::strerror(-r.result) : "nothing written");
        break;
      }
      rest.remove_prefix(static_cast<size_t>(r.result));
    }
  }
  s->writing = false;
}

}  // namespace pcn::cubes::pcap
