// slowpath: packet-in -> coroutine handler -> packet-out, for each cube type.
//
//   generator --live frames--> g0 ==veth== d0 [to userspace] ... handler ... [out] d1 ==veth== s1 [sink]
//
// The generator and the sink of bench/kernel_topology.hpp, the generator stamping each
// frame with the time, the sink filing its latency in a histogram. Measured: helloworld with action SLOWPATH
// (its fast path sends every packet up, its packet_in sends it out of the other port).
// Baseline: the original Polycube's mechanism (slowpath/original.bpf.c): perf buffer in,
// one polling thread, metadata into a map and the frame into a TAP device out, whose
// ingress program redirects it to d1. Both userspace sides run on CPU 0, the generator and
// the softirq work it causes on CPU 1.
//
// The injection alternatives (XDP types): a handler sends the packet into a cube's port
// (ingress) through the slow path's injection veth (AF_XDP TX, batched: what the slow path
// does), or by one live-frames BPF_PROG_TEST_RUN of the injection program per packet.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "bench/kernel_topology.hpp"
#include "bench/process.hpp"
#include "bench/fastpath/latency_abi.h"
#include "bench/slowpath/original_abi.h"
#include "bench/suite.hpp"
#include "cubes/helloworld/helloworld.hpp"
#include "dataplane/datapath.hpp"
#include "original.skel.h"
#include "reactor/engine.hpp"
#include "reactor/io.hpp"
#include "reactor/when_all.hpp"
#include "reflector_tc.skel.h"
#include "reflector_xdp.skel.h"
#include "slowpath/slow_path.hpp"
#include "slowpath/xsk.hpp"
#include "xsk_floor.skel.h"

namespace pcn::bench {
namespace {

using dataplane::cube_type;
using testing::run_command;

constexpr int userspace_cpu = 0;
constexpr int generator_cpu = 1;

// Outranks other work on a shared machine (a build): nice -20 for this thread and the
// threads it starts, and for its scheduler autogroup.
void raise_priority() {
  ::setpriority(PRIO_PROCESS, 0, -20);
  if (unique_fd group(::open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC)); group) {
    [[maybe_unused]] auto n = ::write(group.get(), "-20", 3);
  }
}

clockid_t thread_clock(std::thread& t) {
  clockid_t id{};
  pthread_getcpuclockid(t.native_handle(), &id);
  return id;
}

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu_count() > 1 ? cpu : 0, &set);
  sched_setaffinity(0, sizeof set, &set);
}

struct latency {
  double p50_us = 0, p99_us = 0;
  uint64_t delivered = 0;
};

// CPU time of a thread (user and system, softirqs it ran included), in seconds.
double cpu_seconds(clockid_t thread_clock) {
  timespec ts{};
  clock_gettime(thread_clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct saturated {
  double rate = 0;            // packets per second delivered
  double cpu_per_packet = 0;  // µs of the userspace side's thread per packet delivered
};

// What is delivered while the generator sends as fast as it can for `duration`, and what
// the userspace side's thread (`userspace`, its CPU clock) spent per packet meanwhile:
// the efficiency, which a busy shared machine does not change as it changes the rate.
saturated rate(veth_topology& t, std::chrono::milliseconds duration, clockid_t userspace) {
  uint64_t before = t.received();
  double cpu_before = cpu_seconds(userspace);
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < duration) t.send(16 * 1024);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // what is on its way still counts
  auto delivered = static_cast<double>(t.received() - before);
  double cpu = cpu_seconds(userspace) - cpu_before;
  return {delivered / seconds, delivered > 0 ? cpu / delivered * 1e6 : 0};
}

// Waits until what a saturating run left queued has drained (nothing more reaches the
// sink for 50 ms), at most 2 s: latency is measured on an empty pipeline.
void settle(veth_topology& t) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (uint64_t before = t.received(); std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    uint64_t now = t.received();
    if (now == before) return;
    before = now;
  }
}

// Latency of `count` frames sent one at a time, `gap` apart (far below saturation).
latency paced(veth_topology& t, unsigned count, std::chrono::microseconds gap) {
  auto before = t.histogram();
  auto next = std::chrono::steady_clock::now();
  for (unsigned i = 0; i < count; ++i) {
    next += gap;
    t.send(1);
    while (std::chrono::steady_clock::now() < next) {
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto after = t.histogram();
  uint64_t total = 0;
  for (uint32_t b = 0; b < LATENCY_BUCKETS; ++b) total += after[b] -= before[b];
  latency out{0, 0, total};
  if (total == 0) return out;
  auto at = [&](double q) {
    uint64_t want = static_cast<uint64_t>(q * static_cast<double>(total)), seen = 0;
    for (uint32_t b = 0; b < LATENCY_BUCKETS; ++b)
      if ((seen += after[b]) > want) return (b + 0.5) * LATENCY_BUCKET_NS / 1000.0;
    return LATENCY_BUCKETS * LATENCY_BUCKET_NS / 1000.0;
  };
  out.p50_us = at(0.50);
  out.p99_us = at(0.99);
  return out;
}
// ---------------------------------------------------------------- the framework

// The slow path served by a reactor of its own on the userspace CPU while it exists.
class reactor_thread {
 public:
  explicit reactor_thread(slowpath::slow_path& sp) : _stop(::eventfd(0, EFD_CLOEXEC)) {
    _thread = std::thread([this, &sp] {
      pthread_setname_np(pthread_self(), "pcn-reactor");
      pin_to(userspace_cpu);
      engine e({.shards = 1, .pin_threads = false});
      e.run(serve(sp, _stop.get()));
    });
  }
  clockid_t cpu_clock() const { return thread_clock(const_cast<std::thread&>(_thread)); }
  ~reactor_thread() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(_stop.get(), &one, sizeof one);
    _thread.join();
  }

 private:
  static task<void> stop_on(int fd, cancel_source& stop) {
    co_await io::poll(fd, POLLIN);
    stop.request_cancel();
  }
  static task<void> serve(slowpath::slow_path& sp, int fd) {
    cancel_source stop;
    co_await when_all(sp.run(stop), stop_on(fd, stop));
  }

  unique_fd _stop;
  std::thread _thread;
};

// helloworld SLOWPATH between d0 and d1.
class helloworld_dut {
 public:
  helloworld_dut(dataplane::datapath& dp, const veth_topology& t, cube_type type) : _hw(dp, "bench_hw", type, log::level::warn) {
    _hw.add_port("in");
    _hw.add_port("out");
    dp.connect("bench_hw:in", t.d0);
    dp.connect("bench_hw:out", t.d1);
    _hw.set_action(cubes::helloworld::action::slowpath);
  }

 private:
  cubes::helloworld _hw;
};

// A cube whose handler sends each packet back into the cube through its port 0 (in), by
// one of the two injection mechanisms; its fast path then sends it out of port 1.
class reflector final : public dataplane::cube {
 public:
  enum class mode { injection_veth, test_run };

  reflector(dataplane::datapath& dp, const veth_topology& t, cube_type type, mode m, const slowpath::injection_device& device)
      : cube(dp, {.name = "bench_reflector",
                  .service = "bench_reflector",
                  .type = type,
                  .code = dataplane::fastpath_code::embedded<reflector_xdp, reflector_tc>(),
                  .log_level = log::level::warn,
                  .constants = {}}),
        _mode(m),
        _inject_fd(device.xdp_program_fd()),
        _inject_ifindex(static_cast<uint32_t>(device.rx_ifindex())) {
    add_port("in");
    add_port("out");
    dp.connect("bench_reflector:in", t.d0);
    dp.connect("bench_reflector:out", t.d1);
  }

  task<void> packet_in(slowpath::packet pkt) override {
    dataplane::port* in = find_port(uint16_t{0});
    if (_mode == mode::injection_veth) {
      co_await in->send(std::move(pkt), dataplane::direction::ingress);
      co_return;
    }
    // The alternative: the injection program run on this one packet, live.
    pcn_inject_header h{};
    h.magic = PCN_INJECT_MAGIC;
    h.family = PCN_FAMILY_XDP;
    h.hop = owner_datapath().slowpath_target(*in, dataplane::direction::ingress);
    if (!pkt.push_front(sizeof h)) co_return;
    std::memcpy(pkt.data().data(), &h, sizeof h);
    xdp_md ctx{};
    ctx.data_end = pkt.size();
    ctx.ingress_ifindex = _inject_ifindex;
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt.data().data(), .data_size_in = pkt.size(), .ctx_in = &ctx,
                .ctx_size_in = sizeof ctx, .repeat = 1, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
    bpf_prog_test_run_opts(_inject_fd, &opts);
  }

 private:
  mode _mode;
  int _inject_fd;
  uint32_t _inject_ifindex;
};

// ---------------------------------------------------------------- the baseline

// Perf buffer in, TAP device out, one polling thread on the userspace CPU.
class original_dut {
 public:
  original_dut(const veth_topology& t, cube_type type) : _t(t), _type(type), _prog(original::open()) {
    if (!_prog) throw std::runtime_error("slowpath: open the baseline program");
    _prog->rodata->in_port = 0;
    if (original::load(_prog.get()) != 0) throw std::runtime_error("slowpath: load the baseline program");
    open_tap();
    attach_tc(_tap_index, bpf_program__fd(_prog->progs.from_userspace));
    if (type == cube_type::tc) {
      attach_tc(t.d0_index, bpf_program__fd(_prog->progs.to_userspace_tc));
    } else if (bpf_xdp_attach(t.d0_index, bpf_program__fd(_prog->progs.to_userspace_xdp), xdp_flags(), nullptr) != 0) {
      throw std::runtime_error("slowpath: attach the baseline XDP program");
    }
    _buffer = perf_buffer__new(bpf_map__fd(_prog->maps.packets_in), 256, &original_dut::on_sample, nullptr, this, nullptr);
    if (!_buffer) throw std::runtime_error("slowpath: open the baseline's perf buffer");
    _queue = bpf_map__fd(_prog->maps.packets_out);
    _poller = std::thread([this] {
      pin_to(userspace_cpu);
      while (!_stop) perf_buffer__poll(_buffer, 100);
    });
  }
  clockid_t cpu_clock() { return thread_clock(_poller); }
  ~original_dut() {
    _stop = true;
    _poller.join();
    perf_buffer__free(_buffer);
    if (_type == cube_type::tc) std::system(("tc qdisc del dev " + _t.d0 + " clsact 2>/dev/null").c_str());
    else bpf_xdp_detach(_t.d0_index, xdp_flags(), nullptr);
  }

 private:
  uint32_t xdp_flags() const { return _type == cube_type::xdp_drv ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE; }

  void open_tap() {
    _tap.reset(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (!_tap) throw std::runtime_error("slowpath: open /dev/net/tun");
    ifreq request{};
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::strncpy(request.ifr_name, "pcnstap", IFNAMSIZ - 1);
    if (::ioctl(_tap.get(), TUNSETIFF, &request) != 0) throw std::runtime_error("slowpath: create the TAP device");
    run_command("ip link set pcnstap up");
    _tap_index = static_cast<int>(if_nametoindex("pcnstap"));
  }

  static void attach_tc(int ifindex, int prog_fd) {
    bpf_tc_hook hook{};
    hook.sz = sizeof hook;
    hook.ifindex = ifindex;
    hook.attach_point = BPF_TC_INGRESS;
    if (int rc = bpf_tc_hook_create(&hook); rc != 0 && rc != -EEXIST) throw std::runtime_error("slowpath: create a clsact qdisc");
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
    if (bpf_tc_attach(&hook, &opts) != 0) throw std::runtime_error("slowpath: attach a baseline TC program");
  }

  // The handler: out of the other port, through the map and the TAP device.
  static void on_sample(void* self_ptr, int, void* data, uint32_t size) {
    auto* self = static_cast<original_dut*>(self_ptr);
    original_metadata md;
    if (size < sizeof md) return;
    std::memcpy(&md, data, sizeof md);
    if (md.length > size - sizeof md) return;
    original_metadata out{md.port ^ 1, md.length, static_cast<uint32_t>(self->_t.d1_index)};
    if (bpf_map_update_elem(self->_queue, nullptr, &out, BPF_ANY) != 0) return;
    [[maybe_unused]] auto n = ::write(self->_tap.get(), static_cast<const char*>(data) + sizeof md, md.length);
  }

  const veth_topology& _t;
  cube_type _type;
  skeleton_ptr<original>::type _prog;
  unique_fd _tap;
  int _tap_index = 0;
  int _queue = -1;
  perf_buffer* _buffer = nullptr;
  std::atomic<bool> _stop{false};
  std::thread _poller;
};

// ---------------------------------------------------------------- the floor

// The same round trip with AF_XDP and nothing else: the frame goes straight to a socket
// on d0 (no entry program, cube or metadata), and one thread on the userspace CPU sends
// it out of d1 from the same UMEM frame (no handler, no coroutine, no batching beyond the
// ring's). What is left is the kernel's own work, which bounds any copy-mode AF_XDP slow
// path on this machine; the framework's figures are read against it.
class bare_afxdp_dut {
 public:
  bare_afxdp_dut(const veth_topology& t, cube_type type) : _t(t), _flags(type == cube_type::xdp_drv ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE), _prog(xsk_floor::open_and_load()) {
    if (!_prog) throw std::runtime_error("slowpath: load the bare AF_XDP program");
    // The topology's veths have one RX queue each.
    _rx = std::make_unique<slowpath::xsk>(_umem, t.d0, 0, true);
    _tx = std::make_unique<slowpath::xsk>(_umem, t.d1, 0, false);
    uint32_t queue = 0, fd = static_cast<uint32_t>(_rx->fd());
    if (bpf_map_update_elem(bpf_map__fd(_prog->maps.sockets), &queue, &fd, BPF_ANY) != 0)
      throw std::runtime_error("slowpath: register the bare AF_XDP socket");
    _rx->refill(fill_frames);
    if (bpf_xdp_attach(t.d0_index, bpf_program__fd(_prog->progs.to_socket), _flags, nullptr) != 0)
      throw std::runtime_error("slowpath: attach the bare AF_XDP program");
    _forwarder = std::thread([this] { forward(); });
  }
  clockid_t cpu_clock() { return thread_clock(_forwarder); }
  ~bare_afxdp_dut() {
    _stop = true;
    _forwarder.join();
    bpf_xdp_detach(_t.d0_index, _flags, nullptr);
  }

 private:
  static constexpr uint32_t fill_frames = 512;  // the most a busy framework socket keeps

  void forward() {
    pin_to(userspace_cpu);
    std::array<xdp_desc, 64> descs;
    pollfd readable{_rx->fd(), POLLIN, 0};
    while (!_stop) {
      uint32_t n = _rx->receive(descs);
      if (n == 0) {
        ::poll(&readable, 1, 100);
        continue;
      }
      for (uint32_t i = 0; i < n; ++i)
        if (!_tx->transmit(descs[i].addr, descs[i].len)) _umem.pool().release(descs[i].addr);
      for (int kicks = 0; kicks < 16 && _tx->tx_pending(); ++kicks)
        if (int err = _tx->kick(); err != 0 && err != EAGAIN) break;
      _tx->complete();
      _rx->refill(fill_frames);
    }
  }

  const veth_topology& _t;
  uint32_t _flags;
  skeleton_ptr<xsk_floor>::type _prog;
  slowpath::umem _umem;
  std::unique_ptr<slowpath::xsk> _rx, _tx;
  std::atomic<bool> _stop{false};
  std::thread _forwarder;
};

// ---------------------------------------------------------------- the suite

struct sample {
  saturated load;
  latency paced;
};

sample measure(veth_topology& t, std::chrono::milliseconds duration, unsigned paced_frames, clockid_t userspace) {
  rate(t, duration / 10, userspace);  // warm-up
  sample s;
  s.load = rate(t, duration, userspace);
  settle(t);
  s.paced = paced(t, paced_frames, std::chrono::microseconds(20));
  return s;
}

// Frames the kernel could not hand to the slow path's sockets, summed over them, by
// what ran out: a frame in the fill ring, or room in the RX ring.
struct socket_drops {
  uint64_t no_frame = 0, ring_full = 0;
  socket_drops& operator+=(const socket_drops& o) {
    no_frame += o.no_frame;
    ring_full += o.ring_full;
    return *this;
  }
};
socket_drops dropped_by_sockets(const slowpath::slow_path& sp) {
  socket_drops d;
  for (const auto& s : sp.sockets()) d += {s.kernel.rx_dropped, s.kernel.rx_ring_full};
  return d;
}

struct figure_set {
  figure rate, cpu, p50, p99;
  figure_set(const std::string& name, const std::string& baseline)
      : rate{name, "Mpps", better::higher, {}, baseline, {}},
        cpu{name + "/cpu_per_packet", "us", better::lower, {}, baseline + "/cpu_per_packet", {}},
        p50{name + "/p50", "us", better::lower, {}, baseline + "/p50", {}},
        p99{name + "/p99", "us", better::lower, {}, baseline + "/p99", {}} {}
  void add(const sample& measured, const sample& base) {
    rate.samples.push_back(measured.load.rate / 1e6);
    rate.baseline_samples.push_back(base.load.rate / 1e6);
    cpu.samples.push_back(measured.load.cpu_per_packet);
    cpu.baseline_samples.push_back(base.load.cpu_per_packet);
    p50.samples.push_back(measured.paced.p50_us);
    p50.baseline_samples.push_back(base.paced.p50_us);
    p99.samples.push_back(measured.paced.p99_us);
    p99.baseline_samples.push_back(base.paced.p99_us);
  }
  void append_to(suite_result& r, bool with_rate = true) const {
    if (with_rate) {
      r.figures.push_back(rate);
      r.figures.push_back(cpu);
    }
    for (const figure* f : {&p50, &p99}) r.figures.push_back(*f);
  }
};

suite_result run_slowpath(const run_context& ctx, const option_values& opts) {
  auto duration = std::chrono::milliseconds(opts.number<unsigned>("duration-ms", 100, 60'000));
  auto paced_frames = opts.number<unsigned>("paced", 100, 1'000'000);
  std::vector<cube_type> types = parse_types(opts.text("types"));
  bool injection = opts.text("injection") != "no";

  raise_priority();
  pin_to(generator_cpu);
  foreign_cpu others({});
  log::set_level(std::max(log::current_level(), log::level::warn));
  private_netns netns("slowpath");
  veth_topology topo("slowpath", "pcns", true);
  temporary_pin_root pins;
  dataplane::datapath dp({.pin_root = pins.path, .clean = true});
  dp.finish_restore();
  auto busy_poll = std::chrono::microseconds(opts.number<unsigned>("busy-poll-us", 1, 10'000));
  slowpath::slow_path sp(dp, {});

  suite_result result{"slowpath", ctx.rounds, {}, {}};
  for (cube_type type : types) {
    std::string label = type_label(type);
    topo.set_gro(type != cube_type::xdp_drv);
    figure_set main("helloworld-slowpath/" + label, "perf-tap/" + label);
    figure_set busy("helloworld-slowpath-busypoll/" + label, "perf-tap/" + label);
    std::optional<figure_set> floor;
    if (type != cube_type::tc) floor.emplace("bare-afxdp/" + label, "helloworld-slowpath/" + label);
    socket_drops xsk_drops;
    std::optional<figure_set> inject;
    if (injection && type != cube_type::tc) inject.emplace("inject-veth/" + label, "inject-testrun/" + label);
    for (unsigned round = 0; round < ctx.rounds; ++round) {
      sample framework, framework_busy, baseline;
      {
        helloworld_dut dut(dp, topo, type);
        {
          reactor_thread serving(sp);
          framework = measure(topo, duration, paced_frames, serving.cpu_clock());
        }
        xsk_drops += dropped_by_sockets(sp);  // before the sockets go with the cube
        sp.set_busy_poll(busy_poll);
        {
          reactor_thread serving(sp);
          framework_busy.paced = paced(topo, paced_frames, std::chrono::microseconds(20));
        }
        sp.set_busy_poll({});
      }
      {
        original_dut dut(topo, type);
        baseline = measure(topo, duration, paced_frames, dut.cpu_clock());
      }
      main.add(framework, baseline);
      busy.add(framework_busy, baseline);
      if (floor) {
        bare_afxdp_dut dut(topo, type);
        floor->add(measure(topo, duration, paced_frames, dut.cpu_clock()), framework);
      }
      if (!inject) continue;
      sample veth, test_run;
      {
        reflector dut(dp, topo, type, reflector::mode::injection_veth, sp.injection());
        reactor_thread serving(sp);
        veth = measure(topo, duration, paced_frames, serving.cpu_clock());
      }
      {
        reflector dut(dp, topo, type, reflector::mode::test_run, sp.injection());
        reactor_thread serving(sp);
        test_run = measure(topo, duration, paced_frames, serving.cpu_clock());
      }
      inject->add(veth, test_run);
    }
    main.append_to(result);
    busy.append_to(result, false);
    if (auto r = ratio(main.rate)) {
      double mpps = summarize(main.rate.samples).median;
      result.notes.push_back("helloworld-slowpath/" + label + ": " + format_number(mpps) + " Mpps, " + format_number(*r) +
                             "x the original mechanism" + (type == cube_type::tc ? "" : " (goals: >= 0.6 Mpps, >= 5x)"));
    }
    double cpu = summarize(main.cpu.samples).median, base_cpu = summarize(main.cpu.baseline_samples).median;
    if (cpu > 0 && base_cpu > 0)
      result.notes.push_back("helloworld-slowpath/" + label + ": the userspace side's thread spends " + format_number(cpu) +
                             " us of CPU per packet (its syscalls' kernel work included), the original's " + format_number(base_cpu) +
                             " us: a whole core would carry " + format_number(1 / cpu) + " Mpps against " + format_number(1 / base_cpu) +
                             " (" + format_number(base_cpu / cpu) + "x)");
    result.notes.push_back("helloworld-slowpath/" + label + ": latency p50 " + format_number(summarize(main.p50.samples).median) +
                           " us (goal <= 10 us), p99 " + format_number(summarize(main.p99.samples).median) + " us, at " +
                           std::to_string(1'000'000 / 20) + " packets/s; with a busy poll of " + std::to_string(busy_poll.count()) +
                           " us after each packet, p50 " + format_number(summarize(busy.p50.samples).median) + " us, p99 " +
                           format_number(summarize(busy.p99.samples).median) + " us");
    if (type != cube_type::tc)
      result.notes.push_back("helloworld-slowpath/" + label + ": the AF_XDP sockets dropped " + std::to_string(xsk_drops.no_frame) +
                             " frames for want of a frame in the fill ring and " + std::to_string(xsk_drops.ring_full) +
                             " for want of room in the RX ring, over the rounds (the offered load was above what the slow path takes)");
    if (floor) {
      floor->append_to(result);
      double bare = summarize(floor->rate.samples).median, base = summarize(main.rate.baseline_samples).median;
      double ours = summarize(main.rate.samples).median;
      if (bare > 0 && base > 0)
        result.notes.push_back("bare-afxdp/" + label + ": AF_XDP with no framework (the kernel's work alone) carries " + format_number(bare) +
                               " Mpps, " + format_number(bare / base) + "x the original mechanism: the ceiling of a copy-mode AF_XDP slow path here; the framework reaches " +
                               format_number(ours / bare * 100) + "% of it");
    }
    if (inject) inject->append_to(result);
  }
  if (auto busy = others.since())
    result.notes.push_back("other processes' user CPU time during the run: " + format_number(*busy * 100) + "% of a CPU" +
                           (*busy > 0.1 ? " (the machine was not quiet: rerun)" : ""));
  auto c = sp.counters();
  result.notes.push_back("slow path totals: " + std::to_string(c.xdp_packets_in) + " XDP and " + std::to_string(c.tc_packets_in) +
                         " TC packets in, " + std::to_string(c.sent_direct) + " sent by AF_XDP TX, " + std::to_string(c.sent_injected) +
                         " injected, " + std::to_string(c.kicks) + " kicks");
  return result;
}

}  // namespace

suite slowpath_suite() {
  return {"slowpath",
          "packet-in -> coroutine handler -> packet-out: pps and latency per type vs the original perf buffer + TAP",
          {{"duration-ms", "1000", "how long the generator sends per throughput sample"},
           {"paced", "20000", "frames sent one at a time, 20 us apart, per latency sample"},
           {"types", "xdp_drv,xdp_skb,tc", "cube types to measure"},
           {"injection", "yes", "also compare the two injection mechanisms (XDP types)"},
           {"busy-poll-us", "50", "the latency figures *-busypoll: the slow path's busy_poll (how long a socket is watched after its last packet)"}},
          run_slowpath};
}

}  // namespace pcn::bench
