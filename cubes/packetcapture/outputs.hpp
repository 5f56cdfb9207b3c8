#pragma once
// Where a capture's copies go: a dump file and live streams. Both live on the cube's shard
// and never block it: a dump file is written by a coroutine through io_uring, a stream is
// a queue its reader drains from another shard (packetcapture_service.cpp); each holds a
// bounded backlog, and what would exceed it is dropped and counted, never waited for.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.hpp"
#include "capture/pcapng.hpp"
#include "reactor/cancel.hpp"
#include "reactor/reactor.hpp"
#include "reactor/stream_backlog.hpp"
#include "reactor/task.hpp"

namespace pcn::cubes::pcap {

// Turns copies into the bytes of one capture file or stream: the header before the first
// packet, and in pcapng an interface description for each parent the packets came by
// (the cube may be detached and attached elsewhere while a file is open).
class encoder {
 public:
  explicit encoder(capture::file_format format) : _format(format) {}
  capture::file_format format() const { return _format; }
  // Appends the packet (and whatever header it needs first) to `out`.
  void append(std::string& out, capture::packet_record packet, const std::string& parent, uint32_t snaplen,
              const std::string& description);

 private:
  capture::file_format _format;
  bool _started = false;
  std::vector<std::string> _interfaces;  // pcapng interface ids, by parent
};

// A live stream's queue. The cube appends; the reader takes everything pending, or waits.
class live_stream : public stream_backlog {
 public:
  static constexpr size_t max_backlog = 4u << 20;

  explicit live_stream(capture::file_format format) : stream_backlog(max_backlog), _encoder(format) {}
  encoder& format() { return _encoder; }

 private:
  encoder _encoder;
};

// A cube's live streams. Shared with their readers, which open and close streams through
// it on the cube's shard and find it shut once the cube is gone.
class stream_hub {
 public:
  // A new stream, or null once the hub is shut.
  std::shared_ptr<live_stream> open(capture::file_format format);
  void close(const std::shared_ptr<live_stream>& stream);
  // Ends every stream; no more open.
  void shut();
  const std::vector<std::shared_ptr<live_stream>>& streams() const { return _streams; }
  uint64_t drops() const;  // of every stream, closed ones included

 private:
  std::vector<std::shared_ptr<live_stream>> _streams;
  uint64_t _closed_drops = 0;
  bool _shut = false;
};

// The dump file. Opening truncates it; writes go out in the background, one at a time.
class dump_file {
 public:
  static constexpr size_t max_backlog = 16u << 20;

  // Throws std::system_error naming the path.
  dump_file(const std::string& path, capture::file_format format);
  encoder& format() { return _state->encoding; }
  const std::string& path() const { return _path; }

  // Whether `bytes` more fit in the backlog; when not, the copy is counted as dropped.
  bool make_room(size_t bytes);
  void push(std::string_view bytes);
  uint64_t drops() const { return _state->drops; }
  uint64_t errors() const { return _state->errors; }

 private:
  // Shared with the writing coroutine, which may outlive the dump_file until it is done.
  struct state {
    explicit state(capture::file_format format) : encoding(format) {}
    unique_fd fd;
    encoder encoding;
    std::string pending;
    bool writing = false;
    uint64_t drops = 0;
    uint64_t errors = 0;
    std::string path;
  };
  static task<void> write_out(std::shared_ptr<state> s);
  static void write_now(state& s);

  std::string _path;
  std::shared_ptr<state> _state;
};

}  // namespace pcn::cubes::pcap
