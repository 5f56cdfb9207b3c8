#include "reactor/engine.hpp"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <string>

#include "base/log.hpp"

namespace pcn {
namespace {

std::atomic<engine*> g_engine{nullptr};

void pin_to_cpu(unsigned shard) {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  int count = CPU_COUNT(&allowed);
  if (count <= 0) return;
  int wanted = static_cast<int>(shard % static_cast<unsigned>(count));
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    if (wanted-- == 0) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      if (int rc = pthread_setaffinity_np(pthread_self(), sizeof one, &one); rc != 0)
        log::warn("shard {}: cannot pin to CPU {}: {}", shard, cpu, std::system_category().message(rc));
      return;
    }
  }
}

void log_missing_features(const reactor& r) {
  for (const auto& what : r.features().missing) log::warn("shard {}: io_uring lacks {}", r.shard_id(), what);
}

}  // namespace

engine::engine(options opts) : _options(opts) {
  if (opts.shards == 0) throw std::invalid_argument("engine: at least one shard is needed");
  engine* expected = nullptr;
  if (!g_engine.compare_exchange_strong(expected, this)) throw std::logic_error("engine: one engine per process");
  _reactors.resize(opts.shards);
  try {
    _reactors[0] = std::make_unique<reactor>(0);
  } catch (...) {
    g_engine.store(nullptr);
    throw;
  }
  log_missing_features(*_reactors[0]);
}

engine::~engine() {
  for (auto& t : _threads)
    if (t.joinable()) t.join();
  _reactors.clear();
  g_engine.store(nullptr);
}

engine& engine::instance() {
  engine* e = g_engine.load();
  if (!e) throw std::logic_error("no engine is running");
  return *e;
}

void engine::run_main(task<void> main) {
  // Threads started here inherit the calling thread's signal mask: callers that wait for
  // signals through a signalfd block them before constructing the engine.
  std::latch ready(static_cast<std::ptrdiff_t>(_reactors.size()));
  for (unsigned n = 1; n < _reactors.size(); ++n) {
    _threads.emplace_back([this, n, &ready] {
      log::set_thread_tag("shard " + std::to_string(n));
      if (_options.pin_threads) pin_to_cpu(n);
      try {
        _reactors[n] = std::make_unique<reactor>(n);
      } catch (...) {
        _start_error = std::current_exception();  // written before count_down: visible after wait
        ready.count_down();
        return;
      }
      ready.count_down();
      _reactors[n]->run();
    });
  }
  if (_options.pin_threads) pin_to_cpu(0);
  if (_options.shards > 1) log::set_thread_tag("shard 0");
  ready.count_down();
  ready.wait();
  reactor& home = *_reactors[0];
  // When a shard failed to start, main does not run: the shards that did start are stopped.
  auto whole = [](engine* self, task<void> m, bool run_main) -> task<void> {
    if (run_main) co_await std::move(m);
    co_await self->shut_down();
  };
  task<void> t = whole(this, std::move(main), !_start_error);
  home.schedule(t.handle());
  home.run();
  for (auto& th : _threads) th.join();
  _threads.clear();
  if (_start_error) std::rethrow_exception(_start_error);
}

task<void> engine::shut_down() {
  for (unsigned n = 1; n < _reactors.size(); ++n) {
    if (!_reactors[n]) continue;
    co_await switch_to(n);
    co_await reactor::current().background().join();
    reactor::current().request_stop();
    co_await switch_to(0);
  }
  co_await reactor::current().background().join();
  reactor::current().request_stop();
}

}  // namespace pcn
