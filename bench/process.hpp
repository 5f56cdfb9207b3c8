#pragma once
// The processes and temporary files of a benchmark run. A child is killed and reaped when
// its handle goes out of scope, and dies with pcn-bench (PR_SET_PDEATHSIG); each child
// has a session (so a process group) of its own, so a Ctrl-C on the terminal reaches
// pcn-bench only, whose waits then throw `interrupted` and whose destructors clean up.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pcn::bench {

// Thrown by the waits below once SIGINT or SIGTERM has arrived.
struct interrupted : std::runtime_error {
  interrupted() : std::runtime_error("interrupted") {}
};

// Installs the SIGINT/SIGTERM handlers; once, at start.
void catch_interruptions();
// Throws interrupted when a signal has arrived.
void check_interrupted();
// Sleeps for d, or less: throws interrupted as soon as a signal arrives.
void sleep_interruptibly(std::chrono::milliseconds d);

struct spawn_options {
  std::optional<int> cpu;        // pinned to this CPU
  std::filesystem::path output;  // stdout and stderr go there; empty: /dev/null
  // Its nice value, and that of its scheduler autogroup: with autogroups, a process's own
  // nice only weighs against its session, while other sessions' work (a build on a shared
  // machine) competes group against group.
  int nice = 0;
};

class child {
 public:
  // Starts argv[0] (a path, not searched in PATH); throws std::system_error when it cannot
  // be executed.
  child(std::vector<std::string> argv, spawn_options options);
  ~child() { stop(); }
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  pid_t pid() const noexcept { return _pid; }
  const std::string& name() const noexcept { return _name; }
  // False once it has exited (and then it is reaped).
  bool running();
  // Waits until it exits; the status, or nullopt when `limit` passed first.
  std::optional<int> wait_for(std::chrono::milliseconds limit);
  // SIGTERM to its process group, SIGKILL after `grace`; reaps. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(2)) noexcept;
  // Exited with status 0.
  bool succeeded() const noexcept;
  // "exited with status 1", "killed by SIGKILL", "running".
  std::string describe() const;

 private:
  bool reap(bool block) noexcept;

  std::string _name;
  pid_t _pid = -1;
  std::optional<int> _status;
};

// A directory under $TMPDIR (or /tmp), removed with everything in it at destruction.
class temp_dir {
 public:
  explicit temp_dir(std::string_view prefix);
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const noexcept { return _path; }

 private:
  std::filesystem::path _path;
};

// User plus system CPU time of a live process, all its threads; nullopt once it is gone.
std::optional<double> cpu_seconds(pid_t pid);
// User plus system CPU time of every child pcn-bench has reaped so far.
double reaped_children_cpu_seconds();

// How much CPU the rest of the machine took while a benchmark ran: the user time of every
// process less that of pcn-bench, its reaped children and `ours` (its live children). On a
// shared machine this tells a clean run from one that competed with, say, a build. Kernel
// time is left out: softirqs serving the benchmark's own traffic would count as foreign.
class foreign_cpu {
 public:
  explicit foreign_cpu(std::vector<pid_t> ours);
  // CPUs' worth of foreign user time since construction (0.5: half a CPU); nullopt when
  // /proc cannot tell.
  std::optional<double> since() const;

 private:
  struct ticks {
    uint64_t machine = 0, ours = 0;
  };
  std::optional<ticks> sample() const;

  std::vector<pid_t> _ours;
  std::optional<ticks> _start;
  std::chrono::steady_clock::time_point _start_time;
};

// The last `max_bytes` of a file (a child's log, for an error message); "" when unreadable.
std::string tail_of(const std::filesystem::path& file, size_t max_bytes = 2000);

}  // namespace pcn::bench
