#include "api/persistence.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "base/log.hpp"
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

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool has_content(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec) && fs::file_size(path, ec) > 0;
}

// Writes all of `text` at `offset`.
task<void> write_all(int fd, std::string_view text, size_t offset) {
  size_t done = 0;
  while (done < text.size()) {
    auto chunk = std::as_bytes(std::span(text.data() + done, text.size() - done));
    done += (co_await io::write(fd, chunk, offset + done)).value();
  }
}

// Makes the names in a file's directory durable (a file created, renamed over another).
task<void> sync_directory_of(const std::string& file) {
  const fs::path target(file);
  unique_fd dir = open_or_throw(target.has_parent_path() ? target.parent_path().string() : ".", O_RDONLY | O_DIRECTORY);
  (co_await io::fsync(dir.get())).value();
}

// The journal is compacted into a new snapshot once it is as large as the snapshot, and
// not before this: a save then costs a snapshot's writing once per snapshot's worth of lines.
constexpr size_t min_journal_bytes = 64 * 1024;

}  // namespace

json::value read_topology_file(const std::string& path) {
  const std::string text = read_text(path);
  try {
    return yaml_json::parse_document(text);
  } catch (const yaml_json::parse_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

json::value replay_journal(json::value snapshot, std::string_view journal, const std::string& journal_name) {
  if (journal.empty()) return snapshot;
  if (!snapshot.is_object()) throw std::runtime_error(journal_name + ": the snapshot it continues is not an object");
  json::object& document = snapshot.get_object();
  std::map<std::string, json::value> cubes;  // by name, the order dump() has
  json::array unnamed;                       // kept for load() to report
  if (json::value* list = document.if_contains("cubes")) {
    // What load() would refuse, refused here, where merging by name would hide it.
    if (!list->is_array()) throw std::runtime_error(journal_name + ": the snapshot it continues has no array of cubes");
    for (json::value& entry : list->get_array()) {
      const json::value* name = entry.is_object() ? entry.get_object().if_contains("name") : nullptr;
      if (!name || !name->is_string()) unnamed.push_back(std::move(entry));
      else if (!cubes.try_emplace(std::string(name->get_string()), std::move(entry)).second)
        throw std::runtime_error(journal_name + ": the snapshot it continues has cube " + std::string(name->get_string()) + " twice");
    }
  }
  for (size_t line = 1; !journal.empty(); ++line) {
    const size_t end = journal.find('\n');
    if (end == std::string_view::npos) {
      log::warn("{}: line {} was being written when the daemon stopped, never acknowledged: dropped", journal_name, line);
      break;
    }
    auto bad = [&](const std::string& why) {
      throw std::runtime_error(journal_name + ": line " + std::to_string(line) + ": " + why);
    };
    boost::system::error_code ec;
    json::value record = json::parse(journal.substr(0, end), ec);
    journal.remove_prefix(end + 1);
    if (ec) bad("malformed JSON: " + ec.message());
    if (!record.is_object()) bad("expected an object");
    for (auto& [member, value] : record.get_object()) {
      if (member == "cubes" && value.is_object()) {
        for (auto& [name, entry] : value.get_object()) {
          if (entry.is_null()) cubes.erase(std::string(name));
          else if (entry.is_object()) cubes.insert_or_assign(std::string(name), std::move(entry));
          else bad("cube " + std::string(name) + ": expected an object, or null for a deleted cube");
        }
      } else if (member == "attachments" && value.is_array()) {
        document["attachments"] = std::move(value);
      } else {
        bad("unexpected member \"" + std::string(member) + "\" (expected an object \"cubes\" and an array \"attachments\")");
      }
    }
  }
  json::array list;
  for (auto& [name, entry] : cubes) list.push_back(std::move(entry));
  for (auto& entry : unnamed) list.push_back(std::move(entry));
  document["cubes"] = std::move(list);
  return snapshot;
}

std::optional<json::value> config_file::read() const {
  const bool journal = has_content(_journal_path);
  if (!has_content(_path)) {
    if (journal) throw std::runtime_error(_journal_path + " holds changes, but " + _path + ", the configuration they change, is missing or empty");
    return std::nullopt;
  }
  json::value v = read_topology_file(_path);
  if (journal) v = replay_journal(std::move(v), read_text(_journal_path), _journal_path);
  if (v.is_null()) return std::nullopt;
  return v;
}

std::string config_file::keep_aside(const std::string& why) const {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  const std::string aside = _path + ".corrupt-" + stamp;
  std::error_code ec;
  if (fs::exists(_path, ec)) {
    fs::rename(_path, aside, ec);
    if (ec) fail("keep aside", _path, ec.value());
  }
  if (fs::exists(_journal_path, ec)) {
    fs::rename(_journal_path, aside + ".journal", ec);
    if (ec) fail("keep aside", _journal_path, ec.value());
  }
  log::error("saved configuration {}: {}; kept aside as {}", _path, why, aside);
  return aside;
}

task<void> config_file::write_snapshot(const std::string& text) {
  const fs::path target(_path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  const std::string temporary = _path + ".tmp";
  {
    unique_fd fd = open_or_throw(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    co_await write_all(fd.get(), text, 0);
    (co_await io::fsync(fd.get())).value();
  }
  if (io_result renamed = co_await io::rename(temporary.c_str(), _path.c_str()); renamed.error()) fail("rename to", _path, renamed.error());
  co_await sync_directory_of(_path);
  _snapshot_bytes = text.size();
}

task<void> config_file::compact(bool journal_sound) {
  // Both taken now, with no suspension between: the line and the snapshot say one state.
  const std::string changes = journal_sound && _journal ? _store.saved_changes() : std::string();
  const std::string document = _store.saved_document();
  co_await append_to_journal(changes);
  co_await write_snapshot(document);
  co_await remove_journal();
}

task<void> config_file::remove_journal() {
  _journal.reset();
  _journal_bytes = 0;
  io_result removed = co_await io::unlink(_journal_path.c_str());
  if (removed.error() == ENOENT) co_return;
  if (removed.error()) fail("remove", _journal_path, removed.error());
  co_await sync_directory_of(_journal_path);  // gone for good before the save is acknowledged
}

task<void> config_file::append_to_journal(const std::string& record) {
  if (record.empty()) co_return;  // nothing changed since the last save
  if (!_journal) {
    _journal = open_or_throw(_journal_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    co_await sync_directory_of(_journal_path);  // its name on disk before a line in it counts
  }
  co_await write_all(_journal.get(), record, _journal_bytes);
  (co_await io::fdatasync(_journal.get())).value();
  _journal_bytes += record.size();
}

task<void> config_file::save() {
  const uint64_t mine = ++_requested;
  auto guard = co_await _mutex.lock();
  if (_covered >= mine) co_return;  // a save that started after this call covered it
  const uint64_t covers = _requested;
  co_await save_locked(_journal_bytes >= std::max(_snapshot_bytes, min_journal_bytes));
  _covered = covers;
  ++_saves;
}

task<void> config_file::fold_journal() {
  auto guard = co_await _mutex.lock();
  if (!_journal && !_snapshot_due) co_return;  // the snapshot is the whole configuration
  const uint64_t covers = _requested;
  co_await save_locked(true);
  _covered = covers;
}

task<void> config_file::save_locked(bool snapshot) {
  const bool journal_sound = !_snapshot_due;
  // Until this save is complete: after a failure the journal may end in a torn line, and the
  // store took its changes as saved; only a whole snapshot is sure again.
  _snapshot_due = true;
  if (snapshot || !journal_sound) co_await compact(journal_sound);
  else co_await append_to_journal(_store.saved_changes());
  _snapshot_due = false;
}

task<void> config_file::clear() {
  auto guard = co_await _mutex.lock();
  // The journal goes first, for good: replayed onto the empty file, an old one would bring
  // back part of what is cleared.
  co_await remove_journal();
  co_await write_snapshot("{}\n");
  _snapshot_due = true;  // the next save writes the store's configuration whole
}

}  // namespace pcn::api
