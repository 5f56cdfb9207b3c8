#include "api/trace_routes.hpp"

#include <boost/json/serialize.hpp>
#include <chrono>

#include "api/control_call.hpp"
#include "api/router.hpp"
#include "api/framework_routes.hpp"
#include "api/schema/error.hpp"
#include "reactor/engine.hpp"

namespace pcn::api {
namespace {

using namespace std::chrono_literals;
using schema::request_error;

// How long a reader waits on the control shard for records before it looks at its client.
constexpr auto stream_poll = 200ms;

// The filter of the query (?filter=...); any other parameter is refused.
std::string filter_of(std::string_view query) {
  std::string filter;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty()) continue;
    if (!item.starts_with("filter="))
      throw request_error(400, std::string(item.substr(0, item.find('='))), "unknown query parameter (allowed: filter)");
    std::optional<std::string> decoded = percent_decoded(item.substr(7), true);
    if (!decoded) throw request_error(400, "filter", "malformed percent escape in the query");
    filter = std::move(*decoded);
  }
  return filter;
}

task<dataplane::trace_session::batch> next_batch(dataplane::trace_hub* hub, std::shared_ptr<dataplane::trace_session> s) {
  co_await s->wait(stream_poll);
  hub->reap();
  co_return s->take();
}

// The functions handed to on_shard are named variables, moved (GCC 12 and lambda temporaries).
task<void> produce(dataplane::trace_hub* hub, std::string netdev, pcn_trace_filter filter, body_stream& out) {
  std::shared_ptr<dataplane::trace_session> session;
  auto open = [hub, netdev, filter]() -> std::pair<std::shared_ptr<dataplane::trace_session>, std::string> {
    try {
      return {hub->open(netdev, filter), {}};
    } catch (const std::exception& e) {
      return {nullptr, e.what()};
    }
  };
  auto opened = co_await on_shard(control_shard, std::move(open));
  if (!opened.first) {
    std::string line = boost::json::serialize(json::value{{"error", opened.second}}) + "\n";
    co_await out.write(line);
    co_return;
  }
  session = opened.first;
  for (;;) {
    auto take = [hub, session] { return next_batch(hub, session); };
    dataplane::trace_session::batch b = co_await on_shard(control_shard, std::move(take));
    if (!b.bytes.empty() && !co_await out.write(b.bytes)) break;
    if (b.ended || out.closed().cancel_requested()) break;
  }
  auto close = [hub, session] { hub->close(session); };
  co_await on_shard(control_shard, std::move(close));
}

}  // namespace

void add_trace_routes(router& r, datastore& store, dataplane::trace_hub& hub) {
  r.add(http::verb::get, std::string(rest_root) + "/trace", [&hub](const request&, const route_params&) {
    return control_call([&hub]() -> task<response> {
      json::array traces;
      for (const auto& netdev : hub.sessions()) traces.push_back(json::value(netdev));
      co_return json_response(http::status::ok, json::object{{"traces", std::move(traces)}});
    });
  });
  r.add(http::verb::get, std::string(rest_root) + "/trace/{target}", [&store, &hub](const request&, const route_params& params) {
    return control_call([&store, &hub, &params]() -> task<response> {
      const std::string& target = params["target"];
      std::string netdev = dataplane::trace_netdev_of(store.datapath(), target);
      std::string text = filter_of(params.query);
      pcn_trace_filter filter{};
      try {
        filter = dataplane::parse_trace_filter(text);
      } catch (const std::invalid_argument& e) {
        throw request_error(400, "filter", e.what());
      }
      if (store.datapath().traced(netdev))
        throw dataplane::topology_error(dataplane::topology_error::kind::conflict, "trace " + target + ": netdev " + netdev + " is being traced already");
      if (!store.datapath().netdevs_in_use().contains(netdev))
        throw dataplane::topology_error(dataplane::topology_error::kind::not_found, "trace " + target + ": no cube uses netdev " + netdev);
      if (!params.stream) throw request_error(405, "", "a stream cannot be sent on this connection");
      *params.stream = [&hub, netdev, filter](body_stream& out) { return produce(&hub, netdev, filter, out); };
      response res{http::status::ok, 11};
      res.set(http::field::content_type, "application/x-ndjson");
      res.set(http::field::cache_control, "no-store");
      co_return res;
    });
  });
}

}  // namespace pcn::api
