#include "api/trace_routes.hpp"

#include <boost/json/serialize.hpp>

#include "api/backlog_relay.hpp"
#include "api/control_call.hpp"
#include "api/router.hpp"
#include "api/framework_routes.hpp"
#include "api/schema/error.hpp"
#include "reactor/engine.hpp"

namespace pcn::api {
namespace {

using schema::request_error;

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

// The stream of a trace: opened when the client starts reading, closed when it goes.
backlog_source trace_source(dataplane::trace_hub* hub, std::string target, pcn_trace_filter filter) {
  backlog_source source;
  source.home = control_shard;
  source.open = [hub, target, filter]() -> backlog_source::opened {
    try {
      return {hub->open(target, filter), {}};
    } catch (const std::exception& e) {
      return {nullptr, boost::json::serialize(json::value{{"error", e.what()}}) + "\n"};
    }
  };
  source.before_take = [hub] { hub->reap(); };
  source.close = [hub](const std::shared_ptr<stream_backlog>& session) {
    hub->close(std::static_pointer_cast<dataplane::trace_session>(session));
  };
  return source;
}

}  // namespace

void add_trace_routes(router& r, datastore& store, dataplane::trace_hub& hub) {
  r.add(http::verb::get, std::string(rest_root) + "/trace", [&hub](const request&, const route_params&) {
    return control_call([&hub]() -> task<response> {
      json::array traces;
      for (const auto& target : hub.sessions()) traces.push_back(json::value(target));
      co_return json_response(http::status::ok, json::object{{"traces", std::move(traces)}});
    });
  });
  r.add(http::verb::get, std::string(rest_root) + "/trace/{target}", [&store, &hub](const request&, const route_params& params) {
    return control_call([&store, &hub, &params]() -> task<response> {
      std::string traced = dataplane::trace_target_of(store.datapath(), params["target"]);
      std::string text = filter_of(params.query);
      pcn_trace_filter filter{};
      try {
        filter = dataplane::parse_trace_filter(text);
      } catch (const std::invalid_argument& e) {
        throw request_error(400, "filter", e.what());
      }
      if (!params.stream) throw request_error(405, "", "a stream cannot be sent on this connection");
      *params.stream = [&hub, traced, filter](body_stream& out) { return relay_backlog(trace_source(&hub, traced, filter), out); };
      response res{http::status::ok, 11};
      res.set(http::field::content_type, "application/x-ndjson");
      res.set(http::field::cache_control, "no-store");
      co_return res;
    });
  });
}

}  // namespace pcn::api
