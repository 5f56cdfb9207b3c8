#pragma once
// The saved configuration: every acknowledged change is in the file before the answer goes
// out. A save writes a temporary file, fsyncs it, renames it over the old one and fsyncs
// the directory, all through the reactor; changes that arrive while a save is running are
// saved together by the next one (group commit), so a burst costs a few saves, not one each.
//
// At start the file is read back; one that cannot be read or parsed, or whose topology
// cannot be rebuilt, is reported and moved aside (<file>.corrupt-<time>), never overwritten.
#include <cstdint>
#include <optional>
#include <string>

#include "api/datastore.hpp"
#include "reactor/async_mutex.hpp"

namespace pcn::api {

class config_file {
 public:
  config_file(datastore& store, std::string path) : _store(store), _path(std::move(path)) {}

  const std::string& path() const noexcept { return _path; }

  // Saves the store's configuration, coalescing with concurrent callers; completes once a
  // save that includes every change made before the call is on disk. Throws on I/O errors.
  task<void> save();
  uint64_t saves() const noexcept { return _saves; }

  // Reads the file: nullopt when it does not exist or is empty. Throws std::runtime_error
  // naming the file and the problem (malformed JSON or YAML at a position...).
  std::optional<json::value> read() const;
  // Moves the file aside, for a human to look at; answers the new name.
  std::string keep_aside(const std::string& why) const;
  // Empties the file (--cubes-dump-clean-init), by saving an empty configuration.
  task<void> clear();

 private:
  task<void> write_file(const std::string& text);

  datastore& _store;
  std::string _path;
  async_mutex _mutex;
  uint64_t _requested = 0;  // save() calls so far
  uint64_t _covered = 0;    // the calls the last completed save covers
  uint64_t _saves = 0;
};

// Reads a topology document from a YAML or JSON file (appliance mode, saved configuration).
json::value read_topology_file(const std::string& path);

}  // namespace pcn::api
