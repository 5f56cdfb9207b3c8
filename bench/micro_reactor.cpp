// What the reactor's building blocks cost: creating and awaiting a task, a chain of
// awaits, a turn of the loop, a timer, a call to another shard. Each benchmark's timed
// loop runs inside a coroutine on a fresh engine, as real code does.
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "base/unique_fd.hpp"
#include "reactor/engine.hpp"
#include "reactor/reactor.hpp"

namespace pcn {
namespace {

using namespace std::chrono_literals;

// Runs body(state) as the main task of an engine with `shards` shards pinned to CPUs, as
// polycubed's are; the calling thread (shard 0) gets its CPU mask back afterwards.
void on_engine(benchmark::State& state, unsigned shards, task<void> (*body)(benchmark::State&)) {
  cpu_set_t mask;
  bool saved = ::sched_getaffinity(0, sizeof mask, &mask) == 0;
  {
    engine e({.shards = shards, .pin_threads = true});
    e.run(body(state));
  }
  if (saved) ::sched_setaffinity(0, sizeof mask, &mask);
}

task<int> trivial(int v) { co_return v; }

task<int> chain(int depth) {
  if (depth == 0) co_return 0;
  co_return 1 + co_await chain(depth - 1);
}

task<void> create_and_await(benchmark::State& state) {
  int sum = 0;
  for (auto _ : state) sum += co_await trivial(1);
  benchmark::DoNotOptimize(sum);
}

task<void> await_chain(benchmark::State& state) {
  int depth = static_cast<int>(state.range(0));
  for (auto _ : state) {
    int n = co_await chain(depth);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * depth);  // items: awaits
}

// One turn of the loop: scheduled, then resumed after a submit-and-reap of the ring.
task<void> loop_turn(benchmark::State& state) {
  for (auto _ : state) co_await yield_now();
}

// A timer inserted, found expired on the next turn, its waiter resumed.
task<void> sleep_zero(benchmark::State& state) {
  for (auto _ : state) co_await sleep_for(clock::duration::zero());
}

// add_timer + cancel_timer with range(0) other timers pending. cancel_timer schedules the
// waiter (a no-op here): every 256 iterations the loop turns once to run them.
task<void> timer_insert_cancel(benchmark::State& state) {
  reactor& r = reactor::current();
  auto later = clock::now() + 1h;
  std::vector<reactor::timer> pending(static_cast<size_t>(state.range(0)));
  for (size_t i = 0; i < pending.size(); ++i) {
    pending[i].deadline = later + std::chrono::microseconds(i);
    pending[i].waiter = std::noop_coroutine();
    r.add_timer(pending[i]);
  }
  reactor::timer t;
  t.waiter = std::noop_coroutine();
  t.deadline = later + 1ms;  // among the pending ones, not at an end of the map
  unsigned n = 0;
  for (auto _ : state) {
    r.add_timer(t);
    r.cancel_timer(t);
    if (++n % 256 == 0) co_await yield_now();
  }
  for (auto& p : pending) r.cancel_timer(p);
  co_await yield_now();
}

// on_shard(1) and back: two cross-thread messages (MSG_RING wake-ups of an idle shard).
task<void> shard_round_trip(benchmark::State& state) {
  for (auto _ : state) {
    int v = co_await on_shard(1, [] { return 1; });
    benchmark::DoNotOptimize(v);
  }
}

// The n-th CPU this process may use, as the engine picks them for shard n.
int nth_allowed_cpu(unsigned n) {
  cpu_set_t allowed;
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 0;
  unsigned wanted = n % static_cast<unsigned>(CPU_COUNT(&allowed));
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &allowed) && wanted-- == 0) return cpu;
  return 0;
}

void pin_thread(std::thread::native_handle_type t, int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  ::pthread_setaffinity_np(t, sizeof one, &one);
}

// Baseline of the shard round trip: two threads on the shards' CPUs bounce a token through
// two eventfds with blocking reads, the kernel's own price of waking a sleeping thread on
// another CPU, twice.
void BM_eventfd_round_trip(benchmark::State& state) {
  cpu_set_t mask;
  bool saved = ::sched_getaffinity(0, sizeof mask, &mask) == 0;
  unique_fd ping(::eventfd(0, EFD_CLOEXEC)), pong(::eventfd(0, EFD_CLOEXEC));
  std::atomic<bool> stop{false};
  uint64_t one = 1, got = 0;
  std::thread peer([&] {
    uint64_t token = 0;
    while (::read(ping.get(), &token, sizeof token) == sizeof token && !stop.load())
      if (::write(pong.get(), &token, sizeof token) != sizeof token) break;
  });
  pin_thread(peer.native_handle(), nth_allowed_cpu(1));
  pin_thread(::pthread_self(), nth_allowed_cpu(0));
  for (auto _ : state) {
    if (::write(ping.get(), &one, sizeof one) != sizeof one || ::read(pong.get(), &got, sizeof got) != sizeof got)
      return state.SkipWithError("eventfd read or write failed");
  }
  stop = true;
  [[maybe_unused]] auto n = ::write(ping.get(), &one, sizeof one);
  peer.join();
  if (saved) ::sched_setaffinity(0, sizeof mask, &mask);
}

void BM_task_create_await(benchmark::State& state) { on_engine(state, 1, create_and_await); }
void BM_await_chain(benchmark::State& state) { on_engine(state, 1, await_chain); }
void BM_loop_turn(benchmark::State& state) { on_engine(state, 1, loop_turn); }
void BM_timer_sleep_zero(benchmark::State& state) { on_engine(state, 1, sleep_zero); }
void BM_timer_insert_cancel(benchmark::State& state) { on_engine(state, 1, timer_insert_cancel); }
void BM_on_shard_round_trip(benchmark::State& state) { on_engine(state, 2, shard_round_trip); }

BENCHMARK(BM_task_create_await);
BENCHMARK(BM_await_chain)->Arg(8)->Arg(64);
BENCHMARK(BM_loop_turn);
BENCHMARK(BM_timer_sleep_zero);
BENCHMARK(BM_timer_insert_cancel)->Arg(0)->Arg(1000);
BENCHMARK(BM_on_shard_round_trip)->UseRealTime();
BENCHMARK(BM_eventfd_round_trip)->UseRealTime();

}  // namespace
}  // namespace pcn
