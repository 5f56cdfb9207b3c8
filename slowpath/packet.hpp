#pragma once
// A packet in the slow path: a view of one frame of the shard's UMEM (no copy), with the
// metadata the fast path sent along (bpf/pcn_abi.h: reason, in_port or direction,
// data[0..2]). XDP packets are the frames AF_XDP received into; TC packets are copied
// into a frame from the ring buffer once, on arrival.
//
// Move-only. Destroying (or release()-ing) a packet gives its frame back to the pool;
// sending it (port::send) hands the frame to the kernel, which gives it back once sent.
// clone() copies it into a new frame, e.g. to send it out of several ports.
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>

#include "bpf/pcn_abi.h"
#include "dataplane/types.hpp"
#include "slowpath/frame_pool.hpp"

namespace pcn::slowpath {

class packet {
 public:
  packet() noexcept = default;
  // The `length` bytes at `address` of `pool`'s area, in the frame this packet now owns.
  packet(frame_pool& pool, uint64_t address, uint32_t length, const pcn_metadata& md) noexcept
      : _pool(&pool), _address(address), _length(length), _md(md) {}
  packet(packet&& o) noexcept : _pool(std::exchange(o._pool, nullptr)), _address(o._address), _length(o._length), _md(o._md) {}
  packet& operator=(packet&& o) noexcept {
    if (this != &o) {
      release();
      _pool = std::exchange(o._pool, nullptr);
      _address = o._address;
      _length = o._length;
      _md = o._md;
    }
    return *this;
  }
  packet(const packet&) = delete;
  packet& operator=(const packet&) = delete;
  ~packet() { release(); }

  // False once released, sent or moved from.
  explicit operator bool() const noexcept { return _pool != nullptr; }

  // The frame from its Ethernet header.
  std::span<uint8_t> data() noexcept { return {bytes(), _length}; }
  std::span<const uint8_t> data() const noexcept { return {bytes(), _length}; }
  uint32_t size() const noexcept { return _length; }

  // What the fast path said: md.in_port (standard cubes), md.direction (transparent cubes),
  // md.reason and md.data[0..2] as given to pcn_pkt_controller[_md]().
  const pcn_metadata& metadata() const noexcept { return _md; }
  uint16_t in_port() const noexcept { return _md.in_port; }
  dataplane::direction direction() const noexcept {
    return _md.direction == PCN_EGRESS ? dataplane::direction::egress : dataplane::direction::ingress;
  }
  uint8_t reason() const noexcept { return _md.reason; }

  // Room left in the frame before the data (for headers pushed in front) and after it.
  uint32_t headroom() const noexcept { return static_cast<uint32_t>(_address - _pool->frame_of(_address)); }
  uint32_t tailroom() const noexcept { return _pool->frame_size() - headroom() - _length; }
  // Grows the packet by n bytes at its head (their content is undefined); false, and
  // nothing changes, without that much headroom.
  bool push_front(uint32_t n) noexcept {
    if (n > headroom()) return false;
    _address -= n;
    _length += n;
    return true;
  }
  // Removes n bytes from its head; false if it has fewer.
  bool pull_front(uint32_t n) noexcept {
    if (n > _length) return false;
    _address += n;
    _length -= n;
    return true;
  }
  // Sets its length (new tail bytes are undefined); false beyond the frame.
  bool resize(uint32_t length) noexcept {
    if (length > _length + tailroom()) return false;
    _length = length;
    return true;
  }

  // A copy in a frame of its own, with the same metadata; an empty packet when every
  // frame of the pool is in use.
  packet clone() const noexcept {
    auto frame = _pool->allocate();
    if (!frame) return {};
    uint64_t address = *frame + frame_pool::headroom;
    std::memcpy(_pool->at(address), _pool->at(_address), _length);
    return packet(*_pool, address, _length, _md);
  }

  // Gives the frame back now.
  void release() noexcept {
    if (_pool) std::exchange(_pool, nullptr)->release(_address);
  }

  // For the slow path: where the bytes are in the UMEM (a descriptor's address), and
  // giving up the frame to the kernel, which returns it through a completion ring.
  uint64_t address() const noexcept { return _address; }
  frame_pool* pool() const noexcept { return _pool; }
  void hand_over() noexcept { _pool = nullptr; }

 private:
  uint8_t* bytes() const noexcept { return reinterpret_cast<uint8_t*>(_pool->at(_address)); }

  frame_pool* _pool = nullptr;
  uint64_t _address = 0;
  uint32_t _length = 0;
  pcn_metadata _md{};
};

}  // namespace pcn::slowpath
