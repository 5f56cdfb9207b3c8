#pragma once
// GET /polycube/v1/metrics: the Prometheus text exposition format (version 0.0.4) of every
// cube's counters — per port and direction, per cube for the slow path — and the daemon's
// health. Families are named polycube_*, counters end in _total, every family has its
// HELP and TYPE lines, label values are escaped.
#include <cstdint>
#include <functional>
#include <string>

#include "api/datastore.hpp"
#include "api/router.hpp"

namespace pcn::api {

struct daemon_health {
  double uptime_seconds = 0;
  unsigned shards = 0;
  uint64_t http_connections = 0;
  uint64_t http_requests = 0;
  uint64_t http_rejected = 0;
  uint64_t http_timeouts = 0;
};

std::string prometheus_text(const datastore& store, const daemon_health& health);

// Registers the route; `health` gathers the daemon's figures (from every shard).
void add_metrics_route(router& r, datastore& store, std::function<task<daemon_health>()> health);

}  // namespace pcn::api
