#pragma once
// Runs a test coroutine on a fresh engine (one shard unless asked) and returns its result.
#include "reactor/engine.hpp"

namespace pcn::testing {

template <typename T>
T run(task<T> t, unsigned shards = 1) {
  engine e({.shards = shards, .pin_threads = false});
  return e.run(std::move(t));
}

}  // namespace pcn::testing
