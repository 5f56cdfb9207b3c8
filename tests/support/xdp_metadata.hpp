#pragma once
// The metadata an XDP pipeline of the framework carries from hop to hop lives in a slot per
// CPU of a shared data section (bpf/pcn_hook.h), not in the packet: a BPF_PROG_TEST_RUN of
// an XDP program reads and leaves it in the slot of the CPU the run happens on. This pins
// the calling thread to the CPU it is on for as long as the object lives, so that the runs
// it makes use the slot set() wrote and get() reads.
#include <sched.h>

#include <bpf/bpf.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "bpf/pcn_abi.h"
#include "dataplane/datapath.hpp"

namespace pcn::testing {

class xdp_metadata_slot {
 public:
  explicit xdp_metadata_slot(const dataplane::datapath& dp) : _fd(dp.framework_map_fd(PCN_MAP_MD)), _cpu(sched_getcpu()) {
    if (_cpu < 0 || _cpu >= PCN_MAX_CPUS || sched_getaffinity(0, sizeof _saved, &_saved) != 0)
      throw std::runtime_error("xdp_metadata_slot: cannot read the thread's CPU");
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(_cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) throw std::runtime_error("xdp_metadata_slot: cannot pin the thread to CPU " + std::to_string(_cpu));
  }
  ~xdp_metadata_slot() { sched_setaffinity(0, sizeof _saved, &_saved); }
  xdp_metadata_slot(const xdp_metadata_slot&) = delete;
  xdp_metadata_slot& operator=(const xdp_metadata_slot&) = delete;

  // What the next packet finds: a previous packet's metadata.
  void set(const pcn_metadata& md) {
    auto all = read();
    all[static_cast<size_t>(_cpu)].md = md;
    uint32_t key = 0;
    if (bpf_map_update_elem(_fd, &key, all.data(), BPF_ANY) != 0) throw std::runtime_error("xdp_metadata_slot: cannot write " PCN_MAP_MD);
  }
  // What the last run on this thread left.
  pcn_metadata get() const { return read()[static_cast<size_t>(_cpu)].md; }

 private:
  // The layout of bpf/pcn_hook.h: a cache line per CPU.
  struct alignas(64) slot {
    pcn_metadata md;
  };
  static_assert(sizeof(slot) == 64);
  std::vector<slot> read() const {
    std::vector<slot> all(PCN_MAX_CPUS);
    uint32_t key = 0;
    if (bpf_map_lookup_elem(_fd, &key, all.data()) != 0) throw std::runtime_error("xdp_metadata_slot: cannot read " PCN_MAP_MD);
    return all;
  }
  int _fd;
  int _cpu;
  cpu_set_t _saved{};
};

}  // namespace pcn::testing
