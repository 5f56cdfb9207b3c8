#include "slowpath/xsk.hpp"

#include <sys/mman.h>
#include <sys/socket.h>
#include <xdp/xsk.h>

#include <algorithm>
#include <system_error>

#include "base/log.hpp"

namespace pcn::slowpath {
namespace {

// From linux/if_xdp.h of Linux 6.17, newer than the headers here.
constexpr int xdp_max_tx_skb_budget = 9;

[[noreturn]] void fail(int err, const std::string& what) { throw std::system_error(err, std::system_category(), what); }

}  // namespace

umem::umem(umem_options options)
    : _options(options), _fill(std::make_unique<xsk_ring_prod>()), _completion(std::make_unique<xsk_ring_cons>()) {
  _size = size_t{_options.frames} * _options.frame_size;
  void* area = ::mmap(nullptr, _size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (area == MAP_FAILED) fail(errno, "map " + std::to_string(_size >> 20) + " MiB for the slow path's UMEM");
  _area = static_cast<std::byte*>(area);
  xsk_umem_config config{};
  config.fill_size = _options.ring_size;
  config.comp_size = _options.ring_size;
  config.frame_size = _options.frame_size;
  config.frame_headroom = 0;
  if (int rc = xsk_umem__create(&_umem, _area, _size, _fill.get(), _completion.get(), &config); rc != 0) {
    ::munmap(_area, _size);
    fail(-rc, "register the slow path's UMEM (" + std::to_string(_options.frames) + " frames of " + std::to_string(_options.frame_size) + " bytes)");
  }
  _pool = std::make_unique<frame_pool>(_area, _options.frame_size, _options.frames);
  _lent_to.assign(_options.frames, 0);
}

umem::~umem() {
  if (int rc = xsk_umem__delete(_umem); rc != 0) log::error("slow path: releasing the UMEM: {}", std::system_category().message(-rc));
  ::munmap(_area, _size);
}

uint16_t umem::new_socket_id() {
  auto free = std::find(_socket_ids.begin(), _socket_ids.end(), false);
  if (free != _socket_ids.end()) {
    *free = true;
    return static_cast<uint16_t>(free - _socket_ids.begin());
  }
  if (_socket_ids.size() >= 0xfffe) throw std::length_error("too many AF_XDP sockets on one UMEM");
  _socket_ids.push_back(true);
  return static_cast<uint16_t>(_socket_ids.size() - 1);
}

void umem::reclaim(uint16_t socket) noexcept {
  for (size_t i = 0; i < _lent_to.size(); ++i)
    if (_lent_to[i] == socket + 1) {
      _lent_to[i] = 0;
      _pool->release(uint64_t{i} * _options.frame_size);
    }
  _socket_ids[socket] = false;
}

xsk::xsk(umem& u, const std::string& netdev, uint32_t queue, bool with_rx)
    : _umem(&u), _id(u.new_socket_id()), _netdev(netdev), _queue(queue), _tx(std::make_unique<xsk_ring_prod>()) {
  if (with_rx) _rx = std::make_unique<xsk_ring_cons>();
  bool owner = !u._owned;
  if (owner) {
    _fill = u._fill.get();
    _completion = u._completion.get();
  } else {
    _own_fill = std::make_unique<xsk_ring_prod>();
    _own_completion = std::make_unique<xsk_ring_cons>();
    _fill = _own_fill.get();
    _completion = _own_completion.get();
  }
  xsk_socket_config config{};
  config.rx_size = with_rx ? u._options.ring_size : 0;
  config.tx_size = u._options.ring_size;
  config.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;  // the framework's programs redirect to it
  config.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;         // the owner's; sharers inherit them
  int rc = xsk_socket__create_shared(&_socket, netdev.c_str(), queue, u._umem, _rx.get(), _tx.get(), _fill, _completion, &config);
  if (rc != 0) {
    u._socket_ids[_id] = false;
    fail(-rc, "bind an AF_XDP socket to " + netdev + " queue " + std::to_string(queue));
  }
  if (owner) u._owned = true;
  // Copy mode transmits 32 descriptors per kick unless told more (Linux 6.17), and no more
  // than the socket's send buffer holds in skbs: raise both, best effort.
  unsigned budget = u._options.ring_size / 4;
  ::setsockopt(fd(), SOL_XDP, xdp_max_tx_skb_budget, &budget, sizeof budget);
  int sndbuf = 8 << 20;
  ::setsockopt(fd(), SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);
  xdp_options opts{};
  socklen_t len = sizeof opts;
  if (::getsockopt(fd(), SOL_XDP, XDP_OPTIONS, &opts, &len) == 0 && (opts.flags & XDP_OPTIONS_ZEROCOPY)) _mode = xsk_mode::zero_copy;
}

xsk::~xsk() {
  // Closing unbinds: the kernel touches none of the rings afterwards, so every frame it
  // still held (fill ring, TX not completed, RX not read) comes back to the pool.
  xsk_socket__delete(_socket);
  _umem->reclaim(_id);
}

int xsk::fd() const noexcept { return xsk_socket__fd(_socket); }

uint32_t xsk::receive(std::span<xdp_desc> out) noexcept {
  uint32_t index = 0;
  uint32_t n = xsk_ring_cons__peek(_rx.get(), static_cast<uint32_t>(out.size()), &index);
  for (uint32_t i = 0; i < n; ++i) {
    out[i] = *xsk_ring_cons__rx_desc(_rx.get(), index + i);
    _umem->take_back(out[i].addr);
  }
  if (n) xsk_ring_cons__release(_rx.get(), n);
  return n;
}

uint32_t xsk::filled() const noexcept {
  return _umem->_options.ring_size - xsk_prod_nb_free(_fill, _umem->_options.ring_size);
}

bool xsk::rx_pending() const noexcept { return _rx && xsk_cons_nb_avail(_rx.get(), 1) > 0; }

uint32_t xsk::refill(uint32_t target) noexcept {
  uint32_t have = filled();
  if (have >= target) return 0;
  // The fill rings together hold half the frames at most, whatever the order sockets came
  // in and their targets then: the other half is for packets in handlers (and those they
  // originate) and in TX.
  const frame_pool& pool = _umem->pool();
  size_t spare = pool.available() > pool.frames() / 2 ? pool.available() - pool.frames() / 2 : 0;
  uint32_t want = static_cast<uint32_t>(std::min<size_t>(target - have, spare));
  uint32_t index = 0;
  if (want == 0 || xsk_ring_prod__reserve(_fill, want, &index) != want) return 0;
  for (uint32_t i = 0; i < want; ++i) {
    uint64_t frame = *_umem->pool().allocate();
    _umem->lend(frame, _id);
    *xsk_ring_prod__fill_addr(_fill, index + i) = frame;
  }
  xsk_ring_prod__submit(_fill, want);
  if (xsk_ring_prod__needs_wakeup(_fill)) ::recvfrom(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
  return want;
}

bool xsk::transmit(uint64_t address, uint32_t length) noexcept {
  uint32_t index = 0;
  if (xsk_ring_prod__reserve(_tx.get(), 1, &index) != 1) return false;
  xdp_desc* d = xsk_ring_prod__tx_desc(_tx.get(), index);
  d->addr = address;
  d->len = length;
  d->options = 0;
  _umem->lend(address, _id);
  xsk_ring_prod__submit(_tx.get(), 1);
  return true;
}

bool xsk::tx_pending() const noexcept {
  return xsk_prod_nb_free(_tx.get(), _umem->_options.ring_size) < _umem->_options.ring_size;
}

int xsk::kick() noexcept {
  if (!xsk_ring_prod__needs_wakeup(_tx.get())) return 0;
  if (::sendto(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, 0) >= 0) return 0;
  return errno;
}

uint32_t xsk::complete() noexcept {
  uint32_t index = 0;
  uint32_t n = xsk_ring_cons__peek(_completion, _umem->_options.ring_size, &index);
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t address = *xsk_ring_cons__comp_addr(_completion, index + i);
    _umem->take_back(address);
    _umem->pool().release(address);
  }
  if (n) xsk_ring_cons__release(_completion, n);
  return n;
}

xdp_statistics xsk::statistics() const noexcept {
  xdp_statistics stats{};
  socklen_t len = sizeof stats;
  ::getsockopt(fd(), SOL_XDP, XDP_STATISTICS, &stats, &len);
  return stats;
}

}  // namespace pcn::slowpath
