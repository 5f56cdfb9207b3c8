// Cubes on home shards: with more than one shard, a cube's constructor creates its maps and
// its programs are verified and loaded on its home shard (datapath::spread_program_loads,
// api::give_cubes_home_shards), while the control shard goes on; a restore creates several
// cubes at once that way. The cubes must then work like any other, and every failure must
// leave nothing behind.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/control_call.hpp"
#include "api/datastore.hpp"
#include "api/schema/error.hpp"
#include "api/schema/path.hpp"
#include "cubes/builtin.hpp"
#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "cubes/transparenthelloworld/transparenthelloworld.hpp"
#include "reactor/engine.hpp"
#include "reactor/when_all.hpp"
#include "tests/integration/hub.hpp"
#include "tests/support/netns.hpp"
#include "tests/support/run.hpp"
#include "tests/support/test_datapath.hpp"

namespace pcn {
namespace {

namespace json = boost::json;
using cubes::simpleforwarder;
using cubes::transparenthelloworld;
using dataplane::cube_type;
using testing::netns;
using testing::ping;
using testing::veth_host;

class home_shards : public ::testing::TestWithParam<cube_type> {};

// What one load through the loader saw.
struct recorded_load {
  unsigned place;
  unsigned shard;           // where the objects were loaded
  size_t objects;           // one per direction of the cube
  bool arrived_unloaded;    // prepared, not loaded, by the control shard
  bool operator==(const recorded_load&) const = default;
};

// Loads at place n on shard n + 1, as api::give_cubes_home_shards does, and records it.
dataplane::datapath::object_loader recording_loader(std::vector<recorded_load>& loads) {
  return [&loads](unsigned place, std::span<dataplane::bpf_object_file> objects) -> task<void> {
    auto load = [&loads, place, objects] {
      bool unloaded = std::none_of(objects.begin(), objects.end(), [](const auto& o) { return o.loaded(); });
      dataplane::load_each(objects);
      loads.push_back({place, reactor::current().shard_id(), objects.size(), unloaded});
    };
    co_await on_shard(1 + place, std::move(load));
  };
}

TEST_P(home_shards, programs_load_on_the_home_shard_and_the_cubes_forward) {
  netns h1, h2;
  veth_host a(h1, "10.93.0.1/24"), b(h2, "10.93.0.2/24");
  testing::test_datapath dp;
  std::vector<recorded_load> loads;
  dp->spread_program_loads(2, recording_loader(loads));
  ASSERT_TRUE(dp->defers_program_loads());

  std::unique_ptr<simpleforwarder> sf;
  std::unique_ptr<transparenthelloworld> t;
  testing::run(
      [&]() -> task<void> {
        sf = std::make_unique<simpleforwarder>(*dp, "sf", GetParam());
        t = std::make_unique<transparenthelloworld>(*dp, "t", GetParam());
        // Maps only until load_programs(): the service may write them, nobody may run them.
        EXPECT_FALSE(sf->programs_loaded());
        EXPECT_THROW(sf->master_fd(), std::logic_error);
        EXPECT_GE(sf->map_fd("cube_ports"), 0);
        co_await sf->load_programs();
        co_await t->load_programs();
        co_await t->load_programs();  // loaded already: nothing to do
      }(),
      3);

  EXPECT_EQ(sf->home(), 0u);
  EXPECT_EQ(t->home(), 1u);
  const std::vector<recorded_load> expected = {{0, 1, 1, true}, {1, 2, 2, true}};
  EXPECT_EQ(loads, expected) << "a standard cube loads one object, a transparent cube one per direction";
  EXPECT_TRUE(sf->programs_loaded());
  EXPECT_GE(sf->master_fd(), 0);
  EXPECT_NE(t->master_fd(PCN_INGRESS), t->master_fd(PCN_EGRESS));

  testing::forward_between(*dp, *sf, a, b);
  dp->attach(*t, "sf:p1", {});
  EXPECT_TRUE(ping(h1, "10.93.0.2")) << "h1 -> h2, through sf and t";
  EXPECT_TRUE(ping(h2, "10.93.0.1")) << "h2 -> h1";
  EXPECT_GE(sf->find_port("p0")->counters().rx_packets, 6u);
  // A service's reload (a new action) is verified at home too.
  testing::run(t->set_ingress_action(transparenthelloworld::action::drop), 3);
  ASSERT_EQ(loads.size(), expected.size() + 1);
  EXPECT_EQ(loads.back(), (recorded_load{1, 2, 2, true}));
  EXPECT_TRUE(testing::ping_fails(h2, "10.93.0.1")) << "t's ingress drops what enters sf through p1";
}

TEST_P(home_shards, a_reload_while_the_programs_load_elsewhere_wins) {
  testing::test_datapath dp;
  simpleforwarder* racing = nullptr;
  int reloaded_master = -1;
  // Reloads the cube at once (as a change of its next hops does) while its first programs
  // are being loaded.
  dp->spread_program_loads(1, [&](unsigned, std::span<dataplane::bpf_object_file> objects) -> task<void> {
    racing->reload();
    reloaded_master = racing->master_fd();
    dataplane::load_each(objects);
    co_return;
  });
  simpleforwarder sf(*dp, "sf", GetParam());
  racing = &sf;
  testing::run(sf.load_programs());
  EXPECT_TRUE(sf.programs_loaded());
  EXPECT_EQ(sf.master_fd(), reloaded_master) << "the reload's programs stay; the older load is dropped";
}

// Two reloads at home asked for at once (a log level, then an action): they run one at a
// time, the second prepared from what the first installed, so that the code ends with both.
TEST_P(home_shards, reloads_at_home_run_one_at_a_time) {
  testing::test_datapath dp;
  transparenthelloworld t(*dp, "t", GetParam());  // loaded by its constructor, home 0
  std::vector<int> masters;                       // what each load made, in the order they end
  unsigned loads = 0, in_flight = 0, most_in_flight = 0;
  dp->spread_program_loads(1, [&](unsigned, std::span<dataplane::bpf_object_file> objects) -> task<void> {
    most_in_flight = std::max(most_in_flight, ++in_flight);
    if (loads++ == 0)
      for (int i = 0; i < 3; ++i) co_await yield_now{};
    dataplane::load_each(objects);
    masters.push_back(objects[PCN_INGRESS].program_fd("pcn_master"));
    --in_flight;
  });
  testing::run([&]() -> task<void> {
    co_await when_all(t.set_log_level(log::level::debug), t.set_ingress_action(transparenthelloworld::action::drop));
  }());
  ASSERT_EQ(masters.size(), 2u);
  EXPECT_EQ(most_in_flight, 1u);
  EXPECT_EQ(t.master_fd(PCN_INGRESS), masters[1]) << "the second reload's code stands";
  EXPECT_EQ(t.log_level(), log::level::debug);
  EXPECT_EQ(t.ingress_action(), transparenthelloworld::action::drop);
}

TEST_P(home_shards, a_load_that_fails_leaves_the_cube_without_programs_and_removable) {
  testing::test_datapath dp;
  dp->spread_program_loads(1, [](unsigned, std::span<dataplane::bpf_object_file>) -> task<void> {
    throw dataplane::bpf_error("the verifier said no");
    co_return;
  });
  auto sf = std::make_unique<simpleforwarder>(*dp, "sf", GetParam());
  uint32_t slot = sf->slot();
  std::string error;
  testing::run([&]() -> task<void> {
    try {
      co_await sf->load_programs();
    } catch (const dataplane::bpf_error& e) {
      error = e.what();
    }
  }());
  EXPECT_EQ(error, "the verifier said no");
  EXPECT_FALSE(sf->programs_loaded());
  sf.reset();
  EXPECT_TRUE(dp->cubes().empty());
  dp->spread_program_loads(0, {});  // loads by the constructor again
  simpleforwarder next(*dp, "next", GetParam());
  EXPECT_EQ(next.slot(), slot) << "the failed cube's slot is free again";
  EXPECT_TRUE(next.programs_loaded());
}

// A chain of helloworld cubes c0..c(n-1), each port p1 the peer of the next one's p0;
// `bad` (if any) gets a third port, which helloworld refuses while the cube is created.
json::value chain_document(const std::string& prefix, int n, int bad = -1) {
  json::array cubes;
  for (int i = 0; i < n; ++i) {
    json::array ports;
    ports.push_back(json::object{{"name", "p0"}});
    json::object p1{{"name", "p1"}};
    if (i + 1 < n) p1["peer"] = prefix + std::to_string(i + 1) + ":p0";
    ports.push_back(std::move(p1));
    if (i == bad) ports.push_back(json::object{{"name", "p2"}});
    cubes.push_back(json::object{{"service-name", "helloworld"}, {"name", prefix + std::to_string(i)}, {"ports", std::move(ports)}});
  }
  return json::object{{"cubes", std::move(cubes)}};
}

TEST(home_shards_restore, creates_cubes_at_once_on_their_shards_all_or_nothing) {
  testing::test_datapath dp;
  api::datastore store(*dp);
  store.add_service(cubes::helloworld_service());
  const json::value good = chain_document("c", 9), bad = chain_document("d", 9, 6);
  std::string refusal;
  testing::run(
      [&]() -> task<void> {
        api::give_cubes_home_shards(*dp);
        co_await store.load(good);
        try {
          co_await store.load(bad);
        } catch (const std::exception& e) {
          refusal = e.what();
        }
      }(),
      3);

  ASSERT_TRUE(dp->defers_program_loads());
  EXPECT_EQ(store.cube_names().size(), 9u) << "the second document left nothing behind";
  EXPECT_EQ(dp->cubes().size(), 9u);
  std::vector<unsigned> homes;
  for (auto* c : dp->cubes()) {
    EXPECT_TRUE(c->programs_loaded()) << c->name();
    homes.push_back(c->home());
  }
  EXPECT_EQ(std::count(homes.begin(), homes.end(), 0u), std::count(homes.begin(), homes.end(), 1u) + 1)
      << "nine cubes over two home shards, in turn";
  auto* c3 = dynamic_cast<dataplane::cube*>(dp->find_cube("c3"));
  ASSERT_NE(c3, nullptr);
  EXPECT_EQ(c3->find_port("p0")->peer(), "c2:p1");
  EXPECT_EQ(c3->find_port("p1")->peer(), "c4:p0");
  EXPECT_NE(refusal.find("cube d6"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("two ports already"), std::string::npos) << refusal;
}

// A loader that lets the control shard go on (as a real home shard does) before loading here.
dataplane::datapath::object_loader yielding_loader(std::function<void()> meanwhile = {}) {
  return [meanwhile](unsigned, std::span<dataplane::bpf_object_file> objects) -> task<void> {
    co_await yield_now{};
    if (meanwhile) meanwhile();
    dataplane::load_each(objects);
  };
}

TEST(home_shards_store, a_service_cannot_go_while_one_of_its_cubes_is_being_created) {
  testing::test_datapath dp;
  api::datastore store(*dp);
  const api::service_entry& hw = store.add_service(cubes::helloworld_service());
  std::string refusal;
  dp->spread_program_loads(1, yielding_loader([&] {
    try {
      store.remove_service("helloworld");
    } catch (const std::exception& e) {
      refusal = e.what();
    }
  }));
  testing::run(store.create_cube(hw, "x", json::object()));
  EXPECT_NE(refusal.find("being created"), std::string::npos) << refusal;
  EXPECT_EQ(store.cube_names(), std::vector<std::string>{"x"});
  ASSERT_NE(store.find_service("helloworld"), nullptr);
}

TEST(home_shards_store, a_cube_whose_programs_fail_to_load_is_retired_and_gone) {
  testing::test_datapath dp;
  api::datastore store(*dp);
  const api::service_entry& hw = store.add_service(cubes::helloworld_service());
  std::vector<std::string> retired;
  store.before_cube_removal([&retired](const dataplane::cube_base& c) -> task<void> {
    retired.push_back(c.name());
    co_return;
  });
  dp->spread_program_loads(1, [](unsigned, std::span<dataplane::bpf_object_file>) -> task<void> {
    co_await yield_now{};
    throw dataplane::bpf_error("the verifier said no");
  });
  std::string error;
  testing::run([&]() -> task<void> {
    try {
      co_await store.create_cube(hw, "x", json::object());
    } catch (const std::exception& e) {
      error = e.what();
    }
  }());
  EXPECT_EQ(error, "the verifier said no");
  EXPECT_EQ(retired, std::vector<std::string>{"x"}) << "the slow path was told before the cube went";
  EXPECT_TRUE(store.cube_names().empty());
  EXPECT_TRUE(dp->cubes().empty());
}

// Different cubes proceed in parallel: while a PATCH of cube a waits for its reload on a's
// home shard, a request on cube b runs on the control shard and completes. The home shard
// waits for that (bounded) before it loads: a reload verified on the control shard would
// hold it up, and b's request would come only after.
TEST(home_shards_store, a_request_on_another_cube_completes_while_a_reload_verifies_at_home) {
  testing::test_datapath dp;
  api::datastore store(*dp);
  const api::service_entry& hw = store.add_service(cubes::helloworld_service());
  std::atomic<bool> b_done = false;
  bool b_done_before_a_loaded = false;
  unsigned loaded_on = 0;
  testing::run(store.create_cube(hw, "a", json::object()));
  testing::run(store.create_cube(hw, "b", json::object()));
  dp->spread_program_loads(1, [&](unsigned, std::span<dataplane::bpf_object_file> objects) -> task<void> {
    auto wait_for_b_then_load = [&, objects] {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (!b_done && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      b_done_before_a_loaded = b_done;
      loaded_on = reactor::current().shard_id();
      dataplane::load_each(objects);
    };
    co_await on_shard(1, std::move(wait_for_b_then_load));
  });
  const schema::resolved_path a_loglevel = schema::resolve(*hw.schema, "a", std::vector<std::string>{"loglevel"});
  const schema::resolved_path b_action = schema::resolve(*hw.schema, "b", std::vector<std::string>{"action"});
  auto request_on_b = [&]() -> task<void> {
    co_await yield_now{};
    co_await store.change(b_action, schema::method::patch, json::string("FORWARD"));
    b_done = true;
  };
  testing::run([&]() -> task<void> { co_await when_all(store.change(a_loglevel, schema::method::patch, json::string("DEBUG")), request_on_b()); }(), 2);
  EXPECT_TRUE(b_done_before_a_loaded) << "b's request waited for a's reload";
  EXPECT_EQ(loaded_on, 1u);
  EXPECT_EQ(store.view("a").at("loglevel"), "DEBUG");
  EXPECT_EQ(store.view("b").at("action"), "FORWARD");
}

// A DELETE waits for the request in progress on its cube (a PATCH whose reload verifies
// at home); a request queued behind the DELETE then finds the cube gone (404), never a cube
// half removed.
TEST(home_shards_store, a_request_queued_behind_a_delete_finds_the_cube_gone) {
  testing::test_datapath dp;
  api::datastore store(*dp);
  const api::service_entry& hw = store.add_service(cubes::helloworld_service());
  testing::run(store.create_cube(hw, "a", json::object()));
  // The PATCH's reload holds the cube while the other two requests queue.
  dp->spread_program_loads(1, [](unsigned, std::span<dataplane::bpf_object_file> objects) -> task<void> {
    for (int i = 0; i < 5; ++i) co_await yield_now{};
    dataplane::load_each(objects);
  });
  // As the daemon's slow path does, the removal waits for the cube's handlers.
  store.before_cube_removal([](const dataplane::cube_base&) -> task<void> { co_await yield_now{}; });
  const schema::resolved_path loglevel = schema::resolve(*hw.schema, "a", std::vector<std::string>{"loglevel"});
  const schema::resolved_path action = schema::resolve(*hw.schema, "a", std::vector<std::string>{"action"});
  std::vector<std::string> order;
  unsigned queued_status = 0;
  auto patch_level = [&]() -> task<void> {
    co_await store.change(loglevel, schema::method::patch, json::string("DEBUG"));
    order.push_back("patch");
  };
  auto remove = [&]() -> task<void> {
    co_await yield_now{};
    co_await store.delete_cube("a");
    order.push_back("delete");
  };
  auto patch_after = [&]() -> task<void> {
    co_await yield_now{};
    co_await yield_now{};
    try {
      co_await store.change(action, schema::method::patch, json::string("FORWARD"));
    } catch (const pcn::schema::request_error& e) {
      queued_status = e.status();
    }
    order.push_back("queued");
  };
  testing::run([&]() -> task<void> { co_await when_all(patch_level(), remove(), patch_after()); }());
  const std::vector<std::string> expected = {"patch", "delete", "queued"};
  EXPECT_EQ(order, expected);
  EXPECT_EQ(queued_status, 404u);
  EXPECT_FALSE(store.has_cube("a"));
  EXPECT_TRUE(dp->cubes().empty());
}

// Another request's change during a document load is saved after the load, with all of the
// document or (undone) none of it: never a document half created.
TEST(home_shards_store, a_save_during_a_document_load_waits_for_it) {
  testing::test_datapath dp;
  api::datastore store(*dp);
  const api::service_entry& hw = store.add_service(cubes::helloworld_service());
  std::vector<size_t> saved_with;  // cubes in the store at each save
  store.on_committed([&]() -> task<void> {
    saved_with.push_back(store.cube_names().size());
    co_return;
  });
  const json::value good = chain_document("c", 6), bad = chain_document("d", 6, 4);
  const schema::resolved_path action = schema::resolve(*hw.schema, "x", std::vector<std::string>{"action"});
  std::string refusal;
  testing::run(store.create_cube(hw, "x", json::object()));
  saved_with.clear();
  dp->spread_program_loads(1, yielding_loader());
  // While each load waits for its programs, a PATCH of cube x goes on and asks for a save.
  auto patch_meanwhile = [&]() -> task<void> {
    co_await yield_now{};
    co_await store.change(action, schema::method::patch, json::string("FORWARD"));
  };
  auto refused_load = [&]() -> task<void> {
    try {
      co_await store.load(bad);
    } catch (const std::exception& e) {
      refusal = e.what();
    }
  };
  testing::run([&]() -> task<void> {
    co_await when_all(store.load(good), patch_meanwhile());
    co_await when_all(refused_load(), patch_meanwhile());
  }());
  EXPECT_NE(refusal.find("cube d4"), std::string::npos) << refusal;
  const std::vector<size_t> expected = {7, 7, 7};  // the PATCH's save, the load's, the second PATCH's
  EXPECT_EQ(saved_with, expected);
}

INSTANTIATE_TEST_SUITE_P(types, home_shards, ::testing::Values(cube_type::xdp_drv, cube_type::xdp_skb, cube_type::tc), testing::type_name);

}  // namespace
}  // namespace pcn
