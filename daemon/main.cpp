// polycubed: the service-agnostic daemon. Starts one reactor per core, owns the data plane
// and the datastore on the control shard (shard 0), restores the saved configuration (or
// boots an appliance topology), serves the REST API on every shard (TCP, SO_REUSEPORT) and
// on a unix socket (shard 0), and shuts down cleanly on SIGINT/SIGTERM: stop accepting,
// finish requests in flight, drain, exit 0 — leaving the data plane forwarding for the
// next start unless told otherwise.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <vector>

#include "api/control_call.hpp"
#include "api/datastore.hpp"
#include "api/trace_routes.hpp"
#include "api/framework_routes.hpp"
#include "api/http_server.hpp"
#include "api/management_routes.hpp"
#include "api/metrics.hpp"
#include "api/persistence.hpp"
#include "base/log.hpp"
#include "cubes/builtin.hpp"
#include "daemon/boot.hpp"
#include "daemon/options.hpp"
#include "dataplane/datapath.hpp"
#include "dataplane/netdev_monitor.hpp"
#include "slowpath/slow_path.hpp"
#include "reactor/engine.hpp"
#include "reactor/listen.hpp"
#include "reactor/when_all.hpp"

namespace pcn::daemon {
namespace {

constexpr const char* version = PCN_VERSION;

// Everything one shard serves; lives in the shard's serving coroutine.
struct shard_server {
  std::unique_ptr<api::http_server> tcp;
  std::unique_ptr<api::http_server> local;
};

struct daemon_state {
  std::vector<shard_server*> servers;  // slot n is touched only on shard n
  std::atomic<bool> stopping{false};
  cancel_source wake_main;             // shard 0: stop waiting for a signal
  std::string failure;                 // shard 0: why a shard could not serve
};

task<void> serve_on_this_shard(const api::router& routes, const options& opts, daemon_state& state) {
  unsigned shard = reactor::current().shard_id();
  api::http_limits limits;
  limits.max_body_bytes = opts.max_body_bytes;
  unique_fd tcp_fd = listen_tcp(opts.address, opts.port, /*reuse_port=*/opts.cores > 1);
  unique_fd unix_fd;
  if (shard == 0 && !opts.unix_socket.empty()) unix_fd = listen_unix(opts.unix_socket, 0660);
  shard_server s;
  s.tcp = std::make_unique<api::http_server>(routes, limits);
  if (unix_fd) s.local = std::make_unique<api::http_server>(routes, limits);
  // A shutdown that swept this shard before we got here would not see these servers.
  if (state.stopping) co_return;
  state.servers[shard] = &s;
  if (s.local) co_await when_all(s.tcp->serve(tcp_fd.get()), s.local->serve(unix_fd.get()));
  else co_await s.tcp->serve(tcp_fd.get());
  state.servers[shard] = nullptr;
  if (unix_fd) ::unlink(opts.unix_socket.c_str());
}

// Serves on one shard; a failure there (address in use...) stops the whole daemon.
task<void> serve_shard(const api::router& routes, const options& opts, daemon_state& state) {
  std::string failure;
  try {
    co_await serve_on_this_shard(routes, opts, state);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty())
    co_await on_shard(0, [&state, &failure] {
      if (state.failure.empty()) state.failure = failure;
      state.wake_main.request_cancel();
    });
}

task<void> stop_this_shard(daemon_state& state) {
  if (shard_server* s = state.servers[reactor::current().shard_id()]) {
    co_await s->tcp->stop();
    if (s->local) co_await s->local->stop();
  }
}

task<void> stop_all(signal_waiter& signals, daemon_state& state, unsigned shards, cancel_source& stop_monitor) {
  int signo = co_await signals.next(&state.wake_main);
  if (signo) log::info("polycubed: {} received, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
  state.stopping = true;
  stop_monitor.request_cancel();
  for (unsigned n = 0; n < shards; ++n) co_await on_shard(n, [&state] { return stop_this_shard(state); });
}

// The daemon's figures for /metrics: HTTP counters summed over the shards (each read on
// its own shard).
task<api::daemon_health> gather_health(daemon_state& state, std::chrono::steady_clock::time_point started) {
  api::daemon_health h;
  h.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  h.shards = static_cast<unsigned>(state.servers.size());
  for (unsigned n = 0; n < h.shards; ++n) {
    api::http_stats s = co_await on_shard(n, [&state, n] {
      api::http_stats total;
      if (shard_server* server = state.servers[n])
        for (auto* http : {server->tcp.get(), server->local.get()})
          if (http) {
            total.connections += http->stats().connections;
            total.requests += http->stats().requests;
            total.rejected += http->stats().rejected;
            total.timeouts += http->stats().timeouts;
          }
      return total;
    });
    h.http_connections += s.connections;
    h.http_requests += s.requests;
    h.http_rejected += s.rejected;
    h.http_timeouts += s.timeouts;
  }
  co_return h;
}

// Follows netdevs going away: their ports go DOWN, peers are reset, and the saved
// configuration says so.
task<void> follow_netdevs(api::datastore& store, cancel_source& stop) {
  dataplane::netdev_monitor monitor;
  co_await monitor.run(
      [&store](const dataplane::link_event& e) {
        if (e.what != dataplane::link_event::kind::removed) return;
        store.datapath().netdev_removed(e.ifindex, e.name);
        reactor::current().background().spawn(store.external_change());
      },
      stop);
}

task<int> run_daemon(const options& opts, signal_waiter& signals) {
  dataplane::datapath dp({.pin_root = opts.bpf_pin_root, .clean = opts.cubes_dump_clean_init});
  slowpath::slow_path_options slow_options;
  slow_options.injection_device = opts.injection_device;
  slow_options.busy_poll = std::chrono::microseconds(opts.slowpath_busy_poll_us);
  slowpath::slow_path slow(dp, slow_options);
  api::datastore store(dp);
  api::give_cubes_home_shards(dp);
  dataplane::trace_hub traces(dp);
  slow.set_trace_listener([&traces](const pcn_trace_event& e) { traces.on_event(e); });
  store.before_cube_removal([&slow](const dataplane::cube_base& c) { return slow.retire(c); });
  for (auto& service : cubes::builtin_services()) store.add_service(std::move(service));
  std::unique_ptr<api::config_file> saved;
  if (!opts.cubes_dump_file.empty()) saved = std::make_unique<api::config_file>(store, opts.cubes_dump_file);

  bool booted = co_await boot(opts, store, saved.get());
  if (!booted) co_return 1;
  if (saved) store.on_committed([&saved] { return saved->save(); });

  api::router routes;
  api::add_version_route(routes, version);
  api::management_options management{.max_body_bytes = opts.max_body_bytes};
  api::add_framework_routes(routes, store, management);
  api::add_service_routes(routes, store, management);
  api::add_trace_routes(routes, store, traces);

  unsigned shards = engine::instance().size();
  daemon_state state;
  state.servers.assign(shards, nullptr);
  const auto started = std::chrono::steady_clock::now();
  api::add_metrics_route(routes, store, [&state, started] { return gather_health(state, started); });
  std::vector<task<void>> serving;
  for (unsigned n = 0; n < shards; ++n)
    serving.push_back(on_shard(n, [&routes, &opts, &state] { return serve_shard(routes, opts, state); }));
  cancel_source stop_monitor;  // the netdev monitor and the slow path

  log::info("polycubed {}: REST API on {}:{}{}, {} shard(s); {} service(s), {} cube(s)", version, opts.address,
            opts.port, opts.unix_socket.empty() ? "" : " and " + opts.unix_socket, shards, store.services().size(),
            store.cube_names().size());
  co_await when_all(when_all(std::move(serving)), follow_netdevs(store, stop_monitor), slow.run(stop_monitor),
                    stop_all(signals, state, shards, stop_monitor));
  if (saved) {
    try {
      co_await saved->fold_journal();
    } catch (const std::exception& e) {  // the journal still holds what the file lacks
      log::error("polycubed: fold the journal into {}: {}", saved->path(), e.what());
    }
  }
  // Stopping, on a signal or because a shard could not serve (its address in use...): the
  // data plane keeps forwarding what the saved configuration says, as after any stop.
  if (!opts.clean_dataplane_on_exit) dp.keep_kernel_state_on_exit();
  if (!state.failure.empty()) {
    log::critical("polycubed: {}", state.failure);
    co_return 1;
  }
  if (!opts.clean_dataplane_on_exit) {
    log::info("polycubed: stopped; the data plane keeps forwarding ({} cube(s)) until the next start",
              store.cube_names().size());
  } else {
    log::info("polycubed: stopped; data plane removed");
  }
  co_return 0;
}

}  // namespace
}  // namespace pcn::daemon

int main(int argc, char** argv) {
  using namespace pcn;
  daemon::options opts;
  try {
    opts = daemon::parse_options(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "polycubed: " << e.what() << "\n";
    return 2;
  }
  if (opts.show_help) {
    std::cout << daemon::usage();
    return 0;
  }
  if (opts.show_version) {
    std::cout << "polycubed " << PCN_VERSION << "\n";
    return 0;
  }
  try {
    log::set_level(opts.loglevel);
    if (!opts.logfile.empty()) log::set_file(opts.logfile);
    // Blocked before any shard thread exists, so that only the signalfd sees them.
    signal_waiter signals({SIGINT, SIGTERM});
    ::signal(SIGPIPE, SIG_IGN);
    engine e({.shards = opts.cores, .pin_threads = true});
    return e.run(daemon::run_daemon(opts, signals));
  } catch (const std::exception& e) {
    log::critical("polycubed: {}", e.what());
    return 1;
  }
}
