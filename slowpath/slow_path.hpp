#pragma once
// The slow path of one datapath: carries packets between the fast path and the cubes'
// packet_in() handlers, and fast-path events to the daemon's log and the cubes.
//
//   in, XDP cubes: pcn_pkt_controller() redirects into the XSKMAP; an AF_XDP socket per
//       (netdev, RX queue) carrying XDP entry programs receives the frame with its
//       metadata in front, into the shard's UMEM.
//   in, TC cubes:  the packet and its metadata come through the framework's ring buffer
//       and are copied into a frame of the same UMEM.
//   then:          the owning cube's packet_in() runs at once as a coroutine of its own
//                  (a view of the frame, no copy); at most `max_in_flight` per cube, the
//                  rest is dropped and counted in the cube's slowpath_stats().
//   out:           port::send() / transparent_cube::send(): to a netdev by AF_XDP TX on
//                  that netdev's socket (XDP cubes, nothing in between); anywhere else —
//                  into a cube, through transparent cubes, TC cubes — by AF_XDP TX into
//                  the injection device (injection.hpp). Transmissions are batched: the
//                  kernel is kicked once per batch of handlers.
//   events:        log messages go to the daemon's log with their cube and level;
//                  notifications to the cube's on_notify(); packet-trace records to the
//                  trace listener (dataplane/trace.hpp).
//
// Everything runs on the datapath's shard and is polled by its io_uring (need_wakeup:
// the reactor sleeps when there is nothing to do; a bounded busy poll after the last
// packet is an option, off by default). Construct it after the datapath, on its shard;
// run() serves until stopped; destroy it before the datapath.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "dataplane/cube.hpp"
#include "dataplane/datapath.hpp"
#include "reactor/cancel.hpp"
#include "reactor/task.hpp"
#include "reactor/task_scope.hpp"
#include "slowpath/event_ring.hpp"
#include "slowpath/injection.hpp"
#include "slowpath/packet.hpp"
#include "slowpath/xsk.hpp"

namespace pcn::slowpath {

struct slow_path_options {
  umem_options umem;
  uint32_t max_in_flight = 256;  // handlers of one cube running at once; beyond, packets are dropped
  uint32_t batch = 64;           // descriptors taken off a ring per pass
  std::string injection_device = "pcninj";  // the injection veth pair: <name>t, <name>r
  // After its last packet, a socket's loop keeps looking this long (letting the rest of
  // the shard run in between) before it sleeps: a core kept awake for lower latency.
  std::chrono::microseconds busy_poll{0};
};

// Totals of the slow path (per cube figures are in cube_base::slowpath_stats()).
struct slow_path_counters {
  uint64_t xdp_packets_in = 0;  // frames received by AF_XDP sockets
  uint64_t tc_packets_in = 0;   // packets from the ring buffer (TC cubes, copies from XDP cubes)
  uint64_t no_cube = 0;         // for a slot where no cube is (deleted meanwhile)
  uint64_t malformed = 0;       // without room for the metadata, truncated TC packets
  uint64_t no_frame = 0;        // TC packets and clones dropped: every frame in use
  uint64_t sent_direct = 0;     // to a netdev: AF_XDP TX on its own socket (XDP), AF_PACKET (TC)
  uint64_t sent_injected = 0;   // AF_XDP TX into the injection device
  uint64_t send_failures = 0;   // the kernel refused a transmission
  uint64_t kicks = 0;           // sendto() calls that asked the kernel to transmit
};

// One AF_XDP socket, for reports.
struct socket_report {
  std::string netdev;
  uint32_t queue;
  xsk_mode mode;
  xdp_statistics kernel;  // the kernel's drop counters
};

class slow_path final : public dataplane::packet_io {
 public:
  explicit slow_path(dataplane::datapath& dp, slow_path_options options = {});
  ~slow_path();
  slow_path(const slow_path&) = delete;
  slow_path& operator=(const slow_path&) = delete;

  // Serves until `stop` is cancelled, then waits for the handlers still running.
  task<void> run(cancel_source& stop);

  // Waits until none of the cube's handlers is running; destroy the cube right after
  // (without suspending in between), so that no new one starts.
  task<void> retire(const dataplane::cube_base& c);

  // packet_io: what port::send() and transparent_cube::send() call.
  task<void> send(packet pkt, pcn_hop target, dataplane::cube_base& from) override;
  packet allocate(std::span<const uint8_t> frame) override;
  bool run(task<void> work, dataplane::cube_base& owner) override;

  // Where packet-trace records from the fast path go (null: nowhere).
  void set_trace_listener(std::function<void(const pcn_trace_event&)> listener) { _trace_listener = std::move(listener); }

  // Changes busy_poll (see slow_path_options); from the next time a socket runs dry.
  void set_busy_poll(std::chrono::microseconds d) noexcept { _options.busy_poll = d; }

  const slow_path_counters& counters() const noexcept { return _counters; }
  std::vector<socket_report> sockets() const;
  const injection_device& injection() const noexcept { return *_injection; }
  frame_pool& pool() noexcept { return _umem->pool(); }

 private:
  struct socket_state;
  struct netdev_state;
  struct handler_run;

  void netdevs_changed(const std::map<int, std::string>& xdp_netdevs);
  // Binds sockets to every RX queue of the netdev; false when a queue is still held by a
  // socket closed a moment ago (see _waiting).
  bool add_netdev(int ifindex, const std::string& name);
  // Binds what waits in _waiting: done, given up (past its deadline, or another error:
  // logged), or left for the next try.
  void serve_waiting();
  void remove_netdev(int ifindex);
  void start_loop(const std::shared_ptr<socket_state>& s);
  uint32_t fill_target(const socket_state& s) const noexcept;
  void grow_fill(socket_state& s, uint32_t received) const noexcept;

  task<void> rx_loop(std::shared_ptr<socket_state> s);
  task<void> event_loop(cancel_source& cancel);
  task<void> maintenance_loop(cancel_source& cancel);
  task<void> flush_loop(cancel_source& cancel);
  uint32_t receive_batch(socket_state& s);
  void dispatch(dataplane::hook_family family, packet pkt);
  handler_run run_handler(dataplane::cube_base* c, task<void> handler);
  void on_ring_packet(const pcn_packet_event& e);
  void on_log(const pcn_log_event& e);
  void on_notify(const pcn_notify_event& e);

  std::shared_ptr<socket_state> tx_socket(dataplane::hook_family family, const pcn_hop& target);
  void mark_dirty(socket_state& s);
  void send_raw();
  void flush();
  void complete_all();

  dataplane::datapath& _dp;
  slow_path_options _options;
  slow_path_counters _counters;
  // Destroyed in reverse: sockets, the injection socket, the device, then the UMEM.
  std::unique_ptr<umem> _umem;
  std::unique_ptr<injection_device> _injection;
  std::shared_ptr<socket_state> _inject;  // TX into the injection device (owns the UMEM)
  std::map<int, netdev_state> _netdevs;   // by ifindex: every netdev with sockets
  // Netdevs to serve whose queues may still be taken: the kernel frees a closed socket's
  // queue in a deferred work, so binding right after a disconnect (this slow path's own
  // socket, or another program's) can meet EBUSY for a while. Tried at once, then by the
  // maintenance loop until the deadline, then given up with an error.
  struct waiting_netdev {
    std::string name;
    std::chrono::steady_clock::time_point deadline;
  };
  std::map<int, waiting_netdev> _waiting;
  std::vector<bool> _base_slots;          // XSKMAP ranges in use (of PCN_MAX_QUEUES keys)
  std::vector<std::shared_ptr<socket_state>> _dirty;  // with TX descriptors to kick
  // TC cubes' packets out of a netdev: an AF_PACKET socket, one sendmmsg per batch.
  struct raw_frame {
    uint64_t address;
    uint32_t length;
    int ifindex;
  };
  unique_fd _raw;
  std::vector<raw_frame> _raw_queue;
  std::function<void(const pcn_trace_event&)> _trace_listener;
  event_ring _events;
  uint64_t _handlers_running = 0;
  bool _running = false;
  std::coroutine_handle<> _flusher;  // flush_loop, while it waits for work
  task_scope _loops{"slow path"};
};

}  // namespace pcn::slowpath
