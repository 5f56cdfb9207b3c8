#pragma once
// HTTP/1.1 server on the reactor: Beast parses and serialises, io_uring moves the bytes.
// Keep-alive and pipelining (responses in request order, batched into one send), chunked
// request bodies, bounded header and body sizes, and deadlines that close idle
// connections and slow clients (slowloris). One server per shard; each connection is a
// coroutine in the server's scope.
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_set>

#include "api/router.hpp"
#include "reactor/cancel.hpp"
#include "reactor/io.hpp"
#include "reactor/task_scope.hpp"

namespace pcn::api {

struct http_limits {
  size_t max_header_bytes = 16 * 1024;           // request line + headers; beyond: 431
  size_t max_body_bytes = 64 * 1024 * 1024;      // beyond: 413 (bulk loads are large)
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
  std::chrono::milliseconds header_timeout{10'000};  // all headers, from their first byte
  std::chrono::milliseconds body_timeout{30'000};    // the whole body, after the headers
  std::chrono::milliseconds write_timeout{10'000};   // a response must drain in this time
  size_t max_connections = 4096;                 // per server; beyond, new ones are closed
};

struct http_stats {
  uint64_t connections = 0;
  uint64_t requests = 0;
  uint64_t rejected = 0;  // 4xx answers produced by the server itself (limits, malformed)
  uint64_t timeouts = 0;
  uint64_t streams = 0;  // streamed responses (live captures...)
};

class http_server {
 public:
  http_server(const router& routes, http_limits limits) : _router(routes), _limits(limits) {}
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Accepts and serves connections on listen_fd until stop(); returns when every
  // connection has closed. Runs on the current shard.
  task<void> serve(int listen_fd);

  // Graceful stop: no new connections; connections waiting for a request close; requests
  // in flight complete and are answered with "Connection: close".
  task<void> stop();

  const http_stats& stats() const noexcept { return _stats; }
  size_t open_connections() const noexcept { return _scope.active(); }

 private:
  struct connection_clock;
  task<void> serve_connection(int fd);
  task<void> converse(int fd, connection_clock& clock);
  task<bool> send_rest(int fd, std::string& out, size_t sent, connection_clock& clock);
  static task<void> watchdog(connection_clock& clock, clock::duration period);
  task<response> answer(const request& req, stream_producer* stream);
  task<void> stream_body(int fd, bool chunked, stream_producer& producer, connection_clock& clock);

  const router& _router;
  http_limits _limits;
  http_stats _stats;
  acceptor* _acceptor = nullptr;
  bool _stopping = false;
  std::unordered_set<connection_clock*> _idle;  // connections waiting for a new request
  std::unordered_set<cancel_source*> _streams;  // streamed responses running: stop() closes them
  task_scope _scope{"http connections"};
};

}  // namespace pcn::api
