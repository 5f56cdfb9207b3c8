// polycubed: the service-agnostic daemon. Starts one reactor per core, serves the REST API
// on every shard (TCP, SO_REUSEPORT) and on a unix socket (shard 0), and shuts down
// cleanly on SIGINT/SIGTERM: stop accepting, finish requests in flight, drain, exit 0.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <vector>

#include "api/framework_routes.hpp"
#include "api/http_server.hpp"
#include "base/log.hpp"
#include "daemon/options.hpp"
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

task<void> wait_and_stop(signal_waiter& signals, daemon_state& state, unsigned shards) {
  int signo = co_await signals.next(&state.wake_main);
  if (signo) log::info("polycubed: {} received, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
  state.stopping = true;
  for (unsigned n = 0; n < shards; ++n) co_await on_shard(n, [&state] { return stop_this_shard(state); });
}

task<int> run_daemon(const options& opts, signal_waiter& signals) {
  api::router routes;
  api::add_version_route(routes, version);

  unsigned shards = engine::instance().size();
  daemon_state state;
  state.servers.assign(shards, nullptr);
  std::vector<task<void>> serving;
  for (unsigned n = 0; n < shards; ++n)
    serving.push_back(on_shard(n, [&routes, &opts, &state] { return serve_shard(routes, opts, state); }));

  log::info("polycubed {}: REST API on {}:{}{}, {} shard(s)", version, opts.address, opts.port,
            opts.unix_socket.empty() ? "" : " and " + opts.unix_socket, shards);
  co_await when_all(when_all(std::move(serving)), wait_and_stop(signals, state, shards));
  if (!state.failure.empty()) {
    log::critical("polycubed: {}", state.failure);
    co_return 1;
  }
  log::info("polycubed: stopped");
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
