// packetcapture's control plane: the model's leaves into the cube's settings, its
// statistics into GET, and its live stream: GET .../packetcapture/<cube>/stream
// (?format=pcap for classic pcap) streams what the cube captures from then on.
#include <string_view>

#include "api/schema/error.hpp"
#include "api/service.hpp"
#include "cubes/builtin.hpp"
#include "cubes/packetcapture/packetcapture.hpp"
#include "pcn_cube_packetcapture_yang.hpp"
#include "reactor/engine.hpp"

namespace pcn::cubes {
namespace {

using namespace std::chrono_literals;
using schema::request_error;

// How long a stream's reader waits on the cube's shard for copies before it looks at its
// client again.
constexpr auto stream_poll = 200ms;

uint64_t number_member(const api::json::object& o, std::string_view name, uint64_t fallback) {
  const api::json::value* v = o.if_contains(name);
  if (!v) return fallback;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  return fallback;
}

packetcapture::settings settings_of(const api::json::object& config) {
  packetcapture::settings s;
  s.capture = packetcapture::parse_mode(api::string_member(config, "capture", "OFF")).value_or(packetcapture::mode::off);
  s.snaplen = static_cast<uint32_t>(number_member(config, "snaplen", 262144));
  s.filter = api::string_member(config, "filter");
  s.anonymize = config.contains("anonymize") && config.at("anonymize").is_bool() && config.at("anonymize").get_bool();
  s.dump = api::string_member(config, "dump");
  s.dump_format = capture::parse_file_format(api::string_member(config, "dump-format", "PCAPNG")).value_or(capture::file_format::pcapng);
  const api::json::value* filters = config.if_contains("filters");
  if (!filters || !filters->is_object()) return s;
  const api::json::object& f = filters->get_object();
  try {
    if (f.contains("src")) s.filters.src = pcap::ipv4_prefix::parse(api::string_member(f, "src"));
    if (f.contains("dst")) s.filters.dst = pcap::ipv4_prefix::parse(api::string_member(f, "dst"));
    if (const api::json::value* p = f.if_contains("l4proto")) {
      s.filters.l4proto = p->is_string() ? pcap::fastpath_filter::parse_l4proto(p->get_string())
                                         : static_cast<uint8_t>(number_member(f, "l4proto", 0));
    }
  } catch (const pcap::filter_error& e) {
    throw request_error(400, "filters", e.what());
  }
  if (f.contains("sport")) s.filters.sport = static_cast<uint16_t>(number_member(f, "sport", 0));
  if (f.contains("dport")) s.filters.dport = static_cast<uint16_t>(number_member(f, "dport", 0));
  return s;
}

// The reader of a stream, on the connection's shard: takes what the cube queued (on the
// cube's shard) and sends it. A client slower than the traffic makes the stream's backlog
// fill up, and the cube drop copies for it (counted): nothing here ever holds the cube up.
task<pcap::live_stream::batch> next_batch(std::shared_ptr<pcap::live_stream> s) {
  co_await s->wait(stream_poll);
  co_return s->take();
}

// The functions handed to on_shard are named variables, moved: GCC 12 destroys a lambda
// temporary in a co_await expression twice.
task<void> produce(std::shared_ptr<pcap::stream_hub> hub, capture::file_format format, unsigned home, api::body_stream& out) {
  auto open = [hub, format] { return hub->open(format); };
  std::shared_ptr<pcap::live_stream> stream = co_await on_shard(home, std::move(open));
  if (!stream) co_return;  // the cube went in between
  for (;;) {
    auto take = [stream] { return next_batch(stream); };
    pcap::live_stream::batch b = co_await on_shard(home, std::move(take));
    if (!b.bytes.empty() && !co_await out.write(b.bytes)) break;
    if (b.ended || out.closed().cancel_requested()) break;
  }
  auto close = [hub, stream] { hub->close(stream); };
  co_await on_shard(home, std::move(close));
}

class packetcapture_control final : public api::managed_cube {
 public:
  explicit packetcapture_control(const api::cube_setup& s) : _cube(s.datapath, s.name, s.type, s.level) {}

  dataplane::cube_base& fastpath() override { return _cube; }

  task<void> apply(const api::json::object&, const api::json::object& after) override {
    packetcapture::settings wanted = settings_of(after);
    if (wanted == _cube.current()) co_return;
    try {
      _cube.configure(wanted);
    } catch (const pcap::filter_error& e) {
      throw request_error(400, std::string_view(e.what()).starts_with("dump") ? "dump" : "filter", e.what());
    } catch (const std::system_error& e) {
      throw request_error(400, "dump", e.what());
    }
  }

  void read_state(api::json::object& view) const override {
    packetcapture::statistics s = _cube.stats();
    view["statistics"] = api::json::object{{"packets-seen", s.seen},         {"packets-copied", s.copied},
                                           {"ring-drops", s.ring_drops},     {"packets-filtered", s.filtered},
                                           {"packets-captured", s.captured}, {"dump-drops", s.dump_drops},
                                           {"dump-errors", s.dump_errors},   {"stream-drops", s.stream_drops},
                                           {"streams", s.streams}};
  }

  std::optional<api::stream_offer> open_stream(std::string_view name, std::string_view query) override {
    if (name != "stream") return std::nullopt;
    capture::file_format format = capture::file_format::pcapng;
    if (query == "format=pcap") format = capture::file_format::pcap;
    else if (!query.empty() && query != "format=pcapng")
      throw request_error(400, "stream", "unknown query '" + std::string(query) + "' (format=pcapng or format=pcap)");
    std::string type = format == capture::file_format::pcap ? "application/vnd.tcpdump.pcap" : "application/x-pcapng";
    return api::stream_offer{type, [hub = _cube.streams(), format, home = reactor::current().shard_id()](api::body_stream& out) {
                               return produce(hub, format, home, out);
                             }};
  }

 private:
  packetcapture _cube;
};

}  // namespace

api::service_definition packetcapture_service() {
  return {.name = "packetcapture",
          .modules = schema::embedded::pcn_cube_packetcapture(),
          .create = [](const api::cube_setup& s) { return std::make_unique<packetcapture_control>(s); }};
}

}  // namespace pcn::cubes
