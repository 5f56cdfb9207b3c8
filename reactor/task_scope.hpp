#pragma once
// A scope for detached tasks: spawn() starts a task that nobody awaits; its failure is
// logged (never lost, never fatal) and join() waits until every spawned task has finished.
// A scope belongs to one shard.
#include <coroutine>
#include <string>

#include "reactor/task.hpp"

namespace pcn {

class task_scope {
 public:
  explicit task_scope(std::string name = "background") : _name(std::move(name)) {}
  task_scope(const task_scope&) = delete;
  task_scope& operator=(const task_scope&) = delete;
  ~task_scope();

  // Starts `t` on the current reactor at its next batch.
  void spawn(task<void> t);
  // Completes when no spawned task is left (immediately if none).
  task<void> join();

  size_t active() const noexcept { return _active; }
  size_t failures() const noexcept { return _failures; }

 private:
  struct detached;
  static detached run(task_scope* scope, task<void> t);
  void finished() noexcept;

  std::string _name;
  size_t _active = 0;
  size_t _failures = 0;
  std::coroutine_handle<> _joiner;
};

}  // namespace pcn
