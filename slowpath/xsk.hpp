#pragma once
// AF_XDP through libxdp's xsk API: one UMEM per shard (an mmap'ed area cut into frames,
// see frame_pool.hpp) and the sockets that share it, one per (netdev, RX queue).
//
// The first socket bound to a UMEM owns it (its fd registered the memory) and fixes the
// mode of all (the kernel refuses mode flags on a socket that shares a UMEM): copy mode
// with need_wakeup here, because the owner is the slow path's injection veth, which has no
// zero-copy. Sockets on other netdevs or queues share the UMEM with fill and completion
// rings of their own. A socket only moves descriptors; what the frames hold and where they
// go is the slow path's business.
#include <linux/if_xdp.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "slowpath/frame_pool.hpp"

struct xsk_umem;
struct xsk_socket;
struct xsk_ring_prod;
struct xsk_ring_cons;

namespace pcn::slowpath {

struct umem_options {
  // 32 MiB: deep enough to take a burst at line rate while the shard catches up. A frame
  // holds 2048 - frame_pool::headroom bytes of packet: an Ethernet frame of MTU 1500.
  uint32_t frames = 16384;
  uint32_t frame_size = 2048;  // a power of two from 2048 to the page size
  uint32_t ring_size = 8192;   // of every ring (fill, completion, RX, TX)
};

class umem {
 public:
  explicit umem(umem_options options = {});
  ~umem();
  umem(const umem&) = delete;
  umem& operator=(const umem&) = delete;

  frame_pool& pool() noexcept { return *_pool; }
  const umem_options& options() const noexcept { return _options; }

 private:
  friend class xsk;
  // Which socket holds each frame (in its fill or TX ring, 1 + its id; 0: none), so that
  // a closed socket's frames come back to the pool.
  void lend(uint64_t address, uint16_t socket) noexcept { _lent_to[address / _options.frame_size] = static_cast<uint16_t>(socket + 1); }
  void take_back(uint64_t address) noexcept { _lent_to[address / _options.frame_size] = 0; }
  void reclaim(uint16_t socket) noexcept;
  uint16_t new_socket_id();

  umem_options _options;
  std::byte* _area = nullptr;
  size_t _size = 0;
  std::unique_ptr<frame_pool> _pool;
  xsk_umem* _umem = nullptr;
  // The rings libxdp creates with the UMEM; the first socket takes them over.
  std::unique_ptr<xsk_ring_prod> _fill;
  std::unique_ptr<xsk_ring_cons> _completion;
  bool _owned = false;  // a socket took the UMEM's own rings
  std::vector<uint16_t> _lent_to;  // per frame
  std::vector<bool> _socket_ids;   // in use
};

enum class xsk_mode { copy, zero_copy };

class xsk {
 public:
  // Binds a socket to the netdev's queue (with an RX ring when `with_rx`; every socket has
  // a TX ring). Throws std::system_error saying which netdev and queue.
  xsk(umem& u, const std::string& netdev, uint32_t queue, bool with_rx);
  ~xsk();
  xsk(const xsk&) = delete;
  xsk& operator=(const xsk&) = delete;

  int fd() const noexcept;
  const std::string& netdev() const noexcept { return _netdev; }
  uint32_t queue() const noexcept { return _queue; }
  // What the kernel says it runs in (XDP_OPTIONS).
  xsk_mode mode() const noexcept { return _mode; }

  // ---- RX ----
  // Takes up to out.size() received descriptors off the RX ring (their frames are the
  // caller's now); returns how many.
  uint32_t receive(std::span<xdp_desc> out) noexcept;
  // Tops the fill ring up to `target` frames from the pool; returns how many it gave.
  uint32_t refill(uint32_t target) noexcept;
  // Frames the kernel holds for RX now.
  uint32_t filled() const noexcept;
  // Whether received descriptors wait in the RX ring.
  bool rx_pending() const noexcept;

  // ---- TX ----
  // Queues one frame for transmission; false when the TX ring is full.
  bool transmit(uint64_t address, uint32_t length) noexcept;
  // Whether descriptors wait in the TX ring for the kernel.
  bool tx_pending() const noexcept;
  // Asks the kernel to transmit what is queued (in copy mode it sends a bounded batch per
  // call). Returns 0 or the errno; EAGAIN/EBUSY/ENOBUFS mean "try again later".
  int kick() noexcept;
  // Gives the frames the kernel has finished sending back to the pool; returns how many.
  uint32_t complete() noexcept;

  // The kernel's drop counters for this socket (XDP_STATISTICS).
  xdp_statistics statistics() const noexcept;

 private:
  umem* _umem;
  uint16_t _id;
  std::string _netdev;
  uint32_t _queue;
  xsk_mode _mode = xsk_mode::copy;
  xsk_socket* _socket = nullptr;
  std::unique_ptr<xsk_ring_cons> _rx;
  std::unique_ptr<xsk_ring_prod> _tx;
  std::unique_ptr<xsk_ring_prod> _own_fill;       // null for the UMEM's owner, which uses
  std::unique_ptr<xsk_ring_cons> _own_completion; // the UMEM's rings
  xsk_ring_prod* _fill = nullptr;
  xsk_ring_cons* _completion = nullptr;
};

}  // namespace pcn::slowpath
