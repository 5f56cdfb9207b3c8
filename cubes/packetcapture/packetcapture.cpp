#include "cubes/packetcapture/packetcapture.hpp"

#include <bpf/libbpf.h>
#include <poll.h>
#include <unistd.h>

#include <ctime>
#include <system_error>

#include "base/log.hpp"
#include "bpf/pcn_abi.h"
#include "cubes/packetcapture/packetcapture_abi.h"
#include "packetcapture_tc.skel.h"
#include "packetcapture_xdp.skel.h"
#include "reactor/io.hpp"

namespace pcn::cubes {
namespace {

// Copies handled in one go before the drain lets the rest of the shard run.
constexpr int batch_limit = 256;
constexpr int batch_full = -1000;  // what on_record answers to end a batch early

int64_t clock_offset() {
  timespec real{}, mono{};
  ::clock_gettime(CLOCK_REALTIME, &real);
  ::clock_gettime(CLOCK_MONOTONIC, &mono);
  return (int64_t{real.tv_sec} - mono.tv_sec) * 1'000'000'000 + (real.tv_nsec - mono.tv_nsec);
}

}  // namespace

// The ring buffer's reader, shared with the coroutine draining it, which may outlive the
// cube by a moment (until it sees `stop`).
struct packetcapture::ring_reader {
  packetcapture* owner = nullptr;
  unique_fd fd;  // our own: a reload gives the cube's object new descriptors
  ring_buffer* ring = nullptr;
  cancel_source stop;
  int batch = 0;
  ~ring_reader() { ring_buffer__free(ring); }
};

packetcapture::packetcapture(dataplane::datapath& dp, std::string name, dataplane::cube_type type, log::level level)
    : transparent_cube(dp, {.name = std::move(name),
                            .service = "packetcapture",
                            .type = type,
                            .code = dataplane::fastpath_code::embedded<packetcapture_xdp, packetcapture_tc>(),
                            .log_level = level,
                            .constants = {}}),
      _description("polycube packetcapture " + this->name()) {
  _ring = std::make_shared<ring_reader>();
  _ring->owner = this;
  _ring->fd = unique_fd(::fcntl(map_fd("capture_ring"), F_DUPFD_CLOEXEC, 0));
  if (!_ring->fd) throw std::system_error(errno, std::system_category(), "packetcapture " + this->name() + ": duplicate the ring buffer's descriptor");
  _ring->ring = ring_buffer__new(_ring->fd.get(), &packetcapture::on_record, _ring.get(), nullptr);
  if (!_ring->ring) throw std::system_error(errno, std::system_category(), "packetcapture " + this->name() + ": open its ring buffer");
  if (reactor::current_or_null()) reactor::current().background().spawn(drain(_ring));
}

packetcapture::~packetcapture() {
  _streams->shut();
  _ring->owner = nullptr;
  _ring->stop.request_cancel();
}

std::string_view packetcapture::to_string(mode m) {
  switch (m) {
    case mode::off: return "OFF";
    case mode::ingress: return "INGRESS";
    case mode::egress: return "EGRESS";
    case mode::bidirectional: return "BIDIRECTIONAL";
  }
  return "?";
}

std::optional<packetcapture::mode> packetcapture::parse_mode(std::string_view s) {
  if (s == "OFF") return mode::off;
  if (s == "INGRESS") return mode::ingress;
  if (s == "EGRESS") return mode::egress;
  if (s == "BIDIRECTIONAL") return mode::bidirectional;
  return std::nullopt;
}

void packetcapture::set_fastpath_constants(const settings& s) {
  set_constant("capture_ingress", static_cast<uint8_t>(s.capture == mode::ingress || s.capture == mode::bidirectional));
  set_constant("capture_egress", static_cast<uint8_t>(s.capture == mode::egress || s.capture == mode::bidirectional));
  set_constant("snaplen", std::min<uint32_t>(s.snaplen, PACKETCAPTURE_MAX_COPY));
  auto c = s.filters.fastpath_constants();
  set_constant("filter_flags", c.flags);
  set_constant("filter_src", c.src);
  set_constant("filter_src_mask", c.src_mask);
  set_constant("filter_dst", c.dst);
  set_constant("filter_dst_mask", c.dst_mask);
  set_constant("filter_l4proto", c.l4proto);
  set_constant("filter_sport", c.sport);
  set_constant("filter_dport", c.dport);
}

task<void> packetcapture::configure(const settings& wanted) {
  std::optional<pcap::pcap_expression> expression;
  if (wanted.filter != _settings.filter || wanted.snaplen != _settings.snaplen) expression.emplace(wanted.filter, wanted.snaplen);
  bool dump_changed = wanted.dump != _settings.dump || wanted.dump_format != _settings.dump_format;
  std::unique_ptr<pcap::dump_file> dump;
  if (dump_changed && !wanted.dump.empty()) {
    if (wanted.dump.front() != '/') throw pcap::filter_error("dump: " + wanted.dump + " is not an absolute path");
    dump = std::make_unique<pcap::dump_file>(wanted.dump, wanted.dump_format);
  }
  if (wanted.capture != _settings.capture || wanted.snaplen != _settings.snaplen || wanted.filters != _settings.filters) {
    set_fastpath_constants(wanted);
    co_await reload_at_home();  // refused: the staged constants are dropped
  }
  // Nothing can fail from here on. What was copied under the old settings goes where they
  // said: a copy made just before the change must not land in a new dump or pass a new filter.
  deliver_pending();
  if (expression) _expression = std::move(*expression);
  if (dump_changed) {
    if (_dump) {
      _dump_drops += _dump->drops();
      _dump_errors += _dump->errors();
    }
    _dump = std::move(dump);
  }
  if (wanted.anonymize && !_anonymizer) _anonymizer.emplace();
  if (!wanted.anonymize) _anonymizer.reset();
  _settings = wanted;
}

packetcapture::statistics packetcapture::stats() const {
  statistics s;
  auto kernel = get_percpu_table<uint32_t, packetcapture_stats>("capture_stats").sum(0, [](packetcapture_stats& t, const packetcapture_stats& v) {
    t.seen += v.seen;
    t.copied += v.copied;
    t.ring_drops += v.ring_drops;
  });
  s.seen = kernel.seen;
  s.copied = kernel.copied;
  s.ring_drops = kernel.ring_drops;
  s.filtered = _filtered;
  s.captured = _captured;
  s.dump_drops = _dump_drops + (_dump ? _dump->drops() : 0);
  s.dump_errors = _dump_errors + (_dump ? _dump->errors() : 0);
  s.stream_drops = _streams->drops();
  s.streams = static_cast<uint32_t>(_streams->streams().size());
  return s;
}

size_t packetcapture::poll_ring() {
  _clock_offset = clock_offset();
  size_t total = 0;
  for (;;) {
    _ring->batch = 0;
    int n = ring_buffer__consume(_ring->ring);
    if (n == batch_full) {
      total += batch_limit;
      if (reactor::current_or_null()) return total;  // drain() comes back after the others ran
      continue;
    }
    if (n < 0) throw std::system_error(-n, std::system_category(), "packetcapture " + name() + ": read its ring buffer");
    return total + static_cast<size_t>(n);
  }
}

void packetcapture::deliver_pending() noexcept {
  try {
    while (poll_ring() >= static_cast<size_t>(batch_limit)) {
    }
  } catch (const std::exception& e) {
    log::error("{}", e.what());
  }
}

int packetcapture::on_record(void* context, void* data, size_t size) {
  auto* reader = static_cast<ring_reader*>(context);
  if (reader->owner && size >= sizeof(packetcapture_event)) {
    const auto* event = static_cast<const packetcapture_event*>(data);
    size_t captured = std::min<size_t>(event->captured, size - sizeof(packetcapture_event));
    reader->owner->deliver(*event, {static_cast<const uint8_t*>(data) + sizeof(packetcapture_event), captured});
  }
  return ++reader->batch >= batch_limit ? batch_full : 0;
}

// Waits to be woken up by the fast path, or, while copies keep coming (the fast path wakes
// the reader at most once a millisecond per CPU), looks again every few milliseconds.
task<void> packetcapture::drain(std::shared_ptr<ring_reader> reader) {
  bool active = false;
  while (!reader->stop.cancel_requested()) {
    auto look_again = std::chrono::milliseconds(active ? PACKETCAPTURE_READER_POLL_MS : 0);
    io_result r = co_await io::poll(reader->fd.get(), POLLIN, {.timeout = look_again, .cancel = &reader->stop});
    if (r.result == -ECANCELED || !reader->owner) break;
    // A batch at a time, letting the shard's other work run in between.
    size_t total = 0;
    bool more = true;
    while (more && reader->owner) {
      try {
        size_t n = reader->owner->poll_ring();
        total += n;
        more = n >= static_cast<size_t>(batch_limit);
      } catch (const std::exception& e) {
        log::error("{}", e.what());
        more = false;
      }
      if (more) co_await yield_now{};
    }
    active = total > 0;
  }
}

void packetcapture::deliver(const packetcapture_event& event, std::span<const uint8_t> data) {
  if (!_expression.matches(data, event.length)) {
    ++_filtered;
    return;
  }
  if (_anonymizer) {
    _packet.assign(data.begin(), data.end());
    _anonymizer->apply(_packet);
    data = _packet;
  }
  ++_captured;
  capture::packet_record record{.timestamp_ns = static_cast<uint64_t>(static_cast<int64_t>(event.timestamp_ns) + _clock_offset),
                                .original_length = event.length,
                                .data = data,
                                .dir = event.direction == PCN_EGRESS ? capture::direction::outbound : capture::direction::inbound};
  const std::string& where = parent();
  // Room for the packet and the headers that may precede it.
  size_t room = data.size() + 256 + where.size() + _description.size();
  if (_dump && _dump->make_room(room)) {
    _scratch.clear();
    _dump->format().append(_scratch, record, where, _settings.snaplen, _description);
    _dump->push(_scratch);
  }
  for (const auto& stream : _streams->streams()) {
    if (!stream->make_room(room)) continue;
    _scratch.clear();
    stream->format().append(_scratch, record, where, _settings.snaplen, _description);
    stream->push(_scratch);
  }
}

}  // namespace pcn::cubes
