// packetcapture's fast path, on a port of simpleforwarder (sf: p0 on veth a, p1 on veth b,
// forwarding both ways): the packet goes on untouched, and a copy — directions, filters,
// snaplen — reaches the cube's ring buffer, then its streams and dump file as pcapng.
// Also what a capture costs per packet (BPF_PROG_TEST_RUN repeat), printed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "capture/pcapng.hpp"
#include "cubes/packetcapture/packetcapture.hpp"
#include "tests/bpf/fixture.hpp"
#include "tests/support/run.hpp"

namespace pcn::testing {
namespace {

using cubes::packetcapture;
using cubes::simpleforwarder;
using dataplane::cube_type;
using mode = packetcapture::mode;

struct copy_seen {
  capture::direction dir;
  uint32_t original_length;
  bytes data;
};

// The packets in pcapng bytes.
std::vector<copy_seen> packets_in(std::string_view pcapng) {
  capture::pcapng_reader reader;
  reader.feed(pcapng);
  std::vector<copy_seen> out;
  while (auto block = reader.next())
    if (auto p = capture::pcapng_reader::packet(*block)) out.push_back({p->dir, p->original_length, bytes(p->data.begin(), p->data.end())});
  return out;
}

class packetcapture_fixture : public dataplane_fixture {
 protected:
  void SetUp() override {
    dataplane_fixture::SetUp();
    if (IsSkipped()) return;
    a = &veth();
    b = &veth();
    sf.emplace(dp(), "sf", type());
    forward_between(*sf, *a, *b);
    pc.emplace(dp(), "pc", type());
    dp().attach(*pc, "sf:p0", {});
    stream = pc->streams()->open(capture::file_format::pcapng);
  }
  void TearDown() override {
    pc.reset();
    sf.reset();
  }

  void configure(std::function<void(packetcapture::settings&)> change) {
    packetcapture::settings s = pc->current();
    change(s);
    testing::run(pc->configure(s));
  }

  // Sends a -> b (in by p0: ingress for pc) or b -> a (out by p0: egress), expecting the
  // packet forwarded untouched.
  void forward(const bytes& frame, bool from_a = true) {
    run({{.description = from_a ? "a -> b" : "b -> a",
          .netdev = from_a ? a->name() : b->name(),
          .input = frame,
          .expected = verdict::redirect,
          .counters = {{"sf:p0", from_a ? 1u : 0u, from_a ? 0u : 1u}, {"sf:p1", from_a ? 0u : 1u, from_a ? 1u : 0u}}}});
  }

  // The copies streamed since the last call.
  std::vector<copy_seen> copies() {
    pc->poll_ring();
    reader.feed(stream->take().bytes);
    std::vector<copy_seen> out;
    while (auto block = reader.next())
      if (auto p = capture::pcapng_reader::packet(*block)) out.push_back({p->dir, p->original_length, bytes(p->data.begin(), p->data.end())});
    return out;
  }

  const veth_pair* a = nullptr;
  const veth_pair* b = nullptr;
  std::optional<simpleforwarder> sf;
  std::optional<packetcapture> pc;
  std::shared_ptr<cubes::pcap::live_stream> stream;
  capture::pcapng_reader reader;
};

TEST_P(packetcapture_fixture, off_by_default_copies_nothing) {
  forward(frames::udp_a_to_b());
  EXPECT_TRUE(copies().empty());
  EXPECT_EQ(pc->stats().seen, 0u);
}

TEST_P(packetcapture_fixture, bidirectional_copies_both_ways_and_leaves_packets_untouched) {
  configure([](auto& s) { s.capture = mode::bidirectional; });
  forward(frames::udp_a_to_b());
  forward(frames::udp_b_to_a(), false);
  auto seen = copies();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].dir, capture::direction::inbound);
  EXPECT_EQ(seen[0].data, frames::udp_a_to_b());
  EXPECT_EQ(seen[0].original_length, frames::udp_a_to_b().size());
  EXPECT_EQ(seen[1].dir, capture::direction::outbound);
  EXPECT_EQ(seen[1].data, frames::udp_b_to_a());
  auto st = pc->stats();
  EXPECT_EQ(st.seen, 2u);
  EXPECT_EQ(st.copied, 2u);
  EXPECT_EQ(st.captured, 2u);
  EXPECT_EQ(st.ring_drops, 0u);
  EXPECT_EQ(st.streams, 1u);
}

TEST_P(packetcapture_fixture, one_direction_at_a_time) {
  configure([](auto& s) { s.capture = mode::ingress; });
  forward(frames::udp_a_to_b());
  forward(frames::udp_b_to_a(), false);
  auto in = copies();
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].data, frames::udp_a_to_b());

  configure([](auto& s) { s.capture = mode::egress; });
  forward(frames::udp_a_to_b());
  forward(frames::udp_b_to_a(), false);
  auto out = copies();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, frames::udp_b_to_a());
  EXPECT_EQ(out[0].dir, capture::direction::outbound);
}

TEST_P(packetcapture_fixture, fastpath_filters_keep_only_what_matches) {
  using cubes::pcap::ipv4_prefix;
  struct filter_case {
    const char* what;
    std::function<void(cubes::pcap::fastpath_filter&)> set;
    bool udp_a_to_b, udp_b_to_a, echo_a_to_b;
  };
  std::vector<filter_case> cases = {
      {"l4proto ICMP", [](auto& f) { f.l4proto = IPPROTO_ICMP; }, false, false, true},
      {"l4proto UDP", [](auto& f) { f.l4proto = IPPROTO_UDP; }, true, true, false},
      {"src 10.0.0.1/32", [](auto& f) { f.src = ipv4_prefix::parse("10.0.0.1"); }, true, false, true},
      {"dst 10.0.0.0/24", [](auto& f) { f.dst = ipv4_prefix::parse("10.0.0.0/24"); }, true, true, true},
      {"dst 10.0.1.0/24", [](auto& f) { f.dst = ipv4_prefix::parse("10.0.1.0/24"); }, false, false, false},
      {"dport 53", [](auto& f) { f.dport = 53; }, true, false, false},
      {"sport 53", [](auto& f) { f.sport = 53; }, false, true, false},
      {"src 10.0.0.2 and UDP", [](auto& f) { f.src = ipv4_prefix::parse("10.0.0.2"); f.l4proto = IPPROTO_UDP; }, false, true, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    configure([&](auto& s) {
      s.capture = mode::bidirectional;
      s.filters = {};
      c.set(s.filters);
    });
    auto before = pc->stats();
    forward(frames::udp_a_to_b());
    forward(frames::udp_b_to_a(), false);
    forward(frames::echo_a_to_b());
    auto seen = copies();
    std::vector<bytes> expected;
    if (c.udp_a_to_b) expected.push_back(frames::udp_a_to_b());
    if (c.udp_b_to_a) expected.push_back(frames::udp_b_to_a());
    if (c.echo_a_to_b) expected.push_back(frames::echo_a_to_b());
    std::vector<bytes> got;
    for (auto& s : seen) got.push_back(s.data);
    EXPECT_EQ(got, expected);
    auto after = pc->stats();
    EXPECT_EQ(after.seen - before.seen, 3u);
    EXPECT_EQ(after.copied - before.copied, expected.size());
  }
}

TEST_P(packetcapture_fixture, snaplen_cuts_the_copy_not_the_packet) {
  configure([](auto& s) {
    s.capture = mode::bidirectional;
    s.snaplen = 20;
  });
  forward(frames::echo_a_to_b());
  auto seen = copies();
  ASSERT_EQ(seen.size(), 1u);
  bytes frame = frames::echo_a_to_b();
  EXPECT_EQ(seen[0].data, bytes(frame.begin(), frame.begin() + 20));
  EXPECT_EQ(seen[0].original_length, frame.size());
}

TEST_P(packetcapture_fixture, a_pcap_filter_expression_runs_on_the_copies) {
  configure([](auto& s) {
    s.capture = mode::bidirectional;
    s.filter = "icmp[icmptype] == icmp-echo and src host 10.0.0.1";
  });
  forward(frames::udp_a_to_b());
  forward(frames::echo_a_to_b());
  auto seen = copies();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].data, frames::echo_a_to_b());
  EXPECT_EQ(pc->stats().filtered, 1u);
  EXPECT_EQ(pc->stats().copied, 2u);

  // A bad expression changes nothing.
  EXPECT_THROW(configure([](auto& s) { s.filter = "icmp and and"; }), cubes::pcap::filter_error);
  EXPECT_EQ(pc->current().filter, "icmp[icmptype] == icmp-echo and src host 10.0.0.1");
}

TEST_P(packetcapture_fixture, anonymized_copies_keep_the_packet_intact) {
  configure([](auto& s) {
    s.capture = mode::bidirectional;
    s.anonymize = true;
  });
  forward(frames::udp_a_to_b());  // the fixture checks the packet itself is untouched
  auto seen = copies();
  ASSERT_EQ(seen.size(), 1u);
  bytes frame = frames::udp_a_to_b();
  EXPECT_NE(bytes(seen[0].data.begin() + 26, seen[0].data.begin() + 34), bytes(frame.begin() + 26, frame.begin() + 34));
  EXPECT_EQ(packet_detail::internet_checksum(std::span(seen[0].data).subspan(14, 20)), 0);
}

TEST_P(packetcapture_fixture, dump_file_in_pcapng_or_pcap) {
  std::string path = "/tmp/pcn-packetcapture-fixture-" + std::to_string(::getpid()) + ".pcapng";
  configure([&](auto& s) {
    s.capture = mode::bidirectional;
    s.dump = path;
  });
  forward(frames::udp_a_to_b());
  forward(frames::echo_a_to_b());
  pc->poll_ring();
  std::stringstream file;
  file << std::ifstream(path, std::ios::binary).rdbuf();
  auto seen = packets_in(file.str());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].data, frames::echo_a_to_b());
  EXPECT_NE(file.str().find("sf:p0"), std::string::npos) << "the interface is named after the parent";

  configure([&](auto& s) { s.dump_format = capture::file_format::pcap; });
  forward(frames::echo_a_to_b());
  pc->poll_ring();
  std::stringstream pcap;
  pcap << std::ifstream(path, std::ios::binary).rdbuf();
  std::string bytes_read = pcap.str();
  ASSERT_EQ(bytes_read.size(), 24u + 16u + frames::echo_a_to_b().size());
  EXPECT_EQ(bytes_read.substr(0, 4), std::string("\x4d\x3c\xb2\xa1", 4));
  ::unlink(path.c_str());

  EXPECT_THROW(configure([](auto& s) { s.dump = "relative.pcapng"; }), cubes::pcap::filter_error);
  EXPECT_THROW(configure([](auto& s) { s.dump = "/nonexistent-dir/x.pcapng"; }), std::system_error);
}

// ns per packet of the whole path (entry program, capture, simpleforwarder, redirect), for
// the closing note and bench/: no capture cube, capture OFF, a filter that matches nothing,
// a copy of every packet (the ring drained between runs so that copies are made), and a
// copy of its first 64 bytes. Full-size frames, so that the copy's size shows.
TEST_P(packetcapture_fixture, cost_per_packet) {
  constexpr uint32_t repeat = 1000;  // 2000 full copies fit in the ring (4 MiB): a run interrupted and run again too
  bytes frame = packet().eth("02:00:00:00:00:0a", "02:00:00:00:00:0b").ipv4("10.0.0.1", "10.0.0.2").udp(40000, 53).payload(1472);
  auto cost = [&] {
    uint32_t best = UINT32_MAX;
    for (int i = 0; i < 10; ++i) {
      best = std::min(best, send(a->name(), frame, hook::ingress, {}, repeat).ns_per_packet);
      pc->poll_ring();
      stream->take();
    }
    return best;
  };
  uint32_t off = cost();
  configure([](auto& s) {
    s.capture = mode::bidirectional;
    s.filters.l4proto = IPPROTO_TCP;
  });
  uint32_t nomatch = cost();
  configure([](auto& s) { s.filters = {}; });
  uint32_t match = cost();
  configure([](auto& s) { s.snaplen = 64; });
  uint32_t match64 = cost();
  EXPECT_EQ(pc->stats().ring_drops, 0u);
  dp().detach(*pc);
  uint32_t none = cost();
  std::printf("packetcapture cost (%s, 1514-byte UDP, ns/packet through the chain): no capture cube %u, capture OFF %u, "
              "non-matching filter %u, copy of every packet %u, copy of its first 64 bytes %u\n",
              type() == cube_type::tc ? "TC" : "XDP", none, off, nomatch, match, match64);
}

INSTANTIATE_TEST_SUITE_P(types, packetcapture_fixture, ::testing::Values(cube_type::xdp_drv, cube_type::tc), type_name);

}  // namespace
}  // namespace pcn::testing
