// The saved configuration file (persistence): datastore::saved_document() keeps each cube's
// part from the previous save and makes it again only when what it shows changed. After
// every kind of change it must still be exactly dump() laid out as the file holds it. The
// journal (datastore::saved_changes(), api::replay_journal) must say the same: the first
// snapshot with every line since replayed onto it, and, as after a stop between writing a
// snapshot and removing the journal, the latest snapshot with all those lines replayed too.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "api/datastore.hpp"
#include "api/persistence.hpp"
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
  const json::value first_snapshot = json::parse(store.saved_document());
  std::string journal;
  auto expect_current = [&](const std::string& step) {
    const json::value now = store.dump();
    journal += store.saved_changes();
    EXPECT_EQ(api::replay_journal(first_snapshot, journal, "journal"), now) << "the journal, after " << step;
    EXPECT_EQ(store.saved_changes(), "") << "a second save of the same state, after " << step;
    const std::string document = store.saved_document();
    EXPECT_EQ(document, yaml_json::to_pretty_json(now)) << "after " << step;
    EXPECT_EQ(api::replay_journal(json::parse(document), journal, "journal"), now) << "the journal onto the latest snapshot, after " << step;
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

// A directory of its own under /tmp, removed when the test is done.
struct temporary_directory {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("pcn-saved-" + testing::unique_name("s"));
  temporary_directory() { std::filesystem::create_directories(path); }
  ~temporary_directory() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Saves go to the journal; a new reader of the files gets the configuration back, and a
// save that writes a snapshot removes the journal.
TEST(config_file, saves_to_the_journal_and_reads_it_back) {
  veth_pair wire;
  testing::test_datapath dp;
  api::datastore store(*dp);
  const api::service_entry& hw = store.add_service(cubes::helloworld_service());
  temporary_directory dir;
  const std::string path = (dir.path / "cubes.yaml").string();
  api::config_file saved(store, path);
  const std::vector<std::string> action{"action"};
  const schema::resolved_path a_action = schema::resolve(*hw.schema, "a", action);
  const json::value topology = json::parse(R"({"cubes": [
        {"service-name": "helloworld", "name": "a", "ports": [{"name": "p0", "peer": ")" + wire.near + R"("}]},
        {"service-name": "helloworld", "name": "b"}]})");
  testing::run([&]() -> task<void> {
    co_await saved.save();  // at start: a snapshot
    const std::string empty = file_text(path);
    co_await store.load(topology);
    co_await saved.save();
    co_await store.change(a_action, schema::method::patch, json::string("FORWARD"));
    co_await saved.save();
    co_await saved.save();  // nothing changed: nothing written
    EXPECT_EQ(file_text(path), empty) << "a change rewrote the snapshot";
    const std::string journal = file_text(saved.journal_path());
    EXPECT_EQ(std::count(journal.begin(), journal.end(), '\n'), 2) << journal;

    api::config_file reader(store, path);
    EXPECT_EQ(reader.read(), json::value(store.dump()));
    // A journal that outgrows its snapshot (and 64 KiB) is folded into a new one.
    for (int i = 0; i < 600 && std::filesystem::file_size(path) == empty.size(); ++i) {
      co_await store.change(a_action, schema::method::patch, json::string(i % 2 ? "FORWARD" : "DROP"));
      co_await saved.save();
    }
    EXPECT_NE(file_text(path), empty) << "the journal was never folded into the snapshot";
    EXPECT_FALSE(std::filesystem::exists(saved.journal_path())) << "the journal outlived its folding";
    EXPECT_EQ(reader.read(), json::value(store.dump()));
    // A line cut short by a stop, never acknowledged, is dropped.
    std::ofstream(saved.journal_path(), std::ios::app) << R"({"cubes":{"a":null)";
    EXPECT_EQ(reader.read(), json::value(store.dump()));
  }());
}

TEST(config_file, names_the_journal_line_that_is_wrong) {
  testing::test_datapath dp;
  api::datastore store(*dp);
  temporary_directory dir;
  const std::string path = (dir.path / "cubes.yaml").string();
  api::config_file saved(store, path);
  std::ofstream(path) << R"({"cubes": [{"service-name": "helloworld", "name": "a"}], "attachments": []})" << "\n";
  auto error_of = [&](const std::string& journal) {
    std::ofstream(saved.journal_path(), std::ios::trunc) << journal;
    try {
      saved.read();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string where = saved.journal_path() + ": line 2: ";
  EXPECT_EQ(error_of("{\"cubes\":{\"b\":{\"name\":\"b\"}}}\n{\"cubes\":\n"), where + "malformed JSON: incomplete JSON");
  EXPECT_EQ(error_of("{}\n[]\n"), where + "expected an object");
  EXPECT_EQ(error_of("{}\n{\"cubes\":{\"a\":5}}\n"), where + "cube a: expected an object, or null for a deleted cube");
  EXPECT_EQ(error_of("{}\n{\"ports\":[]}\n"),
            where + "unexpected member \"ports\" (expected an object \"cubes\" and an array \"attachments\")");
  // The replay itself: a deletion, an addition in name order, attachments replaced whole.
  std::ofstream(saved.journal_path(), std::ios::trunc)
      << R"({"cubes":{"c":{"name":"c"},"a":null}})" << "\n" << R"({"cubes":{"b":{"name":"b"}},"attachments":[{"cube":"c"}]})" << "\n";
  EXPECT_EQ(saved.read(), json::parse(R"({"cubes": [{"name": "b"}, {"name": "c"}], "attachments": [{"cube": "c"}]})"));
  // What load() refuses in a snapshot, replaying must not hide by merging names.
  std::ofstream(path, std::ios::trunc) << R"({"cubes": [{"name": "a"}, {"name": "a"}]})" << "\n";
  EXPECT_EQ(error_of("{}\n"), saved.journal_path() + ": the snapshot it continues has cube a twice");
  // Changes to a configuration that is not there: an error, not an empty start.
  std::filesystem::remove(path);
  EXPECT_EQ(error_of("{}\n"), saved.journal_path() + " holds changes, but " + path + ", the configuration they change, is missing or empty");
  // Kept aside together.
  std::ofstream(path) << "{}\n";
  const std::string aside = saved.keep_aside("testing");
  EXPECT_TRUE(std::filesystem::exists(aside) && std::filesystem::exists(aside + ".journal"));
  EXPECT_FALSE(std::filesystem::exists(path) || std::filesystem::exists(saved.journal_path()));
}

}  // namespace
}  // namespace pcn
