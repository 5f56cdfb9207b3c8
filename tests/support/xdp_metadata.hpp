#pragma once
// The metadata an XDP pipeline of the framework carries from hop to hop lives in a per-CPU
// map (bpf/pcn_hook.h), not in the packet: a BPF_PROG_TEST_RUN of an XDP program reads and
// leaves it in the slot of the CPU the run happens on. This pins the calling thread to the
// CPU it is on for as long as the object lives, so that the runs it makes use the slot
// set() wrote and get() reads.
#include <sched.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "bpf/pcn_abi.h"
#include "dataplane/datapath.hpp"
#include "dataplane/table.hpp"

namespace pcn::testing {

class xdp_metadata_slot {
 public:
  explicit xdp_metadata_slot(const dataplane::datapath& dp)
      : _table(dp.framework_map_fd(PCN_MAP_MD), PCN_MAP_MD), _cpu(sched_getcpu()) {
    if (_cpu < 0 || sched_getaffinity(0, sizeof _saved, &_saved) != 0)
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
  void set(const pcn_metadata& md) { _table.set_all(0, slot{md, 0}); }
  // What the last run on this thread left.
  pcn_metadata get() const {
    auto all = _table.get_all(0);
    if (static_cast<size_t>(_cpu) >= all.size()) throw std::runtime_error("xdp_metadata_slot: no slot for CPU " + std::to_string(_cpu));
    return all[static_cast<size_t>(_cpu)].md;
  }

 private:
  // The kernel lays per-CPU values out 8 bytes apart.
  struct slot {
    pcn_metadata md;
    uint32_t padding;
  };
  dataplane::percpu_table<uint32_t, slot> _table;
  int _cpu;
  cpu_set_t _saved{};
};

}  // namespace pcn::testing
