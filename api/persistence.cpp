#include "api/persistence.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/unique_fd.hpp"
#include "cli/yaml_json.hpp"
#include "reactor/io.hpp"

namespace pcn::api {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int error) {
  throw std::system_error(error, std::system_category(), what + " " + path);
}

unique_fd open_or_throw(const std::string& path, int flags, mode_t mode = 0) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) fail("open", path, errno);
  return unique_fd(fd);
}

}  // namespace

json::value read_topology_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  try {
    return yaml_json::parse_document(text.str());
  } catch (const yaml_json::parse_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

std::optional<json::value> config_file::read() const {
  std::error_code ec;
  if (!fs::exists(_path, ec) || fs::file_size(_path, ec) == 0) return std::nullopt;
  json::value v = read_topology_file(_path);
  if (v.is_null()) return std::nullopt;
  return v;
}

std::string config_file::keep_aside(const std::string& why) const {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  std::string aside = _path + ".corrupt-" + stamp;
  std::error_code ec;
  fs::rename(_path, aside, ec);
  if (ec) fail("keep aside", _path, ec.value());
  log::error("saved configuration {}: {}; kept aside as {}", _path, why, aside);
  return aside;
}

task<void> config_file::write_file(const std::string& text) {
  fs::path target(_path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  const std::string temporary = _path + ".tmp";
  {
    unique_fd fd = open_or_throw(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    size_t done = 0;
    while (done < text.size()) {
      auto chunk = std::as_bytes(std::span(text.data() + done, text.size() - done));
      done += (co_await io::write(fd.get(), chunk, done)).value();
    }
    (co_await io::fsync(fd.get())).value();
  }
  if (io_result renamed = co_await io::rename(temporary.c_str(), _path.c_str()); renamed.error()) fail("rename to", _path, renamed.error());
  unique_fd dir = open_or_throw(target.has_parent_path() ? target.parent_path().string() : ".", O_RDONLY | O_DIRECTORY);
  (co_await io::fsync(dir.get())).value();
}

task<void> config_file::save() {
  const uint64_t mine = ++_requested;
  auto guard = co_await _mutex.lock();
  if (_covered >= mine) co_return;  // a save that started after this call covered it
  const uint64_t covers = _requested;
  // Indented JSON, one member a line: a human reads and diffs this file, and JSON is YAML.
  co_await write_file(_store.saved_document());
  _covered = covers;
  ++_saves;
}

task<void> config_file::clear() {
  auto guard = co_await _mutex.lock();
  co_await write_file("{}\n");
  _covered = _requested;
}

}  // namespace pcn::api
