// packetcapture's control plane: the model's leaves into the cube's settings, its
// statistics into GET, and its live stream: GET .../packetcapture/<cube>/stream
// (?format=pcap for classic pcap) streams what the cube captures from then on.
#include <string_view>

#include "api/backlog_relay.hpp"
#include "api/schema/error.hpp"
#include "api/service.hpp"
#include "cubes/builtin.hpp"
#include "cubes/packetcapture/packetcapture.hpp"
#include "pcn_cube_packetcapture_yang.hpp"
#include "reactor/engine.hpp"

namespace pcn::cubes {
namespace {

using schema::request_error;

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

// A live stream of the cube's copies, from the cube's shard (`home`). A client slower than
// the traffic makes the cube drop copies for it (counted): nothing holds the cube up.
api::backlog_source capture_source(std::shared_ptr<pcap::stream_hub> hub, capture::file_format format, unsigned home) {
  api::backlog_source source;
  source.home = home;
  // A null backlog (the cube went in between) ends the stream.
  source.open = [hub, format]() -> api::backlog_source::opened { return {hub->open(format), {}}; };
  source.close = [hub](const std::shared_ptr<stream_backlog>& stream) {
    hub->close(std::static_pointer_cast<pcap::live_stream>(stream));
  };
  return source;
}

class packetcapture_control final : public api::managed_cube {
 public:
  explicit packetcapture_control(const api::cube_setup& s) : _cube(s.datapath, s.name, s.type, s.level) {}

  dataplane::cube_base& fastpath() override { return _cube; }

  task<void> apply(const api::json::object&, const api::json::object& after) override {
    packetcapture::settings wanted = settings_of(after);
    if (wanted == _cube.current()) co_return;
    try {
      co_await _cube.configure(wanted);
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
                               return api::relay_backlog(capture_source(hub, format, home), out);
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
