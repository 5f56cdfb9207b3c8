#include "slowpath/event_ring.hpp"

#include <bpf/libbpf.h>
#include <poll.h>

#include <system_error>

#include "base/log.hpp"
#include "reactor/io.hpp"

namespace pcn::slowpath {

event_ring::event_ring(int ringbuf_fd, event_handlers handlers) : _fd(ringbuf_fd), _handlers(std::move(handlers)) {
  _ring = ring_buffer__new(ringbuf_fd, &event_ring::dispatch, this, nullptr);
  if (!_ring) throw std::system_error(errno, std::system_category(), "open the framework's ring buffer");
}

event_ring::~event_ring() { ring_buffer__free(_ring); }

int event_ring::dispatch(void* context, void* data, size_t size) {
  auto* self = static_cast<event_ring*>(context);
  if (size < sizeof(pcn_event_header)) {
    ++self->_malformed;
    return 0;
  }
  const auto* header = static_cast<const pcn_event_header*>(data);
  switch (header->kind) {
    case PCN_EVENT_LOG:
      if (size >= sizeof(pcn_log_event) && self->_handlers.on_log) self->_handlers.on_log(*static_cast<const pcn_log_event*>(data));
      else if (size < sizeof(pcn_log_event)) ++self->_malformed;
      break;
    case PCN_EVENT_NOTIFY:
      if (size >= sizeof(pcn_notify_event) && self->_handlers.on_notify) self->_handlers.on_notify(*static_cast<const pcn_notify_event*>(data));
      else if (size < sizeof(pcn_notify_event)) ++self->_malformed;
      break;
    case PCN_EVENT_PACKET:
      if (size >= sizeof(pcn_packet_event) && self->_handlers.on_packet) self->_handlers.on_packet(*static_cast<const pcn_packet_event*>(data));
      else if (size < sizeof(pcn_packet_event)) ++self->_malformed;
      break;
    case PCN_EVENT_TRACE:
      if (size >= sizeof(pcn_trace_event) && self->_handlers.on_trace) self->_handlers.on_trace(*static_cast<const pcn_trace_event*>(data));
      else if (size < sizeof(pcn_trace_event)) ++self->_malformed;
      break;
    default:
      ++self->_malformed;
  }
  return 0;
}

size_t event_ring::consume() {
  int n = ring_buffer__consume(_ring);
  if (n < 0) throw std::system_error(-n, std::system_category(), "consume the framework's ring buffer");
  return static_cast<size_t>(n);
}

task<void> event_ring::run(cancel_source& cancel) {
  while (!cancel.cancel_requested()) {
    io_result r = co_await io::poll(_fd, POLLIN, {.cancel = &cancel});
    if (r.error() == ECANCELED) break;
    r.value();
    consume();
  }
}

}  // namespace pcn::slowpath
