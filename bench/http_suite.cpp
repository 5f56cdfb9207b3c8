// The http suite: GET /polycube/v1/version from polycubed against nginx answering the
// same JSON body with `return 200`, both servers pinned to one core and wrk pinned to
// another, over loopback. Runs alternate between the servers (polycubed, nginx, ...) at
// each connection count, round after round; each figure is polycubed's median beside
// nginx's.
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <charconv>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <optional>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "bench/process.hpp"
#include "bench/suite.hpp"
#include "reactor/listen.hpp"

namespace pcn::bench {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace http = boost::beast::http;

constexpr std::string_view version_path = "/polycube/v1/version";
constexpr auto start_limit = 5s;
constexpr auto probe_timeout = 2s;
constexpr double p99_goal_ms = 1.0;
constexpr unsigned goal_connections = 64;
constexpr const char* perf_binary = "/usr/bin/perf";

struct settings {
  fs::path daemon, nginx, wrk, profile;
  unsigned duration_s, warmup_s, threads;
  std::vector<unsigned> connections;
  int server_cpu, client_cpu, nice;
  unsigned profile_connections;
};

struct answer {
  unsigned status = 0;
  std::string content_type;
  std::string server;  // its Server header: nginx's names its version
  std::string body;
  size_t bytes = 0;  // the whole response, headers included
};

struct server {
  std::string name;
  uint16_t port = 0;
  fs::path log;
  std::unique_ptr<child> process;
};

struct wrk_figures {
  double requests_per_s = 0;
  double p99_ms = 0;
  uint64_t requests = 0;
  std::optional<double> cpu_us_per_request;  // the server's CPU time, all of it, per request
  std::optional<double> server_busy;         // share of its CPU the server used during the run
  double client_busy = 0;                    // the same for wrk
  std::string socket_errors;  // wrk's line when it reports any, else empty
  std::optional<double> foreign_cpu;  // CPUs' worth of other processes' work during the run
};

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

unique_fd connect_loopback(uint16_t port) {
  unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw std::system_error(errno, std::system_category(), "socket");
  timeval tv{.tv_sec = std::chrono::seconds(probe_timeout).count(), .tv_usec = 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a = loopback(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return unique_fd();
  return fd;
}

// One GET on a fresh connection ("Connection: close"), each step bounded by probe_timeout.
answer http_get(uint16_t port, std::string_view path) {
  std::string where = fmt::format("GET http://127.0.0.1:{}{}", port, path);
  unique_fd fd = connect_loopback(port);
  if (!fd) throw std::system_error(errno, std::system_category(), where + ": connect");
  std::string request = fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n", path, port);
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    throw std::system_error(errno, std::system_category(), where + ": send");
  std::string raw;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::system_category(), where + ": recv");
    if (n == 0) break;
    raw.append(buffer, static_cast<size_t>(n));
    if (raw.size() > 1 << 20) throw std::runtime_error(where + ": response larger than 1 MiB");
  }
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(raw), ec);
  if (ec == http::error::need_more) parser.put_eof(ec);
  if (ec || !parser.is_done()) throw std::runtime_error(where + ": malformed response: " + (ec ? ec.message() : "incomplete"));
  const auto& res = parser.get();
  return {res.result_int(), std::string(res[http::field::content_type]), std::string(res[http::field::server]), res.body(), raw.size()};
}

// Two distinct free loopback ports (both held open while the second is chosen).
std::pair<uint16_t, uint16_t> free_ports() {
  unique_fd a = listen_tcp("127.0.0.1", 0), b = listen_tcp("127.0.0.1", 0);
  return {bound_port(a.get()), bound_port(b.get())};
}

void fail_with_log(const server& s, const std::string& what) {
  std::string log = tail_of(s.log);
  throw std::runtime_error(fmt::format("{}: {} ({}){}", s.name, what, s.process->describe(), log.empty() ? "" : "; its output:\n" + log));
}

void wait_until_listening(server& s) {
  auto deadline = std::chrono::steady_clock::now() + start_limit;
  while (!connect_loopback(s.port)) {
    if (!s.process->running()) fail_with_log(s, "exited at start");
    if (std::chrono::steady_clock::now() > deadline)
      fail_with_log(s, fmt::format("not listening on 127.0.0.1:{} after {} s", s.port, start_limit.count()));
    sleep_interruptibly(20ms);
  }
}

// The body inside nginx's single-quoted `return` string.
std::string nginx_quoted(std::string_view body) {
  std::string out;
  for (char c : body) {
    if (c == '$') throw std::runtime_error("the version body contains '$', which nginx would expand: cannot build the baseline");
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out;
}

// A configuration of its own: nothing from the system's nginx is read or written.
void write_nginx_conf(const fs::path& file, const fs::path& dir, uint16_t port, std::string_view body) {
  std::ofstream out(file);
  out << fmt::format(R"(# Written by pcn-bench for one run.
worker_processes 1;
master_process off;
daemon off;
pid {0}/nginx.pid;
error_log {0}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {0}/client_body;
  proxy_temp_path {0}/proxy;
  fastcgi_temp_path {0}/fastcgi;
  uwsgi_temp_path {0}/uwsgi;
  scgi_temp_path {0}/scgi;
  # polycubed never closes a busy keep-alive connection: neither does the baseline.
  keepalive_requests 100000000;
  server {{
    listen 127.0.0.1:{1};
    location = {2} {{
      default_type application/json;
      return 200 '{3}';
    }}
  }}
}}
)",
                     dir.string(), port, version_path, nginx_quoted(body));
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
}

double parse_double(std::string_view s, std::string_view what) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end == s.data()) throw std::runtime_error(fmt::format("wrk output: cannot read {} from '{}'", what, s));
  return v;
}

// A wrk latency ("812.00us", "1.52ms", "2.01s") in milliseconds.
double latency_ms(std::string_view s) {
  // Dividing keeps "51.00us" at 0.051 exactly, where multiplying by 1e-3 would not.
  double per_ms = 0, ms_per = 0;
  if (s.ends_with("us")) per_ms = 1000, s.remove_suffix(2);
  else if (s.ends_with("ms")) ms_per = 1, s.remove_suffix(2);
  else if (s.ends_with("s")) ms_per = 1000, s.remove_suffix(1);
  else if (s.ends_with("m")) ms_per = 60'000, s.remove_suffix(1);
  else throw std::runtime_error(fmt::format("wrk output: unknown latency unit in '{}'", s));
  double v = parse_double(s, "a latency");
  return per_ms ? v / per_ms : v * ms_per;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

wrk_figures parse_wrk(std::string_view output) {
  wrk_figures f;
  bool have_rate = false, have_p99 = false;
  while (!output.empty()) {
    size_t nl = output.find('\n');
    std::string_view line = trim(output.substr(0, nl));
    output = nl == std::string_view::npos ? "" : output.substr(nl + 1);
    if (line.starts_with("Requests/sec:")) {
      f.requests_per_s = parse_double(trim(line.substr(13)), "Requests/sec");
      have_rate = true;
    } else if (line.starts_with("99%")) {
      f.p99_ms = latency_ms(trim(line.substr(3)));
      have_p99 = true;
    } else if (auto at = line.find(" requests in "); at != std::string_view::npos) {
      f.requests = static_cast<uint64_t>(parse_double(line.substr(0, at), "the request count"));
    } else if (line.starts_with("Socket errors:")) {
      f.socket_errors = line;
    } else if (line.starts_with("Non-2xx or 3xx responses:")) {
      throw std::runtime_error(fmt::format("wrk: {}", line));
    }
  }
  if (!have_rate || !have_p99) throw std::runtime_error("wrk output has no Requests/sec or 99% latency line");
  return f;
}

// One wrk run against s; `ours` are the live processes of the benchmark (both servers).
wrk_figures run_wrk(const settings& cfg, const server& s, const std::vector<pid_t>& ours, unsigned connections, unsigned seconds,
                    const fs::path& output) {
  unsigned threads = std::min(cfg.threads, connections);
  foreign_cpu others(ours);
  auto cpu_before = cpu_seconds(s.process->pid());
  double client_before = reaped_children_cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  child wrk({cfg.wrk.string(), "--latency", "-t", std::to_string(threads), "-c", std::to_string(connections), "-d",
             std::to_string(seconds) + "s", "--timeout", "2s", fmt::format("http://127.0.0.1:{}{}", s.port, version_path)},
            {.cpu = cfg.client_cpu, .output = output, .nice = cfg.nice});
  std::string what = fmt::format("wrk against {} with {} connections", s.name, connections);
  auto status = wrk.wait_for(std::chrono::seconds(seconds) + 20s);
  if (!status) {
    wrk.stop();
    throw std::runtime_error(what + ": did not finish in time");
  }
  if (!wrk.succeeded()) throw std::runtime_error(what + ": " + wrk.describe() + ": " + tail_of(output));
  if (!s.process->running()) fail_with_log(s, "died during " + what);
  std::ifstream in(output);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  wrk_figures f;
  try {
    f = parse_wrk(text);
  } catch (const std::exception& e) {
    throw std::runtime_error(what + ": " + e.what() + "; wrk printed:\n" + text);
  }
  f.foreign_cpu = others.since();
  auto cpu_after = cpu_seconds(s.process->pid());
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  f.client_busy = (reaped_children_cpu_seconds() - client_before) / elapsed.count();
  if (cpu_before && cpu_after) {
    f.server_busy = (*cpu_after - *cpu_before) / elapsed.count();
    if (f.requests > 0) f.cpu_us_per_request = (*cpu_after - *cpu_before) * 1e6 / static_cast<double>(f.requests);
  }
  return f;
}

// One more run, with perf recording the daemon's call graphs (DWARF: the build keeps no frame pointers).
void profile(const settings& cfg, const server& s, const std::vector<pid_t>& ours, const fs::path& output) {
  fs::path log = output;
  log += ".perf";
  child perf({perf_binary, "record", "-F", "499", "--call-graph", "dwarf,16384", "-p", std::to_string(s.process->pid()), "-o",
              cfg.profile.string(), "--", "sleep", std::to_string(cfg.duration_s)},
             {.cpu = cfg.client_cpu, .output = log, .nice = cfg.nice});
  wrk_figures f = run_wrk(cfg, s, ours, cfg.profile_connections, cfg.duration_s, output);
  log::info("http: profiled run, {} connections: {:.0f} req/s, p99 {:.3f} ms", cfg.profile_connections, f.requests_per_s, f.p99_ms);
  if (!perf.wait_for(30s) || !perf.succeeded())
    throw std::runtime_error("perf record " + perf.describe() + ": " + tail_of(log));
}

void require_cpu(int cpu, std::string_view role) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0 || !CPU_ISSET(cpu, &allowed))
    throw std::invalid_argument(fmt::format("CPU {} (for the {}) is not available to pcn-bench; this suite needs two CPUs "
                                            "(see --server-cpu and --client-cpu)", cpu, role));
}

void require_executable(const fs::path& p, std::string_view option) {
  if (::access(p.c_str(), X_OK) != 0) throw std::invalid_argument(fmt::format("{} is not an executable (set --{})", p.string(), option));
}

settings read_settings(const run_context& ctx, const option_values& o) {
  settings cfg;
  cfg.daemon = o.text("daemon").empty() ? ctx.build_dir / "daemon" / "polycubed" : fs::path(o.text("daemon"));
  cfg.nginx = o.text("nginx");
  cfg.wrk = o.text("wrk");
  cfg.duration_s = o.number<unsigned>("duration", 1, 600);
  cfg.warmup_s = o.number<unsigned>("warmup", 0, 600);
  cfg.threads = o.number<unsigned>("threads", 1, 64);
  cfg.connections = o.numbers("connections", 1, 10000);
  cfg.server_cpu = o.number<int>("server-cpu", 0, CPU_SETSIZE - 1);
  cfg.client_cpu = o.number<int>("client-cpu", 0, CPU_SETSIZE - 1);
  cfg.nice = o.number<int>("nice", -20, 19);
  cfg.profile = o.text("profile");
  cfg.profile_connections = o.number<unsigned>("profile-connections", 1, 10000);
  if (!cfg.profile.empty() && ::access(perf_binary, X_OK) != 0)
    throw std::invalid_argument(fmt::format("--profile needs {} (Debian package linux-perf)", perf_binary));
  if (cfg.server_cpu == cfg.client_cpu) throw std::invalid_argument("--server-cpu and --client-cpu must differ");
  require_cpu(cfg.server_cpu, "servers");
  require_cpu(cfg.client_cpu, "client");
  require_executable(cfg.daemon, "daemon");
  require_executable(cfg.nginx, "nginx");
  require_executable(cfg.wrk, "wrk");
  return cfg;
}

suite_result run(const run_context& ctx, const option_values& options) {
  settings cfg = read_settings(ctx, options);
  temp_dir dir("pcn-bench-http");
  auto [daemon_port, nginx_port] = free_ports();

  server polycubed{"polycubed", daemon_port, dir.path() / "polycubed.log", nullptr};
  polycubed.process = std::make_unique<child>(
      std::vector<std::string>{cfg.daemon.string(), "--cores", "1", "--addr", "127.0.0.1", "--port", std::to_string(daemon_port),
                               "--unix-socket", "", "--loglevel", "WARN"},
      spawn_options{.cpu = cfg.server_cpu, .output = polycubed.log, .nice = cfg.nice});
  wait_until_listening(polycubed);
  answer expected = http_get(daemon_port, version_path);
  if (expected.status != 200) fail_with_log(polycubed, fmt::format("GET {} answered {}", version_path, expected.status));

  server nginx{"nginx", nginx_port, dir.path() / "nginx.log", nullptr};
  fs::path conf = dir.path() / "nginx.conf";
  write_nginx_conf(conf, dir.path(), nginx_port, expected.body);
  nginx.process = std::make_unique<child>(
      std::vector<std::string>{cfg.nginx.string(), "-p", dir.path().string(), "-c", conf.string(), "-e",
                               (dir.path() / "nginx-error.log").string()},
      spawn_options{.cpu = cfg.server_cpu, .output = nginx.log, .nice = cfg.nice});
  wait_until_listening(nginx);
  answer baseline = http_get(nginx_port, version_path);
  if (baseline.status != 200 || baseline.body != expected.body || baseline.content_type != expected.content_type)
    throw std::runtime_error(fmt::format("nginx does not answer like polycubed: {} {} '{}' against {} {} '{}'", baseline.status,
                                         baseline.content_type, baseline.body, expected.status, expected.content_type, expected.body));

  suite_result result{.suite = "http", .rounds = ctx.rounds, .figures = {}, .notes = {}};
  result.notes.push_back(fmt::format("both answer 200, {}, {}-byte body; whole response {} bytes from polycubed, {} from {}",
                                     expected.content_type, expected.body.size(), expected.bytes, baseline.bytes, baseline.server));
  std::array<server*, 2> servers{&polycubed, &nginx};
  std::vector<pid_t> ours{polycubed.process->pid(), nginx.process->pid()};
  unsigned run_number = 0;
  auto output = [&] { return dir.path() / fmt::format("wrk-{}.txt", ++run_number); };
  if (cfg.warmup_s > 0) {
    unsigned most = *std::max_element(cfg.connections.begin(), cfg.connections.end());
    for (server* s : servers) run_wrk(cfg, *s, ours, most, cfg.warmup_s, output());
  }

  // samples[server][connection index] = one wrk result per round
  std::array<std::vector<std::vector<wrk_figures>>, 2> samples;
  std::vector<double> foreign;
  for (auto& per_server : samples) per_server.resize(cfg.connections.size());
  for (unsigned round = 1; round <= ctx.rounds; ++round) {
    for (size_t c = 0; c < cfg.connections.size(); ++c) {
      for (size_t s = 0; s < servers.size(); ++s) {
        wrk_figures f = run_wrk(cfg, *servers[s], ours, cfg.connections[c], cfg.duration_s, output());
        log::info("http: round {}/{}, {:>3} connections, {:<9} {:>8.0f} req/s, p99 {:.3f} ms, {} us CPU/request, CPU busy: "
                  "server {}, wrk {:.0f}%, other processes {}",
                  round, ctx.rounds, cfg.connections[c], servers[s]->name, f.requests_per_s, f.p99_ms,
                  f.cpu_us_per_request ? fmt::format("{:.1f}", *f.cpu_us_per_request) : "?",
                  f.server_busy ? fmt::format("{:.0f}%", *f.server_busy * 100) : "?", f.client_busy * 100,
                  f.foreign_cpu ? fmt::format("{:.0f}%", *f.foreign_cpu * 100) : "?");
        if (f.foreign_cpu) foreign.push_back(*f.foreign_cpu * 100);
        if (!f.socket_errors.empty())
          result.notes.push_back(fmt::format("round {}, {} connections, {}: wrk reports {}", round, cfg.connections[c], servers[s]->name,
                                             f.socket_errors));
        samples[s][c].push_back(std::move(f));
      }
    }
  }

  auto series = [](const std::vector<wrk_figures>& runs, double wrk_figures::*field) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(r.*field);
    return v;
  };
  auto cpu_series = [](const std::vector<wrk_figures>& runs) {
    std::vector<double> v;
    for (const auto& r : runs)
      if (r.cpu_us_per_request) v.push_back(*r.cpu_us_per_request);
    return v.size() == runs.size() ? v : std::vector<double>{};
  };
  for (size_t c = 0; c < cfg.connections.size(); ++c) {
    unsigned n = cfg.connections[c];
    std::string baseline_name = fmt::format("nginx/c{}", n);
    result.figures.push_back({fmt::format("get_version/c{}/throughput", n), "req/s", better::higher,
                              series(samples[0][c], &wrk_figures::requests_per_s), baseline_name,
                              series(samples[1][c], &wrk_figures::requests_per_s)});
    result.figures.push_back({fmt::format("get_version/c{}/p99", n), "ms", better::lower, series(samples[0][c], &wrk_figures::p99_ms),
                              baseline_name, series(samples[1][c], &wrk_figures::p99_ms)});
    if (auto ours = cpu_series(samples[0][c]), theirs = cpu_series(samples[1][c]); !ours.empty() && !theirs.empty())
      result.figures.push_back({fmt::format("get_version/c{}/cpu_per_request", n), "us", better::lower, ours, baseline_name, theirs});
    auto busy = [](const std::vector<wrk_figures>& runs, auto pick) {
      std::vector<double> v;
      for (const auto& r : runs)
        if (auto b = pick(r)) v.push_back(*b * 100);
      return v.empty() ? std::string("?") : fmt::format("{:.0f}%", summarize(v).median);
    };
    auto server_busy = [](const wrk_figures& r) { return r.server_busy; };
    auto client_busy = [](const wrk_figures& r) { return std::optional<double>(r.client_busy); };
    std::string client_polycubed = busy(samples[0][c], client_busy), client_nginx = busy(samples[1][c], client_busy);
    auto saturated = [](const std::vector<wrk_figures>& runs) {
      return std::any_of(runs.begin(), runs.end(), [](const wrk_figures& r) { return r.client_busy >= 0.9; });
    };
    bool client_bound = saturated(samples[0][c]) || saturated(samples[1][c]);
    result.notes.push_back(fmt::format("{} connection{}, CPU busy (median): polycubed {} with wrk {}, nginx {} with wrk {}{}", n,
                                       n == 1 ? "" : "s",
                                       busy(samples[0][c], server_busy), client_polycubed, busy(samples[1][c], server_busy), client_nginx,
                                       client_bound ? "; wrk saturates its CPU, so req/s is bounded by the client: "
                                                      "cpu_per_request compares the servers"
                                                    : ""));
    if (n == goal_connections) {
      auto named = [&](std::string_view what) -> const figure& {
        return *std::find_if(result.figures.begin(), result.figures.end(),
                             [&](const figure& f) { return f.name == fmt::format("get_version/c{}/{}", n, what); });
      };
      const figure& rate = named("throughput");
      double p99 = summarize(named("p99").samples).median;
      double q = ratio(rate).value_or(0);
      result.notes.push_back(fmt::format("goal at {} connections, req/s >= nginx: {} (ratio {:.2f}); p99 <= {} ms: {} ({:.3f} ms)", n,
                                         q >= 1 ? "met" : "MISSED", q, p99_goal_ms, p99 <= p99_goal_ms ? "met" : "MISSED", p99));
    }
  }
  if (!foreign.empty()) {
    spread p = summarize(foreign);
    result.notes.push_back(fmt::format("other processes' user CPU time during the runs: median {:.0f}%, max {:.0f}% of a CPU{}", p.median,
                                       p.max, p.max >= 10 ? " (the machine was not quiet: spreads may be wide)" : ""));
  }
  if (ctx.rounds < 3) result.notes.push_back("fewer than 3 rounds: the spread says little");
  if (!cfg.profile.empty()) {
    profile(cfg, polycubed, ours, output());
    result.notes.push_back(fmt::format("perf profile of polycubed at {} connections in {} (perf report -i {})", cfg.profile_connections,
                                       cfg.profile.string(), cfg.profile.string()));
  }
  return result;
}

}  // namespace

suite http_suite() {
  return {
      .name = "http",
      .summary = "REST GET of a small JSON document, polycubed against nginx, req/s and p99 latency",
      .options =
          {
              {"daemon", "", "polycubed to measure (default: daemon/polycubed of pcn-bench's build)"},
              {"nginx", "/usr/sbin/nginx", "nginx binary of the baseline"},
              {"wrk", "/usr/bin/wrk", "wrk binary of the client"},
              {"duration", "5", "seconds of each measured run"},
              {"warmup", "1", "seconds of an unmeasured run against each server first (0: none)"},
              {"connections", "1,64,256", "keep-alive connection counts, comma-separated"},
              {"threads", "1", "wrk threads (at most one per connection)"},
              {"server-cpu", "0", "CPU both servers are pinned to"},
              {"client-cpu", "1", "CPU wrk is pinned to"},
              {"nice", "-20", "nice value of servers and client, and of their autogroups (shields runs from other work)"},
              {"profile", "", "after the rounds, record polycubed with perf during one more run into this file"},
              {"profile-connections", "64", "connections of the profiled run"},
          },
      .run = run,
  };
}

}  // namespace pcn::bench
