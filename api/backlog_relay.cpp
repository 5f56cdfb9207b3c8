#include "api/backlog_relay.hpp"

#include <chrono>

#include "reactor/engine.hpp"

namespace pcn::api {
namespace {

using namespace std::chrono_literals;

// How long the relay waits on the home shard for data before it looks at its client again.
constexpr auto poll_interval = 200ms;

task<stream_backlog::batch> next_batch(std::shared_ptr<stream_backlog> backlog, const std::function<void()>* before_take) {
  co_await backlog->wait(poll_interval);
  if (*before_take) (*before_take)();
  co_return backlog->take();
}

}  // namespace

// The functions handed to on_shard are named variables, moved: GCC 12 destroys a lambda
// temporary in a co_await expression twice.
task<void> relay_backlog(backlog_source source, body_stream& out) {
  auto open = [&source] { return source.open(); };
  backlog_source::opened opened = co_await on_shard(source.home, std::move(open));
  if (!opened.backlog) {
    if (!opened.refusal.empty()) co_await out.write(opened.refusal);
    co_return;
  }
  std::shared_ptr<stream_backlog> backlog = std::move(opened.backlog);
  const std::function<void()>* before_take = &source.before_take;
  for (;;) {
    auto take = [backlog, before_take] { return next_batch(backlog, before_take); };
    stream_backlog::batch b = co_await on_shard(source.home, std::move(take));
    if (!b.bytes.empty() && !co_await out.write(b.bytes)) break;
    if (b.ended || out.closed().cancel_requested()) break;
  }
  auto close = [&source, backlog] { source.close(backlog); };
  co_await on_shard(source.home, std::move(close));
}

}  // namespace pcn::api
