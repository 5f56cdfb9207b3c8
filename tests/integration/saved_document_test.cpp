// The saved configuration file (persistence): datastore::saved_document() keeps each cube's
// part from the previous save and makes it again only when what it shows changed. After
// every kind of change it must still be exactly dump() laid out as the file holds it.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api/datastore.hpp"
#include "api/schema/path.hpp"
#include "cli/yaml_json.hpp"
#include "cubes/builtin.hpp"
#include "tests/support/netns.hpp"
#include "tests/support/run.hpp"
#include "tests/support/test_datapath.hpp"

namespace pcn {
namespace {

namespace json = boost::json;

struct veth_pair {
  std::string near = testing::unique_name("pv"), far = testing::unique_name("pw");
  veth_pair() { testing::run_command("ip link add " + near + " type veth peer name " + far + " && ip link set " + near + " up"); }
  ~veth_pair() { testing::command_succeeds("ip link del " + near); }
};

TEST(saved_document, is_the_configuration_after_every_kind_of_change) {
  veth_pair wire;
  testing::test_datapath dp;
  api::datastore store(*dp);
  const api::service_entry& hw = store.add_service(cubes::helloworld_service());
  store.add_service(cubes::transparenthelloworld_service());
  auto expect_current = [&store](const std::string& step) {
    EXPECT_EQ(store.saved_document(), yaml_json::to_pretty_json(store.dump())) << "after " << step;
  };
  auto at = [&hw](const std::string& cube, std::vector<std::string> segments) { return schema::resolve(*hw.schema, cube, segments); };
  // Made here, not in the coroutine: GCC 12 cannot keep braced lists in a coroutine frame.
  const schema::resolved_path a_action = at("a", {"action"}), b_loglevel = at("b", {"loglevel"}), a_p1 = at("a", {"ports", "p1"}),
                              b = at("b", {});
  const dataplane::chain_position last{};
  const json::value topology = json::parse(R"({"cubes": [
        {"service-name": "helloworld", "name": "a", "ports": [{"name": "p0", "peer": ")" + wire.near + R"("}, {"name": "p1"}]},
        {"service-name": "helloworld", "name": "b", "ports": [{"name": "q0"}]},
        {"service-name": "transparenthelloworld", "name": "t"}]})");

  expect_current("nothing");
  testing::run([&]() -> task<void> {
    co_await store.load(topology);
    expect_current("creating three cubes");
    co_await store.connect("a:p1", "b:q0");
    expect_current("connecting two cube ports (b's peer changes too)");
    co_await store.change(a_action, schema::method::patch, json::string("FORWARD"));
    expect_current("a PATCH of a cube's own leaf");
    co_await store.change(b_loglevel, schema::method::patch, json::string("DEBUG"));
    expect_current("a change of log level");
    co_await store.attach("t", "a:p0", last);
    expect_current("an attachment");
    co_await store.detach("t");
    expect_current("a detachment");
    co_await store.disconnect("a:p1", "b:q0");
    expect_current("disconnecting them");
    co_await store.change(a_p1, schema::method::del, nullptr);
    expect_current("a port removed");
    co_await store.change(b, schema::method::del, nullptr);
    expect_current("a cube deleted");
  }());
}

}  // namespace
}  // namespace pcn
