// control: the management plane under load, through the real polycubed and its REST API.
//
//   pcn-bench (client, CPU 1) --one keep-alive HTTP connection, 127.0.0.1--> polycubed (CPU 0)
//
// Everything runs in a network namespace of the suite's own, entered by pcn-bench and
// inherited by the daemon it starts: the loopback it talks over and the N veth pairs
// va<i>/vb<i> the cubes connect to (nothing is created on the host). Mounts are untouched,
// so the daemon pins under a private root on the host's bpffs that outlives a restart.
//
// Each round, on a daemon started empty:
//   1. create+connect: POST /helloworld/h<i>/ with ports p1 -> va<i> and p2 -> vb<i>, N times;
//   2. PATCH /helloworld/h<i>/ {"action": ...}, a real change each time;
//   3. bulk: one POST of a whole simpleforwarder `actions` list, the largest it accepts,
//      then larger ones, which it refuses (see bench/README.md), timed to the answer;
//   4. SIGTERM (the data plane stays), start again on the same dump file and pin root: time
//      until GET /cubes lists the N cubes (re-adoption);
//   5. SIGTERM with --clean-dataplane-on-exit, start again: the same, from nothing (cold).
// There is no baseline for absolute times: the growth from the first to the last 100
// creations is reported as a figure against the first 100.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <numeric>
#include <optional>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "bench/process.hpp"
#include "bench/suite.hpp"
#include "bpf/pcn_abi.h"
#include "tests/support/netns.hpp"

namespace pcn::bench {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;
namespace http = boost::beast::http;

constexpr uint16_t daemon_port = 9000;  // the namespace is ours: no one else listens there
constexpr std::string_view rest_root = "/polycube/v1/";
constexpr unsigned growth_window = 100;
constexpr double create_goal_ms = 5, bulk_goal_s = 1, restore_goal_s = 2;
constexpr unsigned bulk_goal_entries = 100'000;
constexpr const char* perf_binary = "/usr/bin/perf";
constexpr unsigned descriptors_per_cube = 13;  // what polycubed holds for a cube with two netdev peers (12), and a margin

struct settings {
  fs::path daemon, profile;
  unsigned cubes, patches, bulk_ports;
  std::vector<unsigned> bulk_sizes;
  std::string type;
  std::chrono::milliseconds request_limit, bulk_limit, start_limit, restore_limit, stop_limit;
  int server_cpu, client_cpu, nice;
  unsigned daemon_cores;  // > 1: the daemon's shards pin themselves, server_cpu is unused
};

std::string_view verb_name(http::verb v) {
  auto s = http::to_string(v);
  return {s.data(), s.size()};
}

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

// Nearest rank: the smallest sample with at least q of them at or below it.
double percentile(std::vector<double> v, double q) {
  if (v.empty()) throw std::invalid_argument("percentile of nothing");
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

struct reply {
  unsigned status = 0;
  std::string body;
};

// One keep-alive HTTP/1.1 connection to the daemon, one request at a time, every step
// bounded by the request's time limit.
class rest_client {
 public:
  bool connect() {
    unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw std::system_error(errno, std::system_category(), "control: socket");
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(daemon_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
    _fd = std::move(fd);
    return true;
  }
  void close() { _fd.reset(); }

  reply call(http::verb verb, std::string_view path, std::string_view body, std::chrono::milliseconds limit) {
    std::string what = fmt::format("{} {}{}", verb_name(verb), rest_root, path);
    bool reused = static_cast<bool>(_fd);
    if (!reused && !connect()) throw std::system_error(errno, std::system_category(), what + ": connect");
    try {
      return exchange(verb, path, body, limit, what);
    } catch (const closed&) {
      // The daemon closed an idle connection before reading this request: once more on a
      // fresh one.
      if (!reused) throw std::runtime_error(what + ": the daemon closed the connection");
      close();
      if (!connect()) throw std::system_error(errno, std::system_category(), what + ": reconnect");
      return exchange(verb, path, body, limit, what);
    }
  }

 private:
  struct closed {};

  void set_timeout(int option, std::chrono::milliseconds left) {
    auto us = std::max<int64_t>(1000, std::chrono::duration_cast<std::chrono::microseconds>(left).count());
    timeval tv{.tv_sec = us / 1'000'000, .tv_usec = us % 1'000'000};
    ::setsockopt(_fd.get(), SOL_SOCKET, option, &tv, sizeof tv);
  }

  reply exchange(http::verb verb, std::string_view path, std::string_view body, std::chrono::milliseconds limit,
                 const std::string& what) {
    auto deadline = clock_type::now() + limit;
    auto left = [&] { return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()); };
    auto expired = [&] {
      close();
      return std::runtime_error(fmt::format("{}: no answer within {} s", what, limit.count() / 1000.0));
    };
    std::string head = fmt::format("{} {}{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n", verb_name(verb), rest_root, path, daemon_port);
    if (!body.empty()) head += fmt::format("Content-Type: application/json\r\nContent-Length: {}\r\n", body.size());
    head += "\r\n";
    for (std::string_view part : {std::string_view(head), body}) {
      while (!part.empty()) {
        set_timeout(SO_SNDTIMEO, left());
        ssize_t n = ::send(_fd.get(), part.data(), part.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
          check_interrupted();
          continue;
        }
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) throw closed{};
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) throw expired();
        if (n < 0) throw std::system_error(errno, std::system_category(), what + ": send");
        part.remove_prefix(static_cast<size_t>(n));
      }
    }
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(std::uint64_t{1} << 30);
    std::string pending;
    char buffer[65536];
    bool any = false;
    while (!parser.is_done()) {
      if (left() <= 0ms) throw expired();
      set_timeout(SO_RCVTIMEO, left());
      ssize_t n = ::recv(_fd.get(), buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) {
        check_interrupted();
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) throw expired();
      if ((n == 0 || (n < 0 && errno == ECONNRESET)) && !any) throw closed{};
      if (n < 0) throw std::system_error(errno, std::system_category(), what + ": recv");
      if (n == 0) throw std::runtime_error(what + ": the daemon closed the connection in the middle of its answer");
      any = true;
      pending.append(buffer, static_cast<size_t>(n));
      boost::beast::error_code ec;
      size_t used = parser.put(boost::asio::buffer(pending), ec);
      if (ec && ec != http::error::need_more) throw std::runtime_error(what + ": malformed answer: " + ec.message());
      pending.erase(0, used);
    }
    if (!parser.keep_alive()) close();
    return {parser.get().result_int(), std::move(parser.get().body())};
  }

  unique_fd _fd;
};

// The daemon's pin root on the host's bpffs: removed with whatever is pinned under it,
// whichever way the suite ends (a daemon that cleans its data plane leaves the framework's
// maps behind).
class pin_root {
 public:
  pin_root() : _path(fmt::format("/sys/fs/bpf/pcn-bench-control-{}", ::getpid())) {}
  ~pin_root() {
    std::error_code ec;
    fs::remove_all(_path, ec);
    if (ec) log::warn("control: cannot remove {}: {}", _path.string(), ec.message());
  }
  pin_root(const pin_root&) = delete;
  pin_root& operator=(const pin_root&) = delete;
  const fs::path& path() const { return _path; }

 private:
  fs::path _path;
};

// Pins the calling thread (the client) to a CPU for the suite's lifetime.
class pinned_thread {
 public:
  explicit pinned_thread(int cpu) {
    ::sched_getaffinity(0, sizeof _before, &_before);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (::sched_setaffinity(0, sizeof one, &one) != 0)
      throw std::invalid_argument(fmt::format("CPU {} (for the client) is not available to pcn-bench", cpu));
  }
  ~pinned_thread() { ::sched_setaffinity(0, sizeof _before, &_before); }
  pinned_thread(const pinned_thread&) = delete;
  pinned_thread& operator=(const pinned_thread&) = delete;

 private:
  cpu_set_t _before;
};

// The daemon holds a few descriptors per cube (its programs and maps): raises pcn-bench's
// RLIMIT_NOFILE, which the daemon inherits, towards `wanted` (the hard limit too where
// allowed: not in every container), and puts it back after.
class descriptor_limit {
 public:
  explicit descriptor_limit(rlim_t wanted) {
    ::getrlimit(RLIMIT_NOFILE, &_before);
    rlimit raised{std::max(_before.rlim_cur, wanted), std::max(_before.rlim_max, wanted)};
    if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      raised = {std::max(_before.rlim_cur, std::min(wanted, _before.rlim_max)), _before.rlim_max};
      if (::setrlimit(RLIMIT_NOFILE, &raised) != 0)
        throw std::system_error(errno, std::system_category(), fmt::format("control: raise RLIMIT_NOFILE to {}", raised.rlim_cur));
    }
    value = raised.rlim_cur;
  }
  ~descriptor_limit() { ::setrlimit(RLIMIT_NOFILE, &_before); }
  descriptor_limit(const descriptor_limit&) = delete;
  descriptor_limit& operator=(const descriptor_limit&) = delete;

  rlim_t value = 0;

 private:
  rlimit _before{};
};

// Descriptors a live process holds (entries of /proc/PID/fd).
size_t open_descriptors(pid_t pid) {
  std::error_code ec;
  size_t n = 0;
  for (fs::directory_iterator it(fmt::format("/proc/{}/fd", pid), ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

// The world of one run: namespace, veths, pin root, files, the daemon of the moment.
class bench_world {
 public:
  explicit bench_world(const settings& cfg) : _cfg(cfg), _ns("pcnbc"), _inside(_ns), _dir("pcn-bench-control") {
    fs::path batch = _dir.path() / "veths.batch";
    {
      std::ofstream out(batch);
      for (unsigned i = 0; i < cfg.cubes; ++i) out << fmt::format("link add va{0} type veth peer name vb{0}\n", i);
      if (!out.flush()) throw std::runtime_error("cannot write " + batch.string());
    }
    auto start = clock_type::now();
    testing::run_command("ip -batch " + batch.string());
    veth_seconds = ms_since(start) / 1000;
  }
  ~bench_world() { _daemon.reset(); }  // before the pin root and the namespace go

  double veth_seconds = 0;
  rest_client client;

  const fs::path& dir() const { return _dir.path(); }
  child* daemon() { return _daemon.get(); }

  // Starts a daemon on the dump file and pin root; returns when it answers or throws.
  void start(bool clean_init, bool clean_on_exit) {
    stop();
    client.close();
    std::vector<std::string> argv{_cfg.daemon.string(), "--cores", std::to_string(_cfg.daemon_cores), "--addr", "127.0.0.1", "--port", std::to_string(daemon_port),
                                  "--unix-socket", "", "--bpf-pin-root", _pins.path().string(), "--cubes-dump-file",
                                  (_dir.path() / "cubes.json").string(), "--loglevel", "WARN"};
    if (clean_init) argv.emplace_back("--cubes-dump-clean-init");
    if (clean_on_exit) argv.emplace_back("--clean-dataplane-on-exit");
    _log = _dir.path() / fmt::format("polycubed-{}.log", ++_starts);
    std::optional<int> cpu;
    if (_cfg.daemon_cores == 1) cpu = _cfg.server_cpu;
    _daemon = std::make_unique<child>(std::move(argv), spawn_options{.cpu = cpu, .output = _log, .nice = _cfg.nice});
  }

  // Waits until the daemon accepts a connection; false when `limit` passed first.
  bool wait_listening(std::chrono::milliseconds limit) {
    auto deadline = clock_type::now() + limit;
    while (!client.connect()) {
      if (!_daemon->running()) fail("exited at start");
      if (clock_type::now() > deadline) return false;
      sleep_interruptibly(2ms);
    }
    return true;
  }

  // SIGTERM, waits for the exit (killed after --stop-limit); seconds it took. Throws when
  // the daemon did not exit cleanly.
  double stop() {
    if (!_daemon) return 0;
    client.close();
    auto start = clock_type::now();
    _daemon->stop(_cfg.stop_limit);
    double seconds = ms_since(start) / 1000;
    bool ok = _daemon->succeeded();
    std::string how = _daemon->describe();
    _daemon.reset();
    if (!ok) throw std::runtime_error(fmt::format("polycubed {} on SIGTERM; its output:\n{}", how, tail_of(_log)));
    return seconds;
  }

  // Stops a daemon that may be stuck (a request over its limit): no clean exit expected.
  void kill() {
    client.close();
    if (_daemon) _daemon->stop(2s);
    _daemon.reset();
  }

  [[noreturn]] void fail(const std::string& what) {
    std::string state = _daemon ? _daemon->describe() : "not running";
    throw std::runtime_error(fmt::format("polycubed {} ({}); its output:\n{}", what, state, tail_of(_log)));
  }

  reply call(http::verb verb, std::string_view path, std::string_view body = {}, std::optional<std::chrono::milliseconds> limit = {}) {
    return client.call(verb, path, body, limit.value_or(_cfg.request_limit));
  }

  // The call, which must answer `expected`; its duration in ms.
  double timed(http::verb verb, std::string_view path, std::string_view body, unsigned expected,
               std::optional<std::chrono::milliseconds> limit = {}) {
    auto start = clock_type::now();
    reply r = call(verb, path, body, limit);
    double ms = ms_since(start);
    if (r.status != expected)
      throw std::runtime_error(fmt::format("{} {}{}: answered {} (expected {}): {}", verb_name(verb), rest_root, path, r.status,
                                           expected, r.body.substr(0, 500)));
    return ms;
  }

 private:
  const settings& _cfg;
  testing::netns _ns;
  testing::entered_netns _inside;
  pin_root _pins;
  temp_dir _dir;
  fs::path _log;
  unsigned _starts = 0;
  std::unique_ptr<child> _daemon;
};

struct round_figures {
  std::vector<double> create_ms, patch_ms;
  double start_s = 0;
  std::optional<double> stop_s, readopt_s, cold_s;  // nullopt: not measured (a phase before overran)
  double bulk_cube_ms = 0, bulk_accepted_ms = 0;
  std::vector<std::optional<double>> bulk_refused_ms;  // per size; nullopt: no answer in time
  std::optional<double> foreign_cpu;                   // CPUs' worth of other work during 1 and 2
  size_t descriptors = 0;                              // the daemon's, once the cubes are made
};

std::string create_body(const settings& cfg, unsigned i) {
  return fmt::format(R"({{"type":"{}","ports":[{{"name":"p1","peer":"va{}"}},{{"name":"p2","peer":"vb{}"}}]}})", cfg.type, i, i);
}

// Until GET /cubes lists every helloworld cube: seconds since `start`, or nullopt when
// that took longer than --restore-limit (the daemon is then stopped).
std::optional<double> wait_restored(bench_world& w, const settings& cfg, clock_type::time_point start, std::string_view how,
                                    std::vector<std::string>& notes) {
  auto overran = [&](std::string what) {
    notes.push_back(fmt::format("{} restart of {} cubes: {} within --restore-limit {} s", how, cfg.cubes, what,
                                cfg.restore_limit.count() / 1000));
    log::warn("control: {} restart: {} within {} s", how, what, cfg.restore_limit.count() / 1000);
    w.kill();
    return std::nullopt;
  };
  if (!w.wait_listening(cfg.restore_limit)) return overran("no answer");
  size_t listed = 0;
  while (clock_type::now() - start < cfg.restore_limit) {
    reply r = w.call(http::verb::get, "cubes");
    if (r.status != 200) w.fail(fmt::format("answered GET /cubes with {} after a {} restart: {}", r.status, how, r.body.substr(0, 300)));
    boost::json::value v = boost::json::parse(r.body);
    const auto* cubes = v.is_object() ? v.get_object().if_contains("helloworld") : nullptr;
    listed = cubes && cubes->is_array() ? cubes->get_array().size() : 0;
    if (listed >= cfg.cubes) return ms_since(start) / 1000;
    sleep_interruptibly(2ms);
  }
  return overran(fmt::format("{} of the cubes listed", listed));
}

// The bulk phase on a daemon holding the N cubes: a simpleforwarder with bulk_ports ports,
// one POST of its whole actions list (accepted), then each larger size (refused: the entries
// name ports the cube cannot have). The refused ones must leave the list as it was.
void bulk_phase(bench_world& w, const settings& cfg, round_figures& f, std::vector<std::string>& notes) {
  std::string ports;
  for (unsigned i = 0; i < cfg.bulk_ports; ++i) ports += fmt::format(R"({}{{"name":"p{}"}})", i ? "," : "", i);
  f.bulk_cube_ms =
      w.timed(http::verb::post, "simpleforwarder/bulk/", fmt::format(R"({{"type":"{}","ports":[{}]}})", cfg.type, ports), 201, cfg.bulk_limit);
  std::string actions = "[";
  for (unsigned i = 0; i < cfg.bulk_ports; ++i)
    actions += fmt::format(R"({}{{"inport":"p{}","action":"FORWARD","outport":"p{}"}})", i ? "," : "", i, (i + 1) % cfg.bulk_ports);
  actions += "]";
  f.bulk_accepted_ms = w.timed(http::verb::post, "simpleforwarder/bulk/actions/", actions, 201, cfg.bulk_limit);

  for (unsigned size : cfg.bulk_sizes) {
    std::string body = "[";
    body.reserve(size * 32);
    for (unsigned i = 0; i < size; ++i) body += fmt::format(R"({}{{"inport":"x{}","action":"DROP"}})", i ? "," : "", i);
    body += "]";
    auto start = clock_type::now();
    reply r;
    try {
      r = w.call(http::verb::post, "simpleforwarder/bulk/actions/", body, cfg.bulk_limit);
    } catch (const std::runtime_error& e) {
      // Over the limit: the daemon is still at it; larger sizes would only take longer.
      notes.push_back(fmt::format("bulk of {} entries: {}; larger sizes skipped this round", size, e.what()));
      f.bulk_refused_ms.resize(cfg.bulk_sizes.size());
      w.kill();
      return;
    }
    double ms = ms_since(start);
    if (r.status < 400 || r.status >= 500)
      throw std::runtime_error(fmt::format("bulk of {} entries naming no port: answered {} (expected a refusal): {}", size, r.status,
                                           r.body.substr(0, 300)));
    f.bulk_refused_ms.push_back(ms);
    reply list = w.call(http::verb::get, "simpleforwarder/bulk/actions/");
    boost::json::value v = boost::json::parse(list.body);
    if (list.status != 200 || !v.is_array() || v.get_array().size() != cfg.bulk_ports)
      throw std::runtime_error(fmt::format("a refused bulk of {} entries changed the actions list: GET answers {} with {} entries", size,
                                           list.status, v.is_array() ? v.get_array().size() : 0));
  }
  // The restarts then bring back the N helloworld cubes alone.
  w.timed(http::verb::delete_, "simpleforwarder/bulk/", {}, 200, cfg.bulk_limit);
}

// One round; with `profile`, perf records the daemon during creations, PATCHes and bulk.
round_figures run_round(bench_world& w, const settings& cfg, std::vector<std::string>& notes, const fs::path& profile = {}) {
  round_figures f;
  auto start = clock_type::now();
  w.start(/*clean_init=*/true, /*clean_on_exit=*/false);
  if (!w.wait_listening(cfg.start_limit)) w.fail(fmt::format("did not answer within {} s", cfg.start_limit.count() / 1000));
  f.start_s = ms_since(start) / 1000;
  std::unique_ptr<child> perf;
  if (!profile.empty()) {
    perf = std::make_unique<child>(
        std::vector<std::string>{perf_binary, "record", "-F", "499", "--call-graph", "dwarf,16384", "-p", std::to_string(w.daemon()->pid()),
                                 "-o", profile.string()},
        spawn_options{.cpu = cfg.client_cpu, .output = w.dir() / "perf.log", .nice = 0});
    sleep_interruptibly(500ms);  // perf attaches
  }
  foreign_cpu others({w.daemon()->pid()});

  for (unsigned i = 0; i < cfg.cubes; ++i) {
    f.create_ms.push_back(w.timed(http::verb::post, fmt::format("helloworld/h{}/", i), create_body(cfg, i), 201));
    if ((i + 1) % growth_window == 0)
      log::info("control: {} cubes, the last {} created in {:.2f} s", i + 1, growth_window,
                std::accumulate(f.create_ms.end() - growth_window, f.create_ms.end(), 0.0) / 1000);
  }
  f.descriptors = open_descriptors(w.daemon()->pid());
  for (unsigned k = 0; k < cfg.patches; ++k) {
    unsigned cube = k % cfg.cubes;
    // Every PATCH changes the action: FORWARD on the first pass over the cubes, DROP on the next...
    const char* action = (k / cfg.cubes) % 2 == 0 ? "FORWARD" : "DROP";
    f.patch_ms.push_back(w.timed(http::verb::patch, fmt::format("helloworld/h{}/", cube), fmt::format(R"({{"action":"{}"}})", action), 200));
  }
  f.foreign_cpu = others.since();
  bulk_phase(w, cfg, f, notes);
  if (perf) {
    perf->stop(60s);
    w.kill();
    return f;
  }

  if (w.daemon()) f.stop_s = w.stop();  // else a bulk request overran and it was stopped the hard way
  start = clock_type::now();
  w.start(false, /*clean_on_exit=*/true);
  f.readopt_s = wait_restored(w, cfg, start, "re-adopting", notes);
  if (!f.readopt_s) return f;  // killed: its data plane stays, the next start would re-adopt too
  w.stop();                    // and the data plane goes
  start = clock_type::now();
  w.start(false, true);
  f.cold_s = wait_restored(w, cfg, start, "cold", notes);
  if (w.daemon()) w.stop();
  return f;
}

settings read_settings(const run_context& ctx, const option_values& o) {
  settings cfg;
  cfg.daemon = o.text("daemon").empty() ? ctx.build_dir / "daemon" / "polycubed" : fs::path(o.text("daemon"));
  cfg.cubes = o.number<unsigned>("cubes", 2, 4000);
  cfg.patches = o.number<unsigned>("patches", 1, 1'000'000);
  cfg.bulk_ports = o.number<unsigned>("bulk-ports", 1, PCN_MAX_PORTS);
  cfg.bulk_sizes = o.text("bulk-sizes").empty() ? std::vector<unsigned>{} : o.numbers("bulk-sizes", 1, 10'000'000);
  cfg.type = o.text("type");
  cfg.request_limit = std::chrono::seconds(o.number<unsigned>("request-limit", 1, 3600));
  cfg.bulk_limit = std::chrono::seconds(o.number<unsigned>("bulk-limit", 1, 3600));
  cfg.start_limit = std::chrono::seconds(o.number<unsigned>("start-limit", 1, 3600));
  cfg.restore_limit = std::chrono::seconds(o.number<unsigned>("restore-limit", 1, 3600));
  cfg.stop_limit = std::chrono::seconds(o.number<unsigned>("stop-limit", 1, 3600));
  cfg.server_cpu = o.number<int>("server-cpu", 0, CPU_SETSIZE - 1);
  cfg.client_cpu = o.number<int>("client-cpu", 0, CPU_SETSIZE - 1);
  cfg.nice = o.number<int>("nice", -20, 19);
  cfg.daemon_cores = o.number<unsigned>("daemon-cores", 1, CPU_SETSIZE);
  cfg.profile = o.text("profile");
  if (cfg.type != "TC" && cfg.type != "XDP_SKB" && cfg.type != "XDP_DRV")
    throw std::invalid_argument("--type " + cfg.type + ": expected TC, XDP_SKB or XDP_DRV");
  // XDP egress to a netdev goes through the framework's devmap, PCN_MAX_NETDEVS entries.
  if (cfg.type != "TC" && 2 * cfg.cubes > PCN_MAX_NETDEVS)
    throw std::invalid_argument(fmt::format("--type {} with {} cubes needs {} XDP netdevs; the data plane serves {} (bpf/pcn_abi.h): "
                                            "use TC or at most {} cubes", cfg.type, cfg.cubes, 2 * cfg.cubes, PCN_MAX_NETDEVS,
                                            PCN_MAX_NETDEVS / 2));
  if (cfg.server_cpu == cfg.client_cpu) throw std::invalid_argument("--server-cpu and --client-cpu must differ");
  if (::access(cfg.daemon.c_str(), X_OK) != 0)
    throw std::invalid_argument(cfg.daemon.string() + " is not an executable (set --daemon)");
  if (!cfg.profile.empty() && ::access(perf_binary, X_OK) != 0)
    throw std::invalid_argument(fmt::format("--profile needs {} (Debian package linux-perf)", perf_binary));
  return cfg;
}

suite_result run(const run_context& ctx, const option_values& options) {
  settings cfg = read_settings(ctx, options);
  pinned_thread client_cpu(cfg.client_cpu);
  // About 20 per cube today; the default soft limit (1024) stops the daemon near 50 cubes.
  descriptor_limit descriptors(std::min<rlim_t>(rlim_t{64} * cfg.cubes + 4096, 1 << 20));
  if (rlim_t needed = rlim_t{descriptors_per_cube} * (cfg.cubes + 1) + 500; descriptors.value < needed)
    throw std::invalid_argument(fmt::format("--cubes {} needs about {} descriptors in the daemon ({} per cube); RLIMIT_NOFILE can be "
                                            "raised to {} only here: use --cubes {} at most",
                                            cfg.cubes, needed, descriptors_per_cube, descriptors.value,
                                            (descriptors.value - 500) / descriptors_per_cube - 1));
  bench_world world(cfg);
  suite_result result{.suite = "control", .rounds = ctx.rounds, .figures = {}, .notes = {}};
  log::info("control: {} veth pairs in a private namespace in {:.1f} s", cfg.cubes, world.veth_seconds);

  std::vector<round_figures> rounds;
  for (unsigned round = 1; round <= ctx.rounds; ++round) {
    round_figures f = run_round(world, cfg, result.notes);
    auto seconds = [](std::optional<double> v) { return v ? fmt::format("{:.2f} s", *v) : std::string("-"); };
    log::info("control: round {}/{}: empty start {:.2f} s; create+connect p50 {:.2f} ms p99 {:.2f} ms; PATCH p50 {:.2f} ms; "
              "restore {} (re-adopting), {} (cold); bulk of {} {:.1f} ms",
              round, ctx.rounds, f.start_s, percentile(f.create_ms, 0.5), percentile(f.create_ms, 0.99), percentile(f.patch_ms, 0.5),
              seconds(f.readopt_s), seconds(f.cold_s), cfg.bulk_ports, f.bulk_accepted_ms);
    rounds.push_back(std::move(f));
  }

  auto series = [&](auto pick) {
    std::vector<double> v;
    for (const auto& r : rounds) v.push_back(pick(r));
    return v;
  };
  unsigned window = std::min(growth_window, cfg.cubes / 2);
  auto window_p50 = [&](const round_figures& r, bool last) {
    auto from = last ? r.create_ms.end() - window : r.create_ms.begin();
    return percentile(std::vector<double>(from, from + window), 0.5);
  };
  std::string n = std::to_string(cfg.cubes);
  auto& figs = result.figures;
  figs.push_back({"create_connect/p50", "ms", better::lower, series([](const auto& r) { return percentile(r.create_ms, 0.5); }), "", {}});
  figs.push_back({"create_connect/p99", "ms", better::lower, series([](const auto& r) { return percentile(r.create_ms, 0.99); }), "", {}});
  figs.push_back({fmt::format("create_connect/last{}_p50", window), "ms", better::lower,
                  series([&](const auto& r) { return window_p50(r, true); }), fmt::format("create_connect/first{}_p50", window),
                  series([&](const auto& r) { return window_p50(r, false); })});
  figs.push_back({"patch/p50", "ms", better::lower, series([](const auto& r) { return percentile(r.patch_ms, 0.5); }), "", {}});
  figs.push_back({"patch/p99", "ms", better::lower, series([](const auto& r) { return percentile(r.patch_ms, 0.99); }), "", {}});
  figs.push_back({"start/empty", "s", better::lower, series([](const auto& r) { return r.start_s; }), "", {}});
  auto measured = [&](std::optional<double> round_figures::*field) {
    std::vector<double> v;
    for (const auto& r : rounds)
      if (r.*field) v.push_back(*(r.*field));
    return v;
  };
  for (auto [how, field] : {std::pair{"readopt", &round_figures::readopt_s}, std::pair{"cold", &round_figures::cold_s}})
    if (auto v = measured(field); !v.empty())
      figs.push_back({"restore/" + n + "_cubes/" + how, "s", better::lower, v, "", {}});
  figs.push_back({fmt::format("bulk/cube_with_{}_ports", cfg.bulk_ports), "ms", better::lower,
                  series([](const auto& r) { return r.bulk_cube_ms; }), "", {}});
  figs.push_back({fmt::format("bulk/accepted_{}", cfg.bulk_ports), "ms", better::lower,
                  series([](const auto& r) { return r.bulk_accepted_ms; }), "", {}});
  for (size_t s = 0; s < cfg.bulk_sizes.size(); ++s) {
    std::vector<double> v;
    for (const auto& r : rounds)
      if (s < r.bulk_refused_ms.size() && r.bulk_refused_ms[s]) v.push_back(*r.bulk_refused_ms[s]);
    if (!v.empty())
      figs.push_back({fmt::format("bulk/refused_{}", cfg.bulk_sizes[s]), "ms", better::lower, v, "", {}});
    if (v.size() != rounds.size())
      result.notes.push_back(fmt::format("bulk/refused_{}: answered in time in {} of {} rounds", cfg.bulk_sizes[s], v.size(), rounds.size()));
  }

  auto median = [](std::vector<double> v) { return summarize(std::move(v)).median; };
  double create_p50 = median(figs[0].samples);
  const figure& growth = figs[2];
  result.notes.push_back(fmt::format("create+connect = one POST /helloworld/<cube>/ (type {}) with two ports whose peers are veths; "
                                     "{} cubes in a row on one keep-alive connection; every acknowledged change is saved before its answer "
                                     "(a line appended to the dump file's journal and fdatasynced; the file itself rewritten when "
                                     "the journal outgrows it), in {}",
                                     cfg.type, cfg.cubes, world.dir().parent_path().string()));
  result.notes.push_back(fmt::format("goal create+connect p50 <= {} ms: {} ({:.2f} ms)", create_goal_ms,
                                     create_p50 <= create_goal_ms ? "met" : "MISSED", create_p50));
  result.notes.push_back(fmt::format("growth: the last {0} creations take {1:.2f}x the first {0} (p50 {2:.2f} ms against {3:.2f} ms; "
                                     "the ratio column is its inverse)",
                                     window, median(growth.samples) / median(growth.baseline_samples), median(growth.samples),
                                     median(growth.baseline_samples)));
  std::string by_window;
  for (unsigned from = 0; from + window <= cfg.cubes; from += window) {
    std::vector<double> per_round;
    for (const auto& r : rounds)
      per_round.push_back(percentile(std::vector<double>(r.create_ms.begin() + from, r.create_ms.begin() + from + window), 0.5));
    by_window += fmt::format("{}{}", by_window.empty() ? "" : ", ", format_number(median(per_round)));
  }
  result.notes.push_back(fmt::format("create+connect p50 (ms) of each {} cubes in order: {}", window, by_window));
  for (auto [how, field] : {std::pair{"readopt", &round_figures::readopt_s}, std::pair{"cold", &round_figures::cold_s}}) {
    std::string what = std::string_view(how) == "readopt" ? "the data plane kept, re-adopted" : "the data plane rebuilt";
    std::vector<double> v = measured(field);
    if (v.empty()) {
      bool skipped = std::string_view(how) == "cold" && measured(&round_figures::readopt_s).empty();
      result.notes.push_back(fmt::format("goal restore of {} cubes <= {} s ({}): {}", cfg.cubes, restore_goal_s, what,
                                         skipped ? "not measured (the re-adopting restart before it overran)"
                                                 : fmt::format("MISSED (not done within {} s)", cfg.restore_limit.count() / 1000)));
      continue;
    }
    double s = median(v);
    result.notes.push_back(fmt::format("goal restore of {} cubes <= {} s ({}): {} ({:.2f} s from start to a GET /cubes listing all{})",
                                       cfg.cubes, restore_goal_s, what, s <= restore_goal_s ? "met" : "MISSED", s,
                                       v.size() < rounds.size() ? fmt::format("; in {} of {} rounds", v.size(), rounds.size()) : ""));
  }
  if (cfg.daemon_cores > 1)
    result.notes.push_back(fmt::format("the daemon ran {} shards (--cores {}), each pinned to its core by itself, the client on CPU {}: "
                                       "cubes' programs load on the shards but the control one, a restore creates several at once",
                                       cfg.daemon_cores, cfg.daemon_cores, cfg.client_cpu));
  result.notes.push_back(fmt::format("start/empty: from starting an empty daemon (--cubes-dump-clean-init) to its first answer, with "
                                     "the {} veths in its namespace; the restore figures include the same start-up work",
                                     2 * cfg.cubes));
  result.notes.push_back(fmt::format("the daemon holds {} descriptors with the {} cubes; pcn-bench runs it with RLIMIT_NOFILE {} "
                                     "(polycubed does not raise its own limit)",
                                     rounds.front().descriptors, cfg.cubes, descriptors.value));
  if (auto v = measured(&round_figures::stop_s); !v.empty())
    result.notes.push_back(fmt::format("stopping the daemon with {} cubes (SIGTERM, data plane kept): {:.2f} s", cfg.cubes, median(v)));
  result.notes.push_back(fmt::format(
      "bulk: simpleforwarder's actions are the only list of the built-in services that is not bounded by ports, and each entry's "
      "inport must name one of the cube's ports (at most {}): bulk/cube_with_{}_ports creates that cube, its ports in one POST; "
      "bulk/accepted_{} posts the whole list at once; bulk/refused_N posts N "
      "entries naming no port, timed to the refusal (parse, validation, datastore edit, apply undone): a lower bound for a bulk load "
      "of N, no service here can hold {}",
      PCN_MAX_PORTS, cfg.bulk_ports, cfg.bulk_ports, bulk_goal_entries));
  auto goal = std::find(cfg.bulk_sizes.begin(), cfg.bulk_sizes.end(), bulk_goal_entries);
  if (goal != cfg.bulk_sizes.end()) {
    std::string name = fmt::format("bulk/refused_{}", bulk_goal_entries);
    auto f = std::find_if(figs.begin(), figs.end(), [&](const figure& x) { return x.name == name; });
    if (f == figs.end())
      result.notes.push_back(fmt::format("goal {} entries in one request <= {} s: MISSED (no answer within {} s)", bulk_goal_entries,
                                         bulk_goal_s, cfg.bulk_limit.count() / 1000));
    else
      result.notes.push_back(fmt::format("goal {} entries in one request <= {} s: {} even for its refusal ({:.2f} s)", bulk_goal_entries,
                                         bulk_goal_s, median(f->samples) / 1000 <= bulk_goal_s ? "met" : "MISSED",
                                         median(f->samples) / 1000));
  }
  std::vector<double> foreign;
  for (const auto& r : rounds)
    if (r.foreign_cpu) foreign.push_back(*r.foreign_cpu * 100);
  if (!foreign.empty()) {
    spread p = summarize(foreign);
    result.notes.push_back(fmt::format("other processes' user CPU time during creations and PATCHes: median {:.0f}%, max {:.0f}% of a CPU{}",
                                       p.median, p.max, p.max >= 10 ? " (the machine was not quiet: spreads may be wide)" : ""));
  }
  if (ctx.rounds < 3) result.notes.push_back("fewer than 3 rounds: the spread says little");
  if (!cfg.profile.empty()) {
    std::vector<std::string> ignored;
    run_round(world, cfg, ignored, cfg.profile);
    result.notes.push_back(fmt::format("perf profile of polycubed during one more round's creations, PATCHes and bulk in {} "
                                       "(perf report -i {})", cfg.profile.string(), cfg.profile.string()));
  }
  return result;
}

}  // namespace

suite control_suite() {
  return {
      .name = "control",
      .summary = "the management plane through polycubed's REST API: create+connect, PATCH, bulk load, restart-restore",
      .options =
          {
              {"daemon", "", "polycubed to measure (default: daemon/polycubed of pcn-bench's build)"},
              {"cubes", "1000", "helloworld cubes created (each with two ports connected to a veth pair)"},
              {"patches", "1000", "PATCH requests measured, over the cubes in turn"},
              {"type", "TC", "cube type: TC, XDP_SKB or XDP_DRV (XDP: at most 512 cubes, the devmap's size)"},
              {"bulk-ports", "256", "ports of the bulk simpleforwarder: the size of the actions list it accepts"},
              {"bulk-sizes", "1000,10000,100000", "sizes of the refused bulk requests, comma-separated ('' for none)"},
              {"bulk-limit", "300", "seconds a bulk request may take before it counts as unanswered"},
              {"request-limit", "30", "seconds any other request may take"},
              {"start-limit", "300", "seconds an empty daemon may take to answer"},
              {"restore-limit", "300", "seconds a restart may take to list every cube"},
              {"stop-limit", "300", "seconds a daemon may take to exit on SIGTERM before it is killed (and the suite fails)"},
              {"server-cpu", "0", "CPU the daemon is pinned to (with --daemon-cores 1)"},
              {"daemon-cores", "1", "the daemon's shards (--cores); above 1 it is not pinned, its shards pin themselves to cores 0.."},
              {"client-cpu", "1", "CPU pcn-bench (the client) is pinned to"},
              {"nice", "-20", "nice value of the daemon and of its autogroup"},
              {"profile", "", "after the rounds, record polycubed with perf during one more round into this file"},
          },
      .run = run,
  };
}

}  // namespace pcn::bench
