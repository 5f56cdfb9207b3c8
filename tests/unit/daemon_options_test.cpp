#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include "daemon/options.hpp"

namespace pcn::daemon {
namespace {

options parse(std::vector<const char*> args) {
  args.insert(args.begin(), "polycubed");
  return parse_options(static_cast<int>(args.size()), args.data());
}

std::string error_of(std::vector<const char*> args) {
  try {
    parse(std::move(args));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(daemon_options, defaults_match_the_original_daemon) {
  options o = parse({});
  EXPECT_EQ(o.address, "localhost");
  EXPECT_EQ(o.port, 9000);
  EXPECT_EQ(o.loglevel, log::level::info);
  EXPECT_EQ(o.cores, 1u);
}

TEST(daemon_options, short_long_and_inline_forms) {
  options o = parse({"-a", "127.0.0.1", "--port=9100", "--loglevel", "debug", "--cores", "1"});
  EXPECT_EQ(o.address, "127.0.0.1");
  EXPECT_EQ(o.port, 9100);
  EXPECT_EQ(o.loglevel, log::level::debug);
}

TEST(daemon_options, errors_name_the_option_and_the_value) {
  EXPECT_NE(error_of({"--port", "70000"}).find("--port: '70000'"), std::string::npos);
  EXPECT_NE(error_of({"--port", "12ab"}).find("--port"), std::string::npos);
  EXPECT_NE(error_of({"--loglevel", "LOUD"}).find("'LOUD'"), std::string::npos);
  EXPECT_NE(error_of({"--frobnicate"}).find("unknown option '--frobnicate'"), std::string::npos);
  EXPECT_NE(error_of({"--port"}).find("needs a value"), std::string::npos);
  EXPECT_NE(error_of({"--cores", "0"}).find("--cores"), std::string::npos);
}

TEST(daemon_options, config_file_is_read_and_the_command_line_wins) {
  std::string path = ::testing::TempDir() + "polycubed-test.conf";
  {
    std::ofstream f(path);
    f << "# polycubed configuration\n"
         "port: 9200\n"
         "loglevel: WARN   # trailing comment\n"
         "addr: \"127.0.0.2\"\n";
  }
  options o = parse({"--config-file", path.c_str(), "--loglevel", "TRACE"});
  EXPECT_EQ(o.port, 9200);
  EXPECT_EQ(o.address, "127.0.0.2");
  EXPECT_EQ(o.loglevel, log::level::trace);
  std::remove(path.c_str());
}

TEST(daemon_options, config_file_errors_name_file_and_line) {
  std::string path = ::testing::TempDir() + "polycubed-bad.conf";
  {
    std::ofstream f(path);
    f << "port: 9200\nspeed: fast\n";
  }
  std::string err = error_of({"--config-file", path.c_str()});
  EXPECT_NE(err.find(path + ":2: unknown option 'speed'"), std::string::npos) << err;
  std::remove(path.c_str());
  EXPECT_NE(error_of({"--config-file", "/nonexistent/polycubed.conf"}).find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace pcn::daemon
