#pragma once
// The framework's ring buffer (pcn_events), consumed on a reactor: fast-path log messages,
// notifications, TC slow-path packets and packet-trace records, each handed to its handler.
#include <cstdint>
#include <functional>

#include "bpf/pcn_abi.h"
#include "reactor/cancel.hpp"
#include "reactor/task.hpp"

struct ring_buffer;

namespace pcn::slowpath {

struct event_handlers {
  std::function<void(const pcn_log_event&)> on_log;
  std::function<void(const pcn_notify_event&)> on_notify;
  // The event is valid during the call only: copy what must outlive it.
  std::function<void(const pcn_packet_event&)> on_packet;
  std::function<void(const pcn_trace_event&)> on_trace;
};

class event_ring {
 public:
  event_ring(int ringbuf_fd, event_handlers handlers);
  ~event_ring();
  event_ring(const event_ring&) = delete;
  event_ring& operator=(const event_ring&) = delete;

  // Hands every pending event to its handler; returns how many there were.
  size_t consume();
  // Consumes as events arrive (the reactor polls the map) until `cancel`.
  task<void> run(cancel_source& cancel);

  uint64_t malformed() const noexcept { return _malformed; }

 private:
  static int dispatch(void* self, void* data, size_t size);

  int _fd;
  event_handlers _handlers;
  ring_buffer* _ring = nullptr;
  uint64_t _malformed = 0;
};

}  // namespace pcn::slowpath
