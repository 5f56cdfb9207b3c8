#include <gtest/gtest.h>

#include <thread>

#include "reactor/engine.hpp"
#include "reactor/io.hpp"
#include "reactor/when_all.hpp"
#include "tests/support/run.hpp"

namespace pcn {
namespace {

using namespace std::chrono_literals;

TEST(shards, on_shard_runs_there_and_returns_here) {
  auto body = []() -> task<std::pair<unsigned, unsigned>> {
    unsigned there = co_await on_shard(1, [] { return reactor::current().shard_id(); });
    co_return std::pair{there, reactor::current().shard_id()};
  };
  auto [there, here] = testing::run(body(), 2);
  EXPECT_EQ(there, 1u);
  EXPECT_EQ(here, 0u);
}

TEST(shards, on_shard_awaits_a_task_on_the_other_shard) {
  auto body = []() -> task<int> {
    co_return co_await on_shard(1, []() -> task<int> {
      co_await sleep_for(5ms);
      co_return static_cast<int>(reactor::current().shard_id()) + 40;
    });
  };
  EXPECT_EQ(testing::run(body(), 2), 41);
}

TEST(shards, exceptions_cross_back) {
  auto body = []() -> task<std::string> {
    try {
      co_await on_shard(1, []() -> int { throw std::runtime_error("from shard 1"); });
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "nothing";
  };
  EXPECT_EQ(testing::run(body(), 2), "from shard 1");
}

TEST(shards, many_concurrent_calls_in_both_directions) {
  // Shard-local counters touched only through messages: no lock, and the totals add up.
  static int counters[2];
  counters[0] = counters[1] = 0;
  auto body = []() -> task<int> {
    auto bump_other = [](unsigned from) -> task<void> {
      for (int i = 0; i < 2000; ++i) co_await on_shard(1 - from, [] { ++counters[reactor::current().shard_id()]; });
    };
    auto from_shard1 = [](decltype(bump_other) f) -> task<void> { co_await on_shard(1, [f]() { return f(1); }); };
    co_await when_all(bump_other(0), from_shard1(bump_other));
    co_return counters[0] + counters[1];
  };
  EXPECT_EQ(testing::run(body(), 2), 4000);
  EXPECT_EQ(counters[0], 2000);
  EXPECT_EQ(counters[1], 2000);
}

TEST(shards, each_shard_runs_on_its_own_thread) {
  auto body = []() -> task<bool> {
    auto id0 = std::this_thread::get_id();
    auto id1 = co_await on_shard(1, [] { return std::this_thread::get_id(); });
    co_return id0 != id1;
  };
  EXPECT_TRUE(testing::run(body(), 2));
}

TEST(shards, shutdown_drains_background_work_on_every_shard) {
  static std::atomic<int> finished{0};
  finished = 0;
  auto body = []() -> task<void> {
    co_await on_shard(1, [] {
      reactor::current().background().spawn([]() -> task<void> {
        co_await sleep_for(30ms);
        ++finished;
      }());
    });
    reactor::current().background().spawn([]() -> task<void> {
      co_await sleep_for(10ms);
      ++finished;
    }());
  };
  testing::run(body(), 2);
  EXPECT_EQ(finished.load(), 2);
}

}  // namespace
}  // namespace pcn
