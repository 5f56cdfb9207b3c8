#pragma once
// Bytes produced on a shard for one reader that takes them in batches — the chunks of a live
// HTTP stream (a capture, a trace). Bounded: what does not fit is dropped and counted, so a
// slow reader loses data instead of holding the producer up. The reader's wait ends early
// when something arrives or the producer ends the stream. Lives on one shard.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "reactor/cancel.hpp"
#include "reactor/reactor.hpp"
#include "reactor/task.hpp"

namespace pcn {

class stream_backlog {
 public:
  explicit stream_backlog(size_t limit) : _limit(limit) {}

  // Whether `bytes` more fit; when they do not, the data is counted as dropped.
  bool make_room(size_t bytes) {
    if (_pending.size() + bytes <= _limit) return true;
    ++_drops;
    return false;
  }
  void push(std::string_view bytes) {
    _pending.append(bytes);
    wake();
  }

  // What is pending (emptied), and whether the stream has ended.
  struct batch {
    std::string bytes;
    bool ended = false;
  };
  batch take() { return {std::exchange(_pending, {}), _ended}; }

  // Until something is pending, the stream ends, or `timeout`.
  task<void> wait(clock::duration timeout) {
    if (!_pending.empty() || _ended) co_return;
    cancel_source woken;
    _waiting = &woken;
    co_await sleep_for(timeout, &woken);
    if (_waiting == &woken) _waiting = nullptr;
  }

  void end() {
    _ended = true;
    wake();
  }
  bool ended() const { return _ended; }
  uint64_t drops() const { return _drops; }

 private:
  void wake() {
    if (cancel_source* w = std::exchange(_waiting, nullptr)) w->request_cancel();
  }

  size_t _limit;
  std::string _pending;
  bool _ended = false;
  uint64_t _drops = 0;
  cancel_source* _waiting = nullptr;  // the reader's wait, to end it early
};

}  // namespace pcn
