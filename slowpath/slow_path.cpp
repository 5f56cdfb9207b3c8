#include "slowpath/slow_path.hpp"

#include <bpf/bpf.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "reactor/io.hpp"
#include "reactor/reactor.hpp"
#include "slowpath/log_format.hpp"

namespace pcn::slowpath {
namespace {

using dataplane::hook_family;

constexpr auto maintenance_period = std::chrono::milliseconds(10);
constexpr int kicks_per_flush = 16;  // copy mode transmits a bounded batch per kick
constexpr int max_tx_waits = 100;    // for room in a full TX ring, a millisecond each
constexpr int batches_per_turn = 4;  // RX batches in a row before the rest of the shard runs
constexpr uint32_t quiet_fill = 64;  // frames in the fill ring of a socket that rarely receives
constexpr auto queue_release_wait = std::chrono::seconds(2);  // for a closed socket's queue

// RX queues of a netdev (ethtool channels); 1 when the driver does not say.
uint32_t rx_queues(const std::string& netdev) {
  unique_fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ethtool_channels channels{};
  channels.cmd = ETHTOOL_GCHANNELS;
  ifreq request{};
  std::strncpy(request.ifr_name, netdev.c_str(), IFNAMSIZ - 1);
  request.ifr_data = reinterpret_cast<char*>(&channels);
  if (!fd || ::ioctl(fd.get(), SIOCETHTOOL, &request) != 0) return 1;
  uint32_t n = std::max(channels.rx_count, channels.combined_count);
  return std::clamp<uint32_t>(n, 1, PCN_MAX_QUEUES);
}

bool retry_later(int err) { return err == EBUSY || err == ENOBUFS; }

}  // namespace

// One AF_XDP socket and its loop.
struct slow_path::socket_state : std::enable_shared_from_this<socket_state> {
  std::unique_ptr<xsk> socket;
  bool dirty = false;
  bool closed = false;
  bool quiet = false;  // the injection device's: only packets sent up again arrive there
  uint32_t fill = quiet_fill;  // frames its fill ring aims at: grows while it is busy
  std::unique_ptr<cancel_source> cancel;  // ends its RX loop (one per run)
};

struct slow_path::netdev_state {
  std::string name;
  uint32_t base_slot = 0;
  std::vector<std::shared_ptr<socket_state>> queues;
};

// A handler started by the slow path: nobody awaits it, it frees itself when done.
struct slow_path::handler_run {
  struct promise_type {
    static void* operator new(size_t size) { return detail::frame_cache::allocate(size); }
    static void operator delete(void* p, size_t size) noexcept { detail::frame_cache::deallocate(p, size); }
    handler_run get_return_object() noexcept { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // run_handler catches everything
  };
  std::coroutine_handle<promise_type> handle;
};

slow_path::slow_path(dataplane::datapath& dp, slow_path_options options)
    : _dp(dp),
      _options(std::move(options)),
      _umem(std::make_unique<umem>(_options.umem)),
      _injection(std::make_unique<injection_device>(dp, _options.injection_device)),
      _base_slots(PCN_MAX_NETDEVS, false),
      _events(dp.framework_map_fd(PCN_MAP_EVENTS),
              {.on_log = [this](const pcn_log_event& e) { on_log(e); },
               .on_notify = [this](const pcn_notify_event& e) { on_notify(e); },
               .on_packet = [this](const pcn_packet_event& e) { on_ring_packet(e); },
               .on_trace =
                   [this](const pcn_trace_event& e) {
                     if (_trace_listener) _trace_listener(e);
                   }}) {
  _raw.reset(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));  // protocol 0: it receives nothing
  if (!_raw) throw std::system_error(errno, std::system_category(), "open the slow path's AF_PACKET socket");
  int sndbuf = 8 << 20;
  ::setsockopt(_raw.get(), SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);
  // The first socket owns the UMEM: the injection device's, which lives as long as we do.
  _inject = std::make_shared<socket_state>();
  _inject->socket = std::make_unique<xsk>(*_umem, _injection->tx_name(), 0, false);
  // Cubes reached through the injection device may send to the slow path again.
  if (!add_netdev(_injection->rx_ifindex(), _injection->rx_name()))
    throw std::system_error(EBUSY, std::system_category(), "bind an AF_XDP socket to " + _injection->rx_name());
  _dp.set_packet_io(this);
  _dp.set_xdp_netdev_listener([this](const std::map<int, std::string>& netdevs) { netdevs_changed(netdevs); });
  log::info("slow path: UMEM of {} frames of {} bytes, AF_XDP in {} mode, injection through {}/{}", _options.umem.frames,
            _options.umem.frame_size, _inject->socket->mode() == xsk_mode::zero_copy ? "zero-copy" : "copy",
            _injection->tx_name(), _injection->rx_name());
}

slow_path::~slow_path() {
  _dp.set_xdp_netdev_listener(nullptr);
  _dp.set_packet_io(nullptr);
  while (!_netdevs.empty()) remove_netdev(_netdevs.begin()->first);
  _dirty.clear();
  _inject.reset();
}

// ---------------------------------------------------------------- sockets

void slow_path::netdevs_changed(const std::map<int, std::string>& xdp_netdevs) {
  std::vector<int> gone;
  for (const auto& [ifindex, state] : _netdevs)
    if (ifindex != _injection->rx_ifindex() && !xdp_netdevs.count(ifindex)) gone.push_back(ifindex);
  for (int ifindex : gone) remove_netdev(ifindex);
  std::erase_if(_waiting, [&](const auto& w) { return !xdp_netdevs.count(w.first); });
  for (const auto& [ifindex, name] : xdp_netdevs)
    if (!_netdevs.count(ifindex)) _waiting.try_emplace(ifindex, waiting_netdev{name, std::chrono::steady_clock::now() + queue_release_wait});
  serve_waiting();
}

void slow_path::serve_waiting() {
  for (auto it = _waiting.begin(); it != _waiting.end();) {
    auto& [ifindex, w] = *it;
    try {
      if (!add_netdev(ifindex, w.name)) {
        if (std::chrono::steady_clock::now() < w.deadline) {
          ++it;
          continue;
        }
        throw std::runtime_error("the RX queues of " + w.name + " stayed taken by another AF_XDP socket");
      }
    } catch (const std::exception& e) {
      // Forwarding goes on without: pcn_pkt_controller() on this netdev drops and counts.
      log::error("slow path: {}: packets for the slow path arriving there are dropped", e.what());
    }
    it = _waiting.erase(it);
  }
}

bool slow_path::add_netdev(int ifindex, const std::string& name) {
  auto free = std::find(_base_slots.begin(), _base_slots.end(), false);
  if (free == _base_slots.end()) throw std::length_error("serve " + name + ": the slow path serves " + std::to_string(PCN_MAX_NETDEVS) + " netdevs at most");
  uint32_t slot = static_cast<uint32_t>(free - _base_slots.begin());
  uint32_t base = slot * PCN_MAX_QUEUES;
  netdev_state state{name, slot, {}};
  uint32_t queues = rx_queues(name);
  int xsks = _dp.framework_map_fd(PCN_MAP_XSKS);
  for (uint32_t q = 0; q < queues; ++q) {
    auto s = std::make_shared<socket_state>();
    try {
      s->socket = std::make_unique<xsk>(*_umem, name, q, true);
    } catch (const std::system_error& e) {
      if (e.code().value() == EBUSY) return false;  // the sockets bound so far close with `state`
      throw;
    }
    uint32_t key = base + q, fd = static_cast<uint32_t>(s->socket->fd());
    if (bpf_map_update_elem(xsks, &key, &fd, BPF_ANY) != 0)
      throw std::system_error(errno, std::system_category(), "register the AF_XDP socket of " + name + " queue " + std::to_string(q));
    state.queues.push_back(std::move(s));
  }
  uint32_t key = static_cast<uint32_t>(ifindex);
  if (bpf_map_update_elem(_dp.framework_map_fd(PCN_MAP_XSK_BASE), &key, &base, BPF_ANY) != 0)
    throw std::system_error(errno, std::system_category(), "register the AF_XDP sockets of " + name);
  *free = true;
  auto& added = _netdevs.emplace(ifindex, std::move(state)).first->second;
  for (auto& s : added.queues) {
    s->quiet = ifindex == _injection->rx_ifindex();
    s->socket->refill(fill_target(*s));
    if (_running) start_loop(s);
  }
  log::debug("slow path: {} AF_XDP socket(s) on {}", added.queues.size(), name);
  return true;
}

void slow_path::remove_netdev(int ifindex) {
  auto it = _netdevs.find(ifindex);
  if (it == _netdevs.end()) return;
  netdev_state& state = it->second;
  // Unregister first: the fast path stops redirecting here, then the sockets close (their
  // loops hold them until they have seen the cancellation).
  uint32_t key = static_cast<uint32_t>(ifindex);
  bpf_map_delete_elem(_dp.framework_map_fd(PCN_MAP_XSK_BASE), &key);
  for (uint32_t q = 0; q < state.queues.size(); ++q) {
    uint32_t k = state.base_slot * PCN_MAX_QUEUES + q;
    bpf_map_delete_elem(_dp.framework_map_fd(PCN_MAP_XSKS), &k);
    state.queues[q]->closed = true;
    if (state.queues[q]->cancel) state.queues[q]->cancel->request_cancel();
  }
  _base_slots[state.base_slot] = false;
  log::debug("slow path: AF_XDP sockets on {} closed", state.name);
  _netdevs.erase(it);
}

uint32_t slow_path::fill_target(const socket_state& s) const noexcept {
  // A fill ring gives frames back only as packets arrive, so what an idle netdev's holds is
  // lost to the others: every socket starts with few and doubles them each time a receive
  // takes a whole batch, up to a thirty-second of the UMEM. xsk::refill keeps all the rings
  // to half the frames; the rest is for packets in handlers and in TX.
  return s.quiet ? quiet_fill : s.fill;
}

void slow_path::grow_fill(socket_state& s, uint32_t received) const noexcept {
  if (s.quiet || received < _options.batch) return;
  uint32_t most = std::clamp<uint32_t>(_options.umem.frames / 32, quiet_fill, _options.umem.ring_size);
  s.fill = std::min(s.fill * 2, most);
}

std::vector<socket_report> slow_path::sockets() const {
  std::vector<socket_report> out;
  auto report = [&out](const std::string& netdev, const socket_state& s) {
    out.push_back({netdev, s.socket->queue(), s.socket->mode(), s.socket->statistics()});
  };
  report(_injection->tx_name(), *_inject);
  for (const auto& [ifindex, state] : _netdevs)
    for (const auto& s : state.queues) report(state.name, *s);
  return out;
}

// ---------------------------------------------------------------- loops

task<void> slow_path::run(cancel_source& stop) {
  cancel_source events, maintenance, flusher;
  _running = true;
  for (auto& [ifindex, state] : _netdevs)
    for (auto& s : state.queues) start_loop(s);
  _loops.spawn(event_loop(events));
  _loops.spawn(maintenance_loop(maintenance));
  _loops.spawn(flush_loop(flusher));
  while (!stop.cancel_requested()) co_await sleep_for(std::chrono::hours(1), &stop);

  _running = false;
  for (auto& [ifindex, state] : _netdevs)
    for (auto& s : state.queues) s->cancel->request_cancel();
  events.request_cancel();
  maintenance.request_cancel();
  flusher.request_cancel();
  if (_flusher) reactor::current().schedule(std::exchange(_flusher, {}));
  co_await _loops.join();
  // Handlers still running hold frames and cubes: let them finish.
  while (_handlers_running > 0) co_await sleep_for(std::chrono::milliseconds(1));
  flush();
}

void slow_path::start_loop(const std::shared_ptr<socket_state>& s) {
  s->cancel = std::make_unique<cancel_source>();
  _loops.spawn(rx_loop(s));
}

task<void> slow_path::rx_loop(std::shared_ptr<socket_state> s) {
  cancel_source& cancel = *s->cancel;
  while (!cancel.cancel_requested()) {
    // Drain what is there before sleeping, a few batches at a time: under load the poll
    // is rarely needed, and the rest of the shard (the API...) still gets its turn.
    int batches = 0;
    while (receive_batch(*s) == _options.batch && !cancel.cancel_requested())
      if (++batches % batches_per_turn == 0) co_await yield_now{};
    if (cancel.cancel_requested()) break;
    if (_options.busy_poll.count() > 0) {
      auto until = clock::now() + _options.busy_poll;
      while (!s->socket->rx_pending() && !cancel.cancel_requested() && clock::now() < until) co_await yield_now{};
      if (s->socket->rx_pending()) continue;
    }
    io_result r = co_await io::poll(s->socket->fd(), POLLIN, {.cancel = &cancel});
    if (r.error() == ECANCELED) break;
    if (!r.ok() || (r.result & (POLLERR | POLLHUP | POLLNVAL))) {
      log::warn("slow path: the AF_XDP socket of {} queue {} failed ({}): closing it", s->socket->netdev(), s->socket->queue(),
                r.ok() ? "POLLERR" : std::system_category().message(r.error()));
      break;
    }
  }
}

uint32_t slow_path::receive_batch(socket_state& s) {
  std::array<xdp_desc, 256> descs;
  uint32_t n = s.socket->receive(std::span(descs.data(), std::min<size_t>(_options.batch, descs.size())));
  frame_pool& pool = _umem->pool();
  for (uint32_t i = 0; i < n; ++i) {
    const xdp_desc& d = descs[i];
    if (d.addr - pool.frame_of(d.addr) < sizeof(pcn_metadata)) {
      ++_counters.malformed;
      pool.release(d.addr);
      continue;
    }
    pcn_metadata md;
    std::memcpy(&md, pool.at(d.addr - sizeof md), sizeof md);
    ++_counters.xdp_packets_in;
    dispatch(hook_family::xdp, packet(pool, d.addr, d.len, md));
  }
  if (n) flush();
  grow_fill(s, n);
  s.socket->refill(fill_target(s));
  return n;
}

task<void> slow_path::event_loop(cancel_source& cancel) {
  int fd = _dp.framework_map_fd(PCN_MAP_EVENTS);
  while (!cancel.cancel_requested()) {
    io_result r = co_await io::poll(fd, POLLIN, {.cancel = &cancel});
    if (r.error() == ECANCELED) break;
    r.value();
    size_t n = _events.consume();
    flush();
    if (_options.busy_poll.count() > 0 && n > 0) {
      auto until = clock::now() + _options.busy_poll;
      while (!cancel.cancel_requested() && clock::now() < until) {
        co_await yield_now{};
        if (_events.consume() > 0) {
          flush();
          until = clock::now() + _options.busy_poll;
        }
      }
    }
  }
}

task<void> slow_path::maintenance_loop(cancel_source& cancel) {
  // Frames come back from TX completions and handlers at any time; a fill ring left empty
  // gets no more RX to refill it from. Both are looked at now and then.
  while (co_await sleep_for(maintenance_period, &cancel)) {
    if (!_waiting.empty()) serve_waiting();
    complete_all();
    for (auto& [ifindex, state] : _netdevs)
      for (auto& s : state.queues) s->socket->refill(fill_target(*s));
    if (!_dirty.empty()) flush();
  }
}

task<void> slow_path::flush_loop(cancel_source& cancel) {
  struct wait_for_work {
    slow_path& self;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept { self._flusher = h; }
    void await_resume() const noexcept {}
  };
  while (!cancel.cancel_requested()) {
    co_await wait_for_work{*this};
    flush();
  }
}

// ---------------------------------------------------------------- packet in

void slow_path::dispatch(hook_family family, packet pkt) {
  dataplane::cube_base* c = _dp.find_cube(family, pkt.metadata().cube);
  if (!c) {
    ++_counters.no_cube;
    return;
  }
  auto& stats = c->_slowpath;
  if (stats.in_flight >= _options.max_in_flight) {
    ++stats.overload_drops;
    return;
  }
  ++stats.packets_in;
  ++stats.in_flight;
  ++_handlers_running;
  // At once, up to its first suspension: most handlers finish here, and their packets
  // join this batch's transmissions.
  resume_chain(run_handler(c, c->packet_in(std::move(pkt))).handle);
}

bool slow_path::run(task<void> work, dataplane::cube_base& owner) {
  if (!_running) return false;
  ++owner._slowpath.in_flight;
  ++_handlers_running;
  resume_chain(run_handler(&owner, std::move(work)).handle);
  return true;
}

slow_path::handler_run slow_path::run_handler(dataplane::cube_base* c, task<void> handler) {
  try {
    co_await std::move(handler);
  } catch (const std::exception& e) {
    if (c->_slowpath.handler_errors++ % 1000 == 0)
      log::error("cube {}: packet_in failed: {} ({} failure(s) so far)", c->name(), e.what(), c->_slowpath.handler_errors);
  } catch (...) {
    if (c->_slowpath.handler_errors++ % 1000 == 0) log::error("cube {}: packet_in failed", c->name());
  }
  --c->_slowpath.in_flight;
  --_handlers_running;
}

// A packet through the ring buffer: every TC packet, and the copies an XDP cube sends
// with pcn_pkt_controller_copy() while the packet itself goes on.
void slow_path::on_ring_packet(const pcn_packet_event& e) {
  if (e.captured < e.length || e.captured > sizeof e.data) {
    ++_counters.malformed;
    return;
  }
  frame_pool& pool = _umem->pool();
  auto frame = pool.allocate();
  if (!frame) {
    ++_counters.no_frame;
    return;
  }
  uint64_t address = *frame + frame_pool::headroom;
  if (e.captured > pool.frame_size() - frame_pool::headroom) {
    pool.release(address);
    ++_counters.malformed;
    return;
  }
  std::memcpy(pool.at(address), e.data, e.captured);
  pcn_metadata md = e.metadata;
  md.cube = e.header.cube;
  ++_counters.tc_packets_in;
  dispatch(e.header.family == PCN_FAMILY_TC ? hook_family::tc : hook_family::xdp, packet(pool, address, e.captured, md));
}

void slow_path::on_log(const pcn_log_event& e) {
  auto level = static_cast<log::level>(std::min<uint32_t>(e.level, static_cast<uint32_t>(log::level::critical)));
  if (!log::enabled(level)) return;
  auto* c = _dp.find_cube(e.header.family == PCN_FAMILY_TC ? hook_family::tc : hook_family::xdp, e.header.cube);
  std::string cube = c ? c->name() : "slot " + std::to_string(e.header.cube);
  log::at(level, "cube {}: {}", cube, format_fastpath_log(e));
}

void slow_path::on_notify(const pcn_notify_event& e) {
  auto* c = _dp.find_cube(e.header.family == PCN_FAMILY_TC ? hook_family::tc : hook_family::xdp, e.header.cube);
  if (!c) {
    ++_counters.no_cube;
    return;
  }
  try {
    c->on_notify({e.header.port, e.reason, {e.data[0], e.data[1], e.data[2]}});
  } catch (const std::exception& ex) {
    log::error("cube {}: on_notify failed: {}", c->name(), ex.what());
  }
}

// ---------------------------------------------------------------- packet out

std::shared_ptr<slow_path::socket_state> slow_path::tx_socket(hook_family family, const pcn_hop& target) {
  if (family == hook_family::xdp && target.kind == PCN_HOP_NETDEV) {
    auto it = _netdevs.find(static_cast<int>(target.target));
    if (it != _netdevs.end() && !it->second.queues.empty()) return it->second.queues.front();
  }
  return _inject;
}

task<void> slow_path::send(packet pkt, pcn_hop target, dataplane::cube_base& from) {
  if (!pkt) co_return;
  if (target.kind == PCN_HOP_DROP || target.kind == PCN_HOP_STACK) {
    // STACK: going on in the kernel of another netdev is not something the slow path can
    // do from its own device; no port's lane starts with it.
    ++from._slowpath.out_drops;
    co_return;
  }
  hook_family family = from.family();
  if (family == hook_family::tc && target.kind == PCN_HOP_NETDEV) {
    // Out of a netdev from a TC cube: through its egress hook (its transparent cubes) to
    // the wire, as bpf_redirect() goes; the frame waits for the batch's sendmmsg.
    _raw_queue.push_back({pkt.address(), pkt.size(), static_cast<int>(target.target)});
    pkt.hand_over();
    ++from._slowpath.packets_out;
    ++_counters.sent_direct;
    if (_flusher) reactor::current().schedule(std::exchange(_flusher, {}));
    co_return;
  }
  std::shared_ptr<socket_state> out = tx_socket(family, target);
  if (out == _inject) {
    if (!pkt.push_front(sizeof(pcn_inject_header))) {
      ++from._slowpath.out_drops;
      co_return;
    }
    pcn_inject_header h{};
    h.magic = PCN_INJECT_MAGIC;
    h.family = family == hook_family::xdp ? PCN_FAMILY_XDP : PCN_FAMILY_TC;
    h.hop = target;
    std::memcpy(pkt.data().data(), &h, sizeof h);
  }
  // A full TX ring: have the kernel take what is queued, else wait a little for room.
  for (int attempt = 0; !out->socket->transmit(pkt.address(), pkt.size()); ++attempt) {
    if (out->closed || attempt == max_tx_waits) {
      ++from._slowpath.out_drops;
      co_return;
    }
    mark_dirty(*out);
    flush();
    if (attempt > 0) co_await io::poll(out->socket->fd(), POLLOUT, {.timeout = std::chrono::milliseconds(1)});
  }
  pkt.hand_over();
  ++from._slowpath.packets_out;
  ++(out == _inject ? _counters.sent_injected : _counters.sent_direct);
  mark_dirty(*out);
}

packet slow_path::allocate(std::span<const uint8_t> frame) {
  frame_pool& pool = _umem->pool();
  if (frame.size() > pool.frame_size() - frame_pool::headroom) return {};
  auto f = pool.allocate();
  if (!f) {
    ++_counters.no_frame;
    return {};
  }
  uint64_t address = *f + frame_pool::headroom;
  std::memcpy(pool.at(address), frame.data(), frame.size());
  return packet(pool, address, static_cast<uint32_t>(frame.size()), pcn_metadata{});
}

void slow_path::mark_dirty(socket_state& s) {
  if (s.dirty) return;
  s.dirty = true;
  _dirty.push_back(s.shared_from_this());
  if (_flusher) reactor::current().schedule(std::exchange(_flusher, {}));
}

void slow_path::send_raw() {
  frame_pool& pool = _umem->pool();
  constexpr size_t chunk = 64;
  std::array<mmsghdr, chunk> messages;
  std::array<iovec, chunk> bytes;
  std::array<sockaddr_ll, chunk> to;
  for (size_t done = 0; done < _raw_queue.size();) {
    size_t n = std::min(chunk, _raw_queue.size() - done);
    for (size_t i = 0; i < n; ++i) {
      const raw_frame& f = _raw_queue[done + i];
      bytes[i] = {pool.at(f.address), f.length};
      to[i] = {};
      to[i].sll_family = AF_PACKET;
      to[i].sll_ifindex = f.ifindex;
      if (f.length >= 14) std::memcpy(&to[i].sll_protocol, pool.at(f.address + 12), 2);  // the ethertype
      messages[i] = {};
      messages[i].msg_hdr.msg_name = &to[i];
      messages[i].msg_hdr.msg_namelen = sizeof to[i];
      messages[i].msg_hdr.msg_iov = &bytes[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = ::sendmmsg(_raw.get(), messages.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    ++_counters.kicks;
    // sendmmsg stops at the first refusal (a netdev gone, no buffer): those are dropped.
    _counters.send_failures += n - static_cast<size_t>(std::max(sent, 0));
    done += n;
  }
  for (const raw_frame& f : _raw_queue) pool.release(f.address);  // the kernel copied them
  _raw_queue.clear();
}

void slow_path::flush() {
  if (!_raw_queue.empty()) send_raw();
  bool progress = false;
  for (auto& s : _dirty) {
    s->dirty = false;
    if (s->closed) continue;
    // In copy mode a kick transmits a bounded batch and says EAGAIN while more is queued.
    int err = 0;
    for (int i = 0; i < kicks_per_flush && s->socket->tx_pending(); ++i) {
      ++_counters.kicks;
      if ((err = s->socket->kick()) != 0 && err != EAGAIN) break;
    }
    if (err != 0 && err != EAGAIN && !retry_later(err)) {
      ++_counters.send_failures;
      log::debug("slow path: transmit on {}: {}", s->socket->netdev(), std::system_category().message(err));
    }
    if (s->socket->tx_pending()) {
      s->dirty = true;
      progress |= err == 0 || err == EAGAIN;
    }
  }
  std::erase_if(_dirty, [](const auto& s) { return !s->dirty; });
  complete_all();
  // A backlog the kernel is taking: go on after what is ready to run now. One it refuses
  // (a full device queue, no memory) waits for the maintenance loop.
  if (progress && _flusher) reactor::current().schedule(std::exchange(_flusher, {}));
}

void slow_path::complete_all() {
  _inject->socket->complete();
  for (auto& [ifindex, state] : _netdevs)
    for (auto& s : state.queues) s->socket->complete();
}

task<void> slow_path::retire(const dataplane::cube_base& c) {
  while (c._slowpath.in_flight > 0) co_await sleep_for(std::chrono::milliseconds(1));
}

}  // namespace pcn::slowpath
