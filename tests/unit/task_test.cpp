#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "reactor/task.hpp"
#include "reactor/task_scope.hpp"
#include "reactor/when_all.hpp"
#include "tests/support/run.hpp"

namespace pcn {
namespace {

task<int> answer() { co_return 42; }

task<int> add_one(task<int> t) { co_return co_await std::move(t) + 1; }

task<int> nested(int depth) {
  if (depth == 0) co_return 0;
  co_return co_await nested(depth - 1) + 1;
}

task<void> fails() {
  throw std::runtime_error("boom");
  co_return;
}

TEST(task, is_lazy_and_returns_its_value) {
  bool started = false;
  auto body = [](bool& flag) -> task<int> {
    flag = true;
    co_return 7;
  };
  int value = testing::run([](auto make, bool& flag) -> task<int> {
    task<int> t = make(flag);
    EXPECT_FALSE(flag) << "a task must not start before it is awaited";
    co_return co_await std::move(t);
  }(body, started));
  EXPECT_TRUE(started);
  EXPECT_EQ(value, 7);
}

TEST(task, chains_values) { EXPECT_EQ(testing::run(add_one(add_one(answer()))), 44); }

TEST(task, moves_non_copyable_results) {
  auto make = []() -> task<std::unique_ptr<std::string>> { co_return std::make_unique<std::string>("moved"); };
  auto p = testing::run(make());
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "moved");
}

TEST(task, exception_propagates_to_the_awaiter) {
  auto outer = []() -> task<std::string> {
    try {
      co_await fails();
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(testing::run(outer()), "boom");
}

TEST(task, a_million_nested_awaits_do_not_grow_the_stack) {
  // Without symmetric transfer each level would add stack frames on the way down and up;
  // a million of them would overflow an 8 MiB stack many times over.
  EXPECT_EQ(testing::run(nested(1'000'000)), 1'000'000);
}

TEST(task, a_million_synchronous_completions_in_a_loop_do_not_grow_the_stack) {
  auto loop = []() -> task<long> {
    long sum = 0;
    for (int i = 0; i < 1'000'000; ++i) sum += co_await answer();
    co_return sum;
  };
  EXPECT_EQ(testing::run(loop()), 42'000'000L);
}

TEST(when_all, returns_results_in_order) {
  auto body = []() -> task<int> {
    auto slow = []() -> task<int> {
      co_await sleep_for(std::chrono::milliseconds(20));
      co_return 1;
    };
    auto fast = []() -> task<int> { co_return 2; };
    auto none = []() -> task<void> { co_return; };
    auto [a, b, c] = co_await when_all(slow(), fast(), none());
    (void)c;
    co_return a * 10 + b;
  };
  EXPECT_EQ(testing::run(body()), 12);
}

TEST(when_all, runs_concurrently) {
  auto body = []() -> task<clock::duration> {
    auto start = clock::now();
    std::vector<task<void>> sleepers;
    for (int i = 0; i < 10; ++i) sleepers.push_back([]() -> task<void> { co_await sleep_for(std::chrono::milliseconds(50)); }());
    co_await when_all(std::move(sleepers));
    co_return clock::now() - start;
  };
  auto elapsed = testing::run(body());
  EXPECT_GE(elapsed, std::chrono::milliseconds(50));
  EXPECT_LT(elapsed, std::chrono::milliseconds(400)) << "ten 50 ms sleeps must overlap";
}

TEST(when_all, rethrows_after_all_finished) {
  auto body = []() -> task<std::string> {
    bool other_finished = false;
    auto other = [](bool& done) -> task<void> {
      co_await sleep_for(std::chrono::milliseconds(10));
      done = true;
    };
    try {
      co_await when_all(fails(), other(other_finished));
    } catch (const std::runtime_error& e) {
      co_return std::string(e.what()) + (other_finished ? " after other" : " before other");
    }
    co_return "nothing thrown";
  };
  EXPECT_EQ(testing::run(body()), "boom after other");
}

TEST(when_all, empty_vector_completes) {
  auto body = []() -> task<size_t> { co_return (co_await when_all(std::vector<task<int>>{})).size(); };
  EXPECT_EQ(testing::run(body()), 0u);
}

TEST(task_scope, join_waits_for_detached_tasks_and_counts_failures) {
  auto body = []() -> task<std::pair<int, size_t>> {
    task_scope scope("test");
    int done = 0;
    auto worker = [](int& counter, int ms) -> task<void> {
      co_await sleep_for(std::chrono::milliseconds(ms));
      ++counter;
    };
    for (int i = 0; i < 5; ++i) scope.spawn(worker(done, 5 * i));
    scope.spawn(fails());
    EXPECT_EQ(scope.active(), 6u);
    co_await scope.join();
    co_return std::pair{done, scope.failures()};
  };
  auto [done, failures] = testing::run(body());
  EXPECT_EQ(done, 5);
  EXPECT_EQ(failures, 1u);
}

TEST(task_scope, shard_background_is_drained_at_shutdown) {
  int done = 0;
  auto body = [](int& counter) -> task<void> {
    auto late = [](int& c) -> task<void> {
      co_await sleep_for(std::chrono::milliseconds(30));
      ++c;
    };
    reactor::current().background().spawn(late(counter));
    co_return;  // main ends first: the engine must still wait for the background task
  };
  testing::run(body(done));
  EXPECT_EQ(done, 1);
}

}  // namespace
}  // namespace pcn
