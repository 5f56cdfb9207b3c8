#include "api/metrics.hpp"

#include <unistd.h>

#include <fstream>

#include "api/control_call.hpp"
#include "api/framework_routes.hpp"

namespace pcn::api {

namespace {

// Label values: backslash, double quote and newline escaped.
std::string escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class exposition {
 public:
  // Starts a family: its HELP and TYPE lines.
  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(_text), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    _name = name;
  }
  // A sample of the current family; labels as name/value pairs.
  template <typename Value>
  void sample(std::initializer_list<std::pair<std::string_view, std::string_view>> labels, Value v) {
    _text += _name;
    if (labels.size()) {
      _text += '{';
      bool first = true;
      for (const auto& [k, val] : labels) {
        fmt::format_to(std::back_inserter(_text), "{}{}=\"{}\"", first ? "" : ",", k, escaped(val));
        first = false;
      }
      _text += '}';
    }
    fmt::format_to(std::back_inserter(_text), " {}\n", v);
  }
  std::string take() { return std::move(_text); }

 private:
  std::string _text;
  std::string _name;
};

uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

struct cube_figures {
  std::string name, service, type;
  const dataplane::cube_base* fastpath;
};

task<response> metrics_response(const datastore& store, std::function<task<daemon_health>()> health) {
  daemon_health h = co_await health();
  response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.body() = prometheus_text(store, h);
  co_return res;
}

}  // namespace

std::string prometheus_text(const datastore& store, const daemon_health& health) {
  exposition out;
  std::vector<cube_figures> cubes;
  for (const auto& name : store.cube_names()) {
    const dataplane::cube_base* c = store.datapath().find_cube(name);
    if (c) cubes.push_back({name, c->service(), std::string(dataplane::to_string(c->type())), c});
  }

  out.family("polycube_cube_info", "gauge", "A cube: its service and type (always 1).");
  for (const auto& c : cubes) out.sample({{"cube", c.name}, {"service", c.service}, {"type", c.type}}, 1);

  struct port_figures {
    const cube_figures* cube;
    const dataplane::port* port;
    dataplane::port_counters counters;
  };
  std::vector<port_figures> ports;
  for (const auto& c : cubes)
    if (auto* standard = dynamic_cast<const dataplane::cube*>(c.fastpath))
      for (const auto* p : standard->ports()) ports.push_back({&c, p, p->counters()});

  out.family("polycube_port_up", "gauge", "1 when the port is UP (its peer exists), 0 when DOWN.");
  for (const auto& p : ports)
    out.sample({{"cube", p.cube->name}, {"port", p.port->name()}}, p.port->status() == dataplane::port_status::up ? 1 : 0);
  out.family("polycube_port_packets_total", "counter", "Packets through a cube port, by direction (ingress: into the cube).");
  for (const auto& p : ports) {
    out.sample({{"cube", p.cube->name}, {"port", p.port->name()}, {"direction", "ingress"}}, p.counters.rx_packets);
    out.sample({{"cube", p.cube->name}, {"port", p.port->name()}, {"direction", "egress"}}, p.counters.tx_packets);
  }
  out.family("polycube_port_bytes_total", "counter", "Bytes through a cube port, by direction (ingress: into the cube).");
  for (const auto& p : ports) {
    out.sample({{"cube", p.cube->name}, {"port", p.port->name()}, {"direction", "ingress"}}, p.counters.rx_bytes);
    out.sample({{"cube", p.cube->name}, {"port", p.port->name()}, {"direction", "egress"}}, p.counters.tx_bytes);
  }

  std::vector<std::pair<const cube_figures*, dataplane::slowpath_counters>> slow;
  for (const auto& c : cubes) slow.emplace_back(&c, c.fastpath->slowpath_stats());
  auto slow_family = [&](std::string_view name, std::string_view help, auto field) {
    out.family(name, "counter", help);
    for (const auto& [c, s] : slow) out.sample({{"cube", c->name}}, s.*field);
  };
  using sc = dataplane::slowpath_counters;
  slow_family("polycube_slowpath_packets_in_total", "Packets handed to the cube's slow-path handler.", &sc::packets_in);
  slow_family("polycube_slowpath_packets_out_total", "Packets sent by the cube's slow-path handlers.", &sc::packets_out);
  slow_family("polycube_slowpath_overload_drops_total",
              "Slow-path packets dropped because too many of the cube's handlers were running.", &sc::overload_drops);
  slow_family("polycube_slowpath_fastpath_drops_total",
              "Packets the fast path could not hand to the slow path (nobody listening, queue full).", &sc::fastpath_drops);
  slow_family("polycube_slowpath_handler_errors_total", "Slow-path handlers that failed.", &sc::handler_errors);
  slow_family("polycube_event_drops_total", "Fast-path notifications and log messages lost (ring buffer full).",
              &sc::event_drops);

  out.family("polycube_cubes", "gauge", "Cubes the daemon manages.");
  out.sample({}, cubes.size());
  out.family("polycube_services", "gauge", "Services the daemon knows.");
  out.sample({}, store.services().size());
  out.family("polycube_daemon_uptime_seconds", "gauge", "Seconds since polycubed started.");
  out.sample({}, health.uptime_seconds);
  out.family("polycube_daemon_shards", "gauge", "Reactor shards (one per core used).");
  out.sample({}, health.shards);
  out.family("polycube_daemon_resident_memory_bytes", "gauge", "Resident memory of polycubed.");
  out.sample({}, resident_bytes());
  out.family("polycube_http_connections_total", "counter", "HTTP connections accepted by the REST API.");
  out.sample({}, health.http_connections);
  out.family("polycube_http_requests_total", "counter", "HTTP requests answered by the REST API.");
  out.sample({}, health.http_requests);
  out.family("polycube_http_rejected_total", "counter", "Requests the server refused itself (limits, malformed HTTP).");
  out.sample({}, health.http_rejected);
  out.family("polycube_http_timeouts_total", "counter", "Connections closed for being idle or slow past a deadline.");
  out.sample({}, health.http_timeouts);
  return out.take();
}

void add_metrics_route(router& r, datastore& store, std::function<task<daemon_health>()> health) {
  r.add(http::verb::get, std::string(rest_root) + "/metrics",
        [&store, health](const request&, const route_params&) {
          return control_call([&store, health] { return metrics_response(store, health); });
        });
}

}  // namespace pcn::api
