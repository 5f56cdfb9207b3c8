#pragma once
// A datapath on a pin root of its own (under /sys/fs/bpf), so tests never touch a running
// daemon's state; the root is removed when the test is done.
#include <filesystem>
#include <memory>
#include <string>

#include "dataplane/datapath.hpp"
#include "tests/support/netns.hpp"

namespace pcn::testing {

inline std::string unique_pin_root() { return "/sys/fs/bpf/" + unique_name("pcnt"); }

class test_datapath {
 public:
  explicit test_datapath(std::string root = unique_pin_root()) : _root(std::move(root)) { open(); }
  ~test_datapath() {
    _dp.reset();
    std::error_code ec;
    std::filesystem::remove_all(_root, ec);
  }
  dataplane::datapath& operator*() { return *_dp; }
  dataplane::datapath* operator->() { return _dp.get(); }
  const std::string& root() const { return _root; }

  // Simulates a restart of the owning process: the datapath goes away leaving the kernel
  // state, and a new one opens the same root.
  void restart() {
    _dp->keep_kernel_state_on_exit();
    _dp.reset();
    open(false);
  }
  void open(bool finish = true) {
    _dp = std::make_unique<dataplane::datapath>(dataplane::datapath_options{.pin_root = _root, .clean = false});
    if (finish) _dp->finish_restore();
  }

 private:
  std::string _root;
  std::unique_ptr<dataplane::datapath> _dp;
};

}  // namespace pcn::testing
