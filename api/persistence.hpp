#pragma once
// The saved configuration: every acknowledged change is on disk before the answer goes out.
//
// Two files: the snapshot (the --cubes-dump-file: the whole configuration, indented JSON a
// human reads, which is also YAML) and its journal (<file>.journal: one line of compact JSON
// per save, what changed since the previous one, datastore::saved_changes()). A save appends
// to the journal and fdatasyncs it: a few hundred bytes, where rewriting a snapshot of 1000
// cubes is 600 KB and two fsyncs (2.3 ms on this project's VM, against 0.2). The snapshot is
// rewritten (temporary file, fsync, rename, directory fsync) at start, and when the journal
// outgrows it, and at a stop; the journal is then removed. Changes that arrive while a save is running are
// saved together by the next one (group commit).
//
// A journal line holds whole cubes (and the whole attachment list), never differences: the
// last line naming a cube decides it. A snapshot is taken together with a last line of the
// changes since the previous one, so the journal ends where the snapshot starts: replaying
// it onto that snapshot (a stop between the rename and the removal) changes nothing. After
// a failed append (the journal may end in a torn line) nothing more is appended, and the
// next save writes a snapshot. Either way the save that removes a journal is acknowledged
// only once the removal is on disk.
//
// At start the snapshot is read and the journal replayed onto it. A last line without its
// newline was being written when the daemon stopped: never acknowledged, it is dropped. A
// file that cannot be read or parsed, or whose topology cannot be rebuilt, is reported and
// moved aside with its journal (<file>.corrupt-<time>), never overwritten.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/datastore.hpp"
#include "base/unique_fd.hpp"
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
  // Folds the journal into a new snapshot, if it has lines: at a stop, so that the file
  // alone is the configuration for whoever reads it next.
  task<void> fold_journal();
  // Empties the file (--cubes-dump-clean-init), by saving an empty configuration.
  task<void> clear();

  std::string journal_path() const { return _path + ".journal"; }

 private:
  // A save under the mutex: a line in the journal, or a snapshot when asked or due.
  task<void> save_locked(bool snapshot);
  task<void> write_snapshot(const std::string& text);
  // A snapshot of the store; the journal (brought to the same state first, when sound) goes.
  task<void> compact(bool journal_sound);
  task<void> append_to_journal(const std::string& record);
  task<void> remove_journal();

  datastore& _store;
  std::string _path;
  const std::string _journal_path = journal_path();
  async_mutex _mutex;
  bool _snapshot_due = true;  // the first save, and the one after a failure, write a snapshot
  size_t _snapshot_bytes = 0;
  unique_fd _journal;  // open while it has lines
  size_t _journal_bytes = 0;
  uint64_t _requested = 0;  // save() calls so far
  uint64_t _covered = 0;    // the calls the last completed save covers
  uint64_t _saves = 0;
};

// Reads a topology document from a YAML or JSON file (appliance mode, saved configuration).
json::value read_topology_file(const std::string& path);

// The configuration a snapshot and its journal's text say: each line applied in order.
// Throws std::runtime_error naming `journal_name`, the line and what is wrong with it.
json::value replay_journal(json::value snapshot, std::string_view journal, const std::string& journal_name);

}  // namespace pcn::api
