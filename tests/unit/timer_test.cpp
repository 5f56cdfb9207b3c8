#include <gtest/gtest.h>

#include <vector>

#include "reactor/io.hpp"
#include "reactor/when_all.hpp"
#include "tests/support/run.hpp"

namespace pcn {
namespace {

using namespace std::chrono_literals;

TEST(timer, sleeps_at_least_the_duration) {
  auto body = []() -> task<clock::duration> {
    auto start = clock::now();
    bool elapsed = co_await sleep_for(30ms);
    EXPECT_TRUE(elapsed);
    co_return clock::now() - start;
  };
  auto d = testing::run(body());
  EXPECT_GE(d, 30ms);
  EXPECT_LT(d, 300ms);
}

TEST(timer, fire_in_deadline_order_whatever_the_insertion_order) {
  auto body = []() -> task<std::vector<int>> {
    std::vector<int> order;
    auto sleeper = [](std::vector<int>& out, int ms) -> task<void> {
      co_await sleep_for(std::chrono::milliseconds(ms));
      out.push_back(ms);
    };
    std::vector<task<void>> all;
    for (int ms : {40, 10, 30, 0, 20}) all.push_back(sleeper(order, ms));
    co_await when_all(std::move(all));
    co_return order;
  };
  EXPECT_EQ(testing::run(body()), (std::vector<int>{0, 10, 20, 30, 40}));
}

TEST(timer, cancellation_wakes_the_sleeper_early) {
  auto body = []() -> task<std::pair<bool, clock::duration>> {
    cancel_source cancel;
    auto start = clock::now();
    auto canceller = [](cancel_source& c) -> task<void> {
      co_await sleep_for(10ms);
      c.request_cancel();
    };
    auto sleeper = [](cancel_source& c) -> task<bool> { co_return co_await sleep_for(10s, &c); };
    auto [elapsed, ignored] = co_await when_all(sleeper(cancel), canceller(cancel));
    (void)ignored;
    co_return std::pair{elapsed, clock::now() - start};
  };
  auto [elapsed, d] = testing::run(body());
  EXPECT_FALSE(elapsed);
  EXPECT_LT(d, 1s);
}

TEST(timer, already_cancelled_source_does_not_sleep) {
  auto body = []() -> task<bool> {
    cancel_source cancel;
    cancel.request_cancel();
    co_return co_await sleep_for(10s, &cancel);
  };
  EXPECT_FALSE(testing::run(body()));
}

TEST(timer, cancelling_one_leaves_the_others) {
  auto body = []() -> task<std::vector<int>> {
    std::vector<int> fired;
    cancel_source cancel_second;
    auto sleeper = [](std::vector<int>& out, int id, clock::duration d, cancel_source* c) -> task<void> {
      if (co_await sleep_for(d, c)) out.push_back(id);
    };
    auto canceller = [](cancel_source& c) -> task<void> {
      co_await sleep_for(5ms);
      c.request_cancel();
    };
    co_await when_all(sleeper(fired, 1, 20ms, nullptr), sleeper(fired, 2, 20ms, &cancel_second),
                      sleeper(fired, 3, 30ms, nullptr), canceller(cancel_second));
    co_return fired;
  };
  EXPECT_EQ(testing::run(body()), (std::vector<int>{1, 3}));
}

}  // namespace
}  // namespace pcn
