#pragma once
// The frames of one shard's UMEM: a fixed area cut into equal frames, addressed by their
// offset in the area (what AF_XDP descriptors carry), and the stack of free ones. Frames
// circulate between this pool, the kernel (fill and TX rings) and packets in userspace.
// One shard's; not thread-safe.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace pcn::slowpath {

class frame_pool {
 public:
  // Where data starts in a frame that userspace fills itself (as the kernel does on RX):
  // room in front for headers a handler pushes, and for the injection header.
  static constexpr uint32_t headroom = 256;

  frame_pool(std::byte* area, uint32_t frame_size, uint32_t frames) : _area(area), _frame_size(frame_size), _frames(frames) {
    _free.reserve(frames);
    for (uint32_t i = frames; i-- > 0;) _free.push_back(uint64_t{i} * frame_size);
  }
  frame_pool(const frame_pool&) = delete;
  frame_pool& operator=(const frame_pool&) = delete;

  // A free frame's address (its start), or nothing when every frame is in use.
  std::optional<uint64_t> allocate() noexcept {
    if (_free.empty()) return std::nullopt;
    uint64_t a = _free.back();
    _free.pop_back();
    return a;
  }
  // Gives back the frame holding `address` (any address inside it).
  void release(uint64_t address) noexcept { _free.push_back(frame_of(address)); }

  uint64_t frame_of(uint64_t address) const noexcept { return address - address % _frame_size; }
  std::byte* at(uint64_t address) const noexcept { return _area + address; }
  std::byte* area() const noexcept { return _area; }
  uint32_t frame_size() const noexcept { return _frame_size; }
  uint32_t frames() const noexcept { return _frames; }
  size_t available() const noexcept { return _free.size(); }

 private:
  std::byte* _area;
  uint32_t _frame_size;
  uint32_t _frames;
  std::vector<uint64_t> _free;  // reserved for every frame: release never allocates
};

}  // namespace pcn::slowpath
