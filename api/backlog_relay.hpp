#pragma once
// A live HTTP stream fed by a stream_backlog (reactor/stream_backlog.hpp) that lives on
// another shard — a capture's copies, a trace's hops. The relay runs on the connection's
// shard: it opens the backlog on its home shard, takes its batches there and writes them
// to the client, until the backlog ends or the client goes; then it closes the backlog.
// A client slower than the producer only makes the backlog drop (counted): the relay never
// holds the producer up.
#include <functional>
#include <memory>
#include <string>

#include "api/http.hpp"
#include "reactor/stream_backlog.hpp"

namespace pcn::api {

struct backlog_source {
  // What to stream, opened on the home shard; a null backlog ends the stream at once, after
  // `refusal` (e.g. a line saying why) is sent.
  struct opened {
    std::shared_ptr<stream_backlog> backlog;
    std::string refusal;
  };
  unsigned home = 0;
  std::function<opened()> open;
  // On the home shard before each batch is taken (e.g. to end a backlog whose source is
  // gone); may be empty.
  std::function<void()> before_take;
  // On the home shard, once, when the stream ends for whatever reason.
  std::function<void(const std::shared_ptr<stream_backlog>&)> close;
};

task<void> relay_backlog(backlog_source source, body_stream& out);

}  // namespace pcn::api
