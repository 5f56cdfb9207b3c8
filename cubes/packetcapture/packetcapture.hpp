#pragma once
// packetcapture: a transparent cube that copies what crosses its parent (a port or a
// netdev) to userspace — the directions asked for, the packets the fast-path filters
// keep, up to snaplen bytes, with a nanosecond timestamp and the direction — through a
// ring buffer of its own, and lets every packet go on untouched. In userspace each copy is
// checked against a pcap-filter expression, anonymized if asked, and written to the dump
// file and to every live stream (pcapng or pcap).
//
// Runs on the datapath's shard; the ring buffer is drained by a coroutine of that shard's
// background scope (or by poll_ring(), off a reactor).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture/pcapng.hpp"
#include "cubes/packetcapture/anonymizer.hpp"
#include "cubes/packetcapture/outputs.hpp"
#include "cubes/packetcapture/packet_filter.hpp"
#include "dataplane/cube.hpp"

struct ring_buffer;
struct packetcapture_event;

namespace pcn::cubes {

class packetcapture final : public dataplane::transparent_cube {
 public:
  enum class mode { off, ingress, egress, bidirectional };

  struct settings {
    mode capture = mode::off;
    uint32_t snaplen = 262144;
    pcap::fastpath_filter filters;
    std::string filter;  // pcap-filter expression
    bool anonymize = false;
    std::string dump;  // absolute path; empty: none
    capture::file_format dump_format = capture::file_format::pcapng;
    bool operator==(const settings&) const = default;
  };

  struct statistics {
    uint64_t seen = 0, copied = 0, ring_drops = 0;             // the fast path's
    uint64_t filtered = 0, captured = 0;                         // userspace: expression, delivered
    uint64_t dump_drops = 0, dump_errors = 0, stream_drops = 0;  // outputs
    uint32_t streams = 0;
  };

  packetcapture(dataplane::datapath& dp, std::string name, dataplane::cube_type type, log::level level = log::level::info);
  ~packetcapture() override;

  const settings& current() const noexcept { return _settings; }
  // All or nothing: the expression is compiled and the dump file opened before the fast
  // path is reloaded; anything refused throws (pcap::filter_error, std::system_error,
  // topology_error) and leaves the previous settings in force. The reload is verified at
  // the cube's home place (reload_at_home()).
  task<void> configure(const settings& wanted);

  statistics stats() const;

  // The live streams: each gets what the cube captures from when it is opened.
  const std::shared_ptr<pcap::stream_hub>& streams() const noexcept { return _streams; }

  // Drains the ring buffer now; returns how many copies there were.
  size_t poll_ring();

  static std::string_view to_string(mode m);
  static std::optional<mode> parse_mode(std::string_view s);

 private:
  struct ring_reader;
  static task<void> drain(std::shared_ptr<ring_reader> reader);
  static int on_record(void* context, void* data, size_t size);
  // Delivers what the ring holds now to the current outputs (before they change).
  void deliver_pending() noexcept;
  void deliver(const ::packetcapture_event& event, std::span<const uint8_t> data);
  void set_fastpath_constants(const settings& s);

  settings _settings;
  std::string _description;  // of the interface, in pcapng
  pcap::pcap_expression _expression;
  std::optional<pcap::anonymizer> _anonymizer;
  std::unique_ptr<pcap::dump_file> _dump;
  std::shared_ptr<pcap::stream_hub> _streams = std::make_shared<pcap::stream_hub>();
  std::shared_ptr<ring_reader> _ring;
  int64_t _clock_offset = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC, ns, per batch
  std::string _scratch;       // a copy being anonymized; the encoded bytes
  std::vector<uint8_t> _packet;
  uint64_t _filtered = 0, _captured = 0, _dump_drops = 0, _dump_errors = 0;
};

}  // namespace pcn::cubes
