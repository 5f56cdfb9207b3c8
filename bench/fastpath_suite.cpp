// fastpath: Mpps through one veth hop, for each cube type.
//
//   generator --live frames--> g0 ==veth== d0 [device under test] --redirect--> d1 ==veth== s1 [sink]
//
// (bench/kernel_topology.hpp). The device under test on d0 is either a
// bare redirect program of the hook (the baseline) or the framework: d0's entry program,
// simpleforwarder (and k transparent pass-through cubes on its ingress port) and the
// redirect to d1. The sink, an XDP program on s1, counts and drops. Everything runs in a
// private network namespace that disappears with the suite.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <thread>

#include "bare_chain.skel.h"
#include "bare_redirect.skel.h"
#include "bench/kernel_topology.hpp"
#include "bench/suite.hpp"
#include "cubes/packetcapture/packetcapture.hpp"
#include "cubes/simpleforwarder/simpleforwarder.hpp"
#include "cubes/transparenthelloworld/transparenthelloworld.hpp"
#include "dataplane/datapath.hpp"
#include "reactor/engine.hpp"
#include "tests/support/netns.hpp"

namespace pcn::bench {
namespace {

using dataplane::cube_type;
using testing::run_command;

// The baseline on d0: the bare program of the hook.
class bare_dut {
 public:
  bare_dut(veth_topology& t, cube_type type) : _t(t), _type(type), _prog(bare_redirect::open()) {
    if (!_prog) throw std::runtime_error("fastpath: open the bare redirect program");
    _prog->rodata->out_ifindex = static_cast<__u32>(t.d1_index);
    if (bare_redirect::load(_prog.get()) != 0) throw std::runtime_error("fastpath: load the bare redirect program");
    uint32_t zero = 0, out = static_cast<uint32_t>(t.d1_index);
    bpf_map_update_elem(bpf_map__fd(_prog->maps.out_port), &zero, &out, BPF_ANY);
    if (type == cube_type::tc) {
      bpf_tc_hook hook{};
      hook.sz = sizeof hook;
      hook.ifindex = t.d0_index;
      hook.attach_point = BPF_TC_INGRESS;
      if (int rc = bpf_tc_hook_create(&hook); rc != 0 && rc != -EEXIST) throw std::runtime_error("fastpath: create clsact on " + t.d0);
      LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(_prog->progs.bare_tc));
      if (bpf_tc_attach(&hook, &opts) != 0) throw std::runtime_error("fastpath: attach bare TC program");
    } else if (bpf_xdp_attach(t.d0_index, bpf_program__fd(_prog->progs.bare_xdp), xdp_flags(), nullptr) != 0) {
      throw std::runtime_error("fastpath: attach bare XDP program");
    }
  }
  ~bare_dut() {
    if (_type == cube_type::tc) std::system(("tc qdisc del dev " + _t.d0 + " clsact 2>/dev/null").c_str());
    else bpf_xdp_detach(_t.d0_index, xdp_flags(), nullptr);
  }

 private:
  uint32_t xdp_flags() const { return _type == cube_type::xdp_drv ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE; }
  veth_topology& _t;
  cube_type _type;
  skeleton_ptr<bare_redirect>::type _prog;
};

// The floor of a chain on d0 (XDP): `hops` programs that only tail-call the next through a
// constant slot, the last redirecting to d1. What a chain of k cubes cannot beat.
class bare_chain_dut {
 public:
  bare_chain_dut(veth_topology& t, cube_type type, unsigned hops) : _t(t), _flags(type == cube_type::xdp_drv ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE) {
    for (unsigned i = 0; i <= hops; ++i) {
      typename skeleton_ptr<bare_chain>::type p(bare_chain::open());
      if (!p) throw std::runtime_error("fastpath: open the bare chain");
      p->rodata->next_slot = i < hops ? i + 1 : 0xffffffffu;
      if (!_programs.empty()) {
        bpf_map__reuse_fd(p->maps.chain, bpf_map__fd(_programs.front()->maps.chain));
        bpf_map__reuse_fd(p->maps.chain_out, bpf_map__fd(_programs.front()->maps.chain_out));
      }
      if (bare_chain::load(p.get()) != 0) throw std::runtime_error("fastpath: load the bare chain");
      _programs.push_back(std::move(p));
    }
    int array = bpf_map__fd(_programs.front()->maps.chain);
    for (uint32_t i = 0; i < _programs.size(); ++i) {
      int fd = bpf_program__fd(_programs[i]->progs.chain_hop);
      bpf_map_update_elem(array, &i, &fd, BPF_ANY);
    }
    uint32_t zero = 0, out = static_cast<uint32_t>(t.d1_index);
    bpf_map_update_elem(bpf_map__fd(_programs.front()->maps.chain_out), &zero, &out, BPF_ANY);
    if (bpf_xdp_attach(t.d0_index, bpf_program__fd(_programs.front()->progs.chain_hop), _flags, nullptr) != 0)
      throw std::runtime_error("fastpath: attach the bare chain");
  }
  ~bare_chain_dut() { bpf_xdp_detach(_t.d0_index, _flags, nullptr); }
  // BPF instructions of one hop after verification.
  uint32_t hop_instructions() const { return dataplane::verified_instructions(bpf_program__fd(_programs.front()->progs.chain_hop)); }

 private:
  veth_topology& _t;
  uint32_t _flags;
  std::vector<typename skeleton_ptr<bare_chain>::type> _programs;
};

// The framework on d0: simpleforwarder d0 -> d1, with `chain` pass-through cubes on its
// ingress port.
class framework_dut {
 public:
  framework_dut(dataplane::datapath& dp, veth_topology& t, cube_type type, unsigned chain)
      : _forwarder(std::make_unique<cubes::simpleforwarder>(dp, "bench_sf", type)) {
    _forwarder->add_port("in");
    _forwarder->add_port("out");
    dp.connect("bench_sf:in", t.d0);
    dp.connect("bench_sf:out", t.d1);
    _forwarder->set_entry({"in", cubes::simpleforwarder::action::forward, "out"});
    for (unsigned i = 0; i < chain; ++i) {
      _chain.push_back(std::make_unique<cubes::transparenthelloworld>(dp, "bench_t" + std::to_string(i), type));
      dp.attach(*_chain.back(), "bench_sf:in", {});
    }
  }
  ~framework_dut() {
    _chain.clear();
    _forwarder.reset();
  }
  // BPF instructions after verification of simpleforwarder, and of the first transparent
  // cube (a pass-through hop into the next one, when there are two or more).
  uint32_t forwarder_instructions() const { return dataplane::verified_instructions(_forwarder->master_fd()); }
  uint32_t hop_instructions() const { return _chain.empty() ? 0 : dataplane::verified_instructions(_chain.front()->master_fd()); }

 private:
  std::unique_ptr<cubes::simpleforwarder> _forwarder;
  std::vector<std::unique_ptr<cubes::transparenthelloworld>> _chain;
};

// simpleforwarder with a packetcapture cube on its ingress port, capturing both ways: with
// a filter that matches nothing (the generator's frames are UDP, the filter wants TCP), or
// copying every frame while a thread on another CPU drains the ring as fast as it can.
class capture_dut {
 public:
  capture_dut(dataplane::datapath& dp, veth_topology& t, cube_type type, bool match)
      : _forwarder(dp, t, type, 0), _capture(dp, "bench_pc", type) {
    cubes::packetcapture::settings s;
    s.capture = cubes::packetcapture::mode::bidirectional;
    if (!match) s.filters.l4proto = IPPROTO_TCP;
    engine({.shards = 1, .pin_threads = false}).run(_capture.configure(s));  // its reload, here
    dp.attach(_capture, "bench_sf:in", {});
    if (match)
      _drain = std::jthread([this](std::stop_token stop) {
        cpu_set_t other;
        CPU_ZERO(&other);
        CPU_SET(0, &other);
        sched_setaffinity(0, sizeof other, &other);
        while (!stop.stop_requested()) _capture.poll_ring();
      });
  }
  ~capture_dut() {
    if (_drain.joinable()) {
      _drain.request_stop();
      _drain.join();
    }
  }
  // Copies lost because the ring was full, of those the fast path tried.
  double lost() const {
    auto st = _capture.stats();
    return st.copied + st.ring_drops == 0 ? 0 : static_cast<double>(st.ring_drops) / static_cast<double>(st.copied + st.ring_drops);
  }

 private:
  framework_dut _forwarder;
  cubes::packetcapture _capture;
  std::jthread _drain;
};

suite_result run_fastpath(const run_context& ctx, const option_values& opts) {
  auto frames = opts.number<uint32_t>("frames", 10'000, 100'000'000);
  std::vector<unsigned> chains = opts.numbers("chains", 0, 16);
  std::vector<cube_type> types = parse_types(opts.text("types"));

  // Everything on one CPU, the generator's: the veth NAPI work runs where it is scheduled.
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu_count() > 1 ? 1 : 0, &one);
  sched_setaffinity(0, sizeof one, &one);

  log::set_level(std::max(log::current_level(), log::level::warn));  // attach reports are not results
  private_netns netns("fastpath");
  veth_topology topo("fastpath", "pcnb");
  temporary_pin_root pins;
  dataplane::datapath dp({.pin_root = pins.path, .clean = true});
  dp.finish_restore();

  suite_result result{"fastpath", ctx.rounds, {}, {}};
  for (cube_type type : types) {
    std::string label = type_label(type);
    topo.set_gro(type != cube_type::xdp_drv);
    figure forwarder{"simpleforwarder/" + label, "Mpps", better::higher, {}, "bare-redirect/" + label, {}};
    std::vector<figure> chain_figures, floor_figures;
    figure capture_nomatch{"capture-nomatch/" + label, "Mpps", better::higher, {}, "simpleforwarder/" + label, {}};
    figure capture_match{"capture-match/" + label, "Mpps", better::higher, {}, "simpleforwarder/" + label, {}};
    double capture_lost = 0;
    for (unsigned k : chains)
      chain_figures.push_back({"chain-" + std::to_string(k) + "/" + label, "Mpps", better::higher, {}, "simpleforwarder/" + label, {}});
    // XDP only: k bare tail calls against the bare redirect, the floor of any chain.
    if (type != cube_type::tc)
      for (unsigned k : chains)
        floor_figures.push_back({"bare-tailcalls-" + std::to_string(k) + "/" + label, "Mpps", better::higher, {}, "bare-redirect/" + label, {}});
    std::string instructions;  // of the per-hop programs, from the longest chain
    for (unsigned round = 0; round < ctx.rounds; ++round) {
      double bare, plain;
      {
        bare_dut dut(topo, type);
        topo.mpps(frames / 10);  // warm-up
        bare = topo.mpps(frames);
      }
      {
        framework_dut dut(dp, topo, type, 0);
        topo.mpps(frames / 10);
        plain = topo.mpps(frames);
      }
      forwarder.samples.push_back(plain);
      forwarder.baseline_samples.push_back(bare);
      for (size_t i = 0; i < chains.size(); ++i) {
        framework_dut dut(dp, topo, type, chains[i]);
        topo.mpps(frames / 10);
        chain_figures[i].samples.push_back(topo.mpps(frames));
        chain_figures[i].baseline_samples.push_back(plain);
        if (round == 0 && chains[i] == *std::max_element(chains.begin(), chains.end()) && chains[i] > 0)
          instructions = label + ": BPF instructions after verification: a pass-through transparenthelloworld hop " +
                         std::to_string(dut.hop_instructions()) + ", simpleforwarder " + std::to_string(dut.forwarder_instructions());
      }
      for (bool match : {false, true}) {
        capture_dut dut(dp, topo, type, match);
        topo.mpps(frames / 10);
        (match ? capture_match : capture_nomatch).samples.push_back(topo.mpps(frames));
        (match ? capture_match : capture_nomatch).baseline_samples.push_back(plain);
        if (match) capture_lost = std::max(capture_lost, dut.lost());
      }
      for (size_t i = 0; i < floor_figures.size(); ++i) {
        bare_chain_dut dut(topo, type, chains[i]);
        topo.mpps(frames / 10);
        floor_figures[i].samples.push_back(topo.mpps(frames));
        floor_figures[i].baseline_samples.push_back(bare);
        if (round == 0 && i == 0 && !instructions.empty()) instructions += ", a bare tail-call hop " + std::to_string(dut.hop_instructions());
      }
    }
    result.figures.push_back(forwarder);
    for (auto& f : chain_figures) {
      if (auto r = ratio(f); r && f.name.find("chain-0/") == std::string::npos) {
        unsigned k = std::stoul(f.name.substr(6));
        double per_cube = 1.0 - std::pow(*r, 1.0 / k);
        result.notes.push_back(f.name + ": each added transparent cube costs " + format_number(per_cube * 100) + "% (goal <= 3%)");
      }
      result.figures.push_back(std::move(f));
    }
    if (auto r = ratio(result.figures[result.figures.size() - chain_figures.size() - 1]))
      result.notes.push_back("simpleforwarder/" + label + " reaches " + format_number(*r) + " of the bare " + label +
                             " redirect (goal >= 0.95)");
    if (!instructions.empty()) result.notes.push_back(instructions);
    result.notes.push_back("capture-match/" + label + ": up to " + format_number(capture_lost * 100) +
                           "% of the copies lost to a full ring (one thread draining it)");
    result.figures.push_back(std::move(capture_nomatch));
    result.figures.push_back(std::move(capture_match));
    for (auto& f : floor_figures) {
      if (auto r = ratio(f); r && f.name.find("-0/") == std::string::npos) {
        unsigned k = std::stoul(f.name.substr(std::string("bare-tailcalls-").size()));
        result.notes.push_back(f.name + ": each bare tail call alone costs " + format_number((1.0 - std::pow(*r, 1.0 / k)) * 100) +
                               "% (the floor of a chain)");
      }
      result.figures.push_back(std::move(f));
    }
  }
  return result;
}

}  // namespace

suite fastpath_suite() {
  return {"fastpath",
          "Mpps through one veth hop: simpleforwarder and chains of transparent cubes vs a bare redirect, per type",
          {{"frames", "2000000", "frames the generator sends per sample"},
           {"chains", "1,2,4,8", "chain lengths of transparent pass-through cubes"},
           {"types", "xdp_drv,xdp_skb,tc", "cube types to measure"}},
          run_fastpath};
}

}  // namespace pcn::bench
