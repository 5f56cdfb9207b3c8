// polycubectl against a tiny HTTP server of the test's own (TCP on 127.0.0.1 or a unix
// socket): redirects, exit statuses, messages, bodies from stdin, timeouts, completion.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <fmt/format.h>
#include <mutex>
#include <sstream>
#include <thread>

#include "base/unique_fd.hpp"
#include "cli/polycubectl.hpp"
#include "tests/support/sockets.hpp"

namespace pcn::cli {
namespace {

using namespace std::chrono_literals;
namespace http = boost::beast::http;
namespace json = boost::json;

struct seen {
  std::string method;
  std::string target;
  std::string body;
  std::string content_type;
};

// A raw HTTP/1.1 answer.
std::string answer(unsigned status, std::string_view body = {}, std::string_view headers = {}) {
  return fmt::format("HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n{}",
                     status, body.size(), headers, body);
}

// One thread, one request per connection. The handler gives the raw answer, or nullopt to
// hold the connection open and answer nothing.
class test_server {
 public:
  using handler = std::function<std::optional<std::string>(const seen&)>;

  explicit test_server(handler h, std::string unix_path = {}) : _handler(std::move(h)), _stop(::eventfd(0, EFD_CLOEXEC)) {
    if (unix_path.empty()) {
      _listen = testing::listen_loopback();
      _url = fmt::format("http://127.0.0.1:{}/polycube/v1/", testing::local_port(_listen.get()));
    } else {
      _listen = testing::fd_guard(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      unix_path.copy(addr.sun_path, sizeof addr.sun_path - 1);
      if (::bind(_listen.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(_listen.get(), 16) != 0)
        throw std::runtime_error("listen on " + unix_path);
      _url = "unix://" + unix_path;
    }
    _thread = std::thread([this] { serve(); });
  }

  ~test_server() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(_stop.get(), &one, sizeof one);
    _thread.join();
  }

  const std::string& url() const { return _url; }

  std::vector<seen> requests() const {
    std::lock_guard lock(_mutex);
    return _seen;
  }

 private:
  void serve() {
    std::vector<unique_fd> held;
    for (;;) {
      pollfd p[2] = {{_listen.get(), POLLIN, 0}, {_stop.get(), POLLIN, 0}};
      if (::poll(p, 2, -1) < 0 || p[1].revents) return;
      unique_fd conn(::accept4(_listen.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!conn) continue;
      timeval tv{.tv_sec = 5, .tv_usec = 0};
      ::setsockopt(conn.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::optional<seen> request = read_request(conn.get());
      if (!request) continue;
      {
        std::lock_guard lock(_mutex);
        _seen.push_back(*request);
      }
      std::optional<std::string> out = _handler(*request);
      if (!out) {
        held.push_back(std::move(conn));
        continue;
      }
      for (std::string_view rest = *out; !rest.empty();) {
        ssize_t n = ::send(conn.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n <= 0) break;
        rest.remove_prefix(static_cast<size_t>(n));
      }
    }
  }

  static std::optional<seen> read_request(int fd) {
    http::request_parser<http::string_body> parser;
    parser.eager(true);  // the body too, when it came with the header
    boost::beast::error_code ec;
    std::string pending;
    char buf[4096];
    while (!parser.is_done()) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      pending.append(buf, static_cast<size_t>(n));
      size_t used = parser.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == http::error::need_more) ec = {};
      if (ec) return std::nullopt;
    }
    auto req = parser.release();
    return seen{std::string(req.method_string()), std::string(req.target()), req.body(),
                std::string(req[http::field::content_type])};
  }

  handler _handler;
  testing::fd_guard _listen;
  unique_fd _stop;
  std::string _url;
  std::thread _thread;
  mutable std::mutex _mutex;
  std::vector<seen> _seen;
};

struct result {
  int status;
  std::string out;
  std::string err;
};

result run_cli(const std::string& url, std::vector<std::string> args, std::optional<std::string> stdin_text = std::nullopt,
               std::chrono::milliseconds timeout = 5s, bool* stdin_read = nullptr) {
  std::ostringstream out, err;
  io streams{out, err, [&]() -> std::optional<std::string> {
               if (stdin_read) *stdin_read = true;
               return stdin_text;
             }};
  environment env{url, timeout};
  int status = run(args, env, streams);
  return {status, out.str(), err.str()};
}

json::value body_of(const seen& s) { return json::parse(s.body); }

// A port nothing listens on.
uint16_t closed_port() {
  auto fd = testing::listen_loopback();
  return testing::local_port(fd.get());
}

TEST(cli_client, follows_a_308_with_the_same_method_and_body) {
  test_server server([](const seen& s) -> std::optional<std::string> {
    if (s.target == "/polycube/v1/r1/ports/port1/") return answer(308, "", "Location: /polycube/v1/router/r1/ports/port1/\r\n");
    return answer(200, "{}");
  });
  result r = run_cli(server.url(), {"r1", "ports", "add", "port1", "ip=10.0.1.254/24", "peer=veth1"});
  EXPECT_EQ(r.status, exit_ok) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].method, "POST");
  EXPECT_EQ(seen[1].target, "/polycube/v1/router/r1/ports/port1/");
  EXPECT_EQ(body_of(seen[0]), json::parse(R"({"ip": "10.0.1.254/24", "peer": "veth1"})"));
  EXPECT_EQ(seen[1].body, seen[0].body);
  EXPECT_EQ(seen[1].content_type, "application/json");
}

TEST(cli_client, follows_a_redirect_to_an_absolute_url) {
  std::string base;
  test_server server([&](const seen& s) -> std::optional<std::string> {
    if (s.target == "/polycube/v1/r1/ports/port2/")
      return answer(307, "", "Location: " + base + "router/r1/ports/port2/\r\n");
    return answer(204);
  });
  base = server.url();
  result r = run_cli(server.url(), {"r1", "ports", "port2", "set", "peer=br1:port2"});
  EXPECT_EQ(r.status, exit_ok) << r.err;
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].method, "PATCH");
  EXPECT_EQ(seen[1].target, "/polycube/v1/router/r1/ports/port2/");
  EXPECT_EQ(body_of(seen[1]), json::parse(R"({"peer": "br1:port2"})"));
}

TEST(cli_client, gives_up_on_endless_redirects) {
  test_server server([](const seen&) { return answer(308, "", "Location: /polycube/v1/loop/\r\n"); });
  result r = run_cli(server.url(), {"loop", "show"});
  EXPECT_EQ(r.status, exit_unreachable);
  EXPECT_EQ(r.err, "polycubectl: too many redirects from /polycube/v1/loop/\n");
}

TEST(cli_client, daemon_errors_exit_non_zero_with_the_message_on_stderr) {
  test_server server([](const seen& s) -> std::optional<std::string> {
    if (s.target == "/polycube/v1/r9/") return answer(404, R"({"message": "r9: no such cube"})");
    if (s.target == "/polycube/v1/router/r1/") return answer(409, R"({"message": "router/r1: r1 exists already"})");
    if (s.target == "/polycube/v1/text/") return answer(500, "boom");
    return answer(503);
  });
  result missing = run_cli(server.url(), {"r9", "show"});
  EXPECT_EQ(missing.status, exit_refused);
  EXPECT_EQ(missing.err, "r9: no such cube\n");
  EXPECT_EQ(missing.out, "");
  result conflict = run_cli(server.url(), {"router", "add", "r1"}, std::nullopt);
  EXPECT_EQ(conflict.status, exit_refused);
  EXPECT_EQ(conflict.err, "router/r1: r1 exists already\n");
  EXPECT_EQ(run_cli(server.url(), {"text", "show"}).err, "boom\n");
  EXPECT_EQ(run_cli(server.url(), {"other", "show"}).err, "polycubed answered HTTP 503\n");
}

TEST(cli_client, shows_the_answer_as_a_table_or_json) {
  test_server server([](const seen&) {
    return answer(200, R"({"name": "hw0", "uuid": "u1", "action": "DROP", "ports": [{"name": "p1", "peer": "veth1"}]})");
  });
  result table = run_cli(server.url(), {"hw0", "show"});
  EXPECT_EQ(table.status, exit_ok);
  EXPECT_EQ(table.out, "name: hw0\nuuid: u1\naction: DROP\n\nports:\n name  peer\n p1    veth1\n");
  EXPECT_EQ(run_cli(server.url(), {"hw0", "show", "-hide=uuid,ports.peer"}).out, "name: hw0\naction: DROP\n\nports:\n name\n p1\n");
  EXPECT_EQ(json::parse(run_cli(server.url(), {"hw0", "show", "-json"}).out),
            json::parse(R"({"name": "hw0", "uuid": "u1", "action": "DROP", "ports": [{"name": "p1", "peer": "veth1"}]})"));
  EXPECT_EQ(run_cli(server.url(), {"hw0", "show", "-yaml"}).out.substr(0, 10), "name: hw0\n");
}

TEST(cli_client, reads_a_chunked_answer) {
  test_server server([](const seen&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "8\r\n{\"name\":\r\n7\r\n \"hw0\"}\r\n0\r\n\r\n");
  });
  EXPECT_EQ(run_cli(server.url(), {"hw0", "show"}).out, "name: hw0\n");
}

TEST(cli_client, deletes_a_cube_by_name_after_finding_its_service) {
  test_server server([](const seen& s) -> std::optional<std::string> {
    if (s.target == "/polycube/v1/cubes/hw0/") return answer(200, R"({"name": "hw0", "service-name": "helloworld"})");
    if (s.target == "/polycube/v1/cubes/nothere/") return answer(404, R"({"message": "no cube nothere"})");
    if (s.method == "DELETE" && s.target == "/polycube/v1/helloworld/hw0/") return answer(204);
    return answer(404, R"({"message": "nothere: no such cube or service"})");
  });
  result r = run_cli(server.url(), {"del", "hw0"});
  EXPECT_EQ(r.status, exit_ok) << r.err;
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[1].method, "DELETE");
  EXPECT_EQ(seen[1].target, "/polycube/v1/helloworld/hw0/");

  // Not a cube: the DELETE goes where the name is, and the daemon says why it fails.
  result missing = run_cli(server.url(), {"del", "nothere"});
  EXPECT_EQ(missing.status, exit_refused);
  EXPECT_EQ(missing.err, "nothere: no such cube or service\n");
  EXPECT_EQ(server.requests().back().target, "/polycube/v1/nothere/");
}

TEST(cli_client, takes_a_yaml_or_json_body_from_stdin) {
  test_server server([](const seen&) { return answer(200); });
  bool read = false;
  result r = run_cli(server.url(), {"helloworld", "add", "hw0"}, "action: FORWARD\nloglevel: DEBUG\n", 5s, &read);
  EXPECT_EQ(r.status, exit_ok) << r.err;
  EXPECT_TRUE(read);
  EXPECT_EQ(body_of(server.requests().at(0)), json::parse(R"({"action": "FORWARD", "loglevel": "DEBUG"})"));

  run_cli(server.url(), {"cubes", "add"}, R"({"helloworld": [{"name": "hw1"}]})");
  EXPECT_EQ(server.requests().at(1).target, "/polycube/v1/cubes/");
  EXPECT_EQ(body_of(server.requests().at(1)), json::parse(R"({"helloworld": [{"name": "hw1"}]})"));

  // key=value given: stdin is not even looked at. Nothing on stdin: an empty object.
  read = false;
  run_cli(server.url(), {"helloworld", "add", "hw2", "action=DROP"}, "action: FORWARD\n", 5s, &read);
  EXPECT_FALSE(read);
  EXPECT_EQ(body_of(server.requests().at(2)), json::parse(R"({"action": "DROP"})"));
  run_cli(server.url(), {"helloworld", "add", "hw3"}, "  \n");
  EXPECT_EQ(body_of(server.requests().at(3)), json::parse("{}"));
}

TEST(cli_client, a_bad_stdin_document_is_refused_before_sending) {
  test_server server([](const seen&) { return answer(200); });
  result r = run_cli(server.url(), {"helloworld", "add", "hw0"}, "action: FORWARD\naction: DROP\n");
  EXPECT_EQ(r.status, exit_bad_input);
  EXPECT_EQ(r.err, "polycubectl: stdin: line 2, column 1: repeated key 'action'\n");
  result set = run_cli(server.url(), {"hw0", "set"});
  EXPECT_EQ(set.status, exit_bad_input);
  EXPECT_EQ(set.err, "polycubectl: set: give key=value arguments, a value, or a document on stdin\n");
  EXPECT_TRUE(server.requests().empty());
}

TEST(cli_client, syntax_errors_exit_3_without_a_request) {
  result r = run_cli("http://127.0.0.1:1/polycube/v1/", {"r1", "ports", "add", "p1", "ip=1", "oops"});
  EXPECT_EQ(r.status, exit_bad_input);
  EXPECT_EQ(r.err, "polycubectl: 'oops' is not valid after 'ip=1': key=value arguments come last\n");
  result url = run_cli("ftp://x/", {"r1", "show"});
  EXPECT_EQ(url.status, exit_bad_input);
  EXPECT_EQ(url.err,
            "polycubectl: POLYCUBECTL_URL: bad URL 'ftp://x/': expected http://host:port/polycube/v1/ or unix:///path/to.sock\n");
}

TEST(cli_client, prints_help_from_the_options_document) {
  test_server server([](const seen& s) -> std::optional<std::string> {
    if (s.method != "OPTIONS" || s.target != "/polycube/v1/r1/ports/?help=ADD") return answer(404, R"({"message": "no"})");
    return answer(200, R"({"kind": "list", "commands": ["add", "del", "show"], "actions": [],
      "keys": [{"name": "name", "kind": "leaf", "type": "string", "description": "Port name", "config": true}],
      "params": [{"name": "peer", "kind": "leaf", "type": "string", "description": "Peer", "config": true}]})");
  });
  result r = run_cli(server.url(), {"r1", "ports", "add", "?"});
  EXPECT_EQ(r.status, exit_ok) << r.err;
  EXPECT_EQ(r.out,
            "Keyword      Type     Description\n"
            " <name>       string   Port name\n"
            "\n"
            "Other parameters:\n"
            " peer=value   string   Peer\n"
            "\n"
            "Example:\n"
            " polycubectl r1 ports add <name>\n");
}

TEST(cli_client, names_the_url_when_the_daemon_is_unreachable) {
  std::string url = fmt::format("http://127.0.0.1:{}/polycube/v1/", closed_port());
  result r = run_cli(url, {"r1", "show"});
  EXPECT_EQ(r.status, exit_unreachable);
  EXPECT_EQ(r.err, "polycubectl: cannot reach polycubed at " + url +
                       ": Connection refused (is polycubed running? POLYCUBECTL_URL selects it)\n");
  EXPECT_EQ(r.out, "");
}

TEST(cli_client, times_out_when_the_daemon_does_not_answer) {
  test_server server([](const seen&) { return std::nullopt; });
  auto start = std::chrono::steady_clock::now();
  result r = run_cli(server.url(), {"r1", "show"}, std::nullopt, 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(r.status, exit_unreachable);
  EXPECT_EQ(r.err, "polycubectl: no answer from polycubed at " + server.url() + " within 0.3 s\n");
}

TEST(cli_client, talks_over_a_unix_socket) {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("pcn-cli-test-{}", ::getpid());
  std::filesystem::create_directories(dir);
  {
    test_server server([](const seen&) { return answer(200, R"({"polycubed": {"version": "9.9"}})"); }, (dir / "sock").string());
    result r = run_cli(server.url(), {"version"});
    EXPECT_EQ(r.status, exit_ok) << r.err;
    EXPECT_EQ(r.out, "polycubectl:\n version: " PCN_VERSION "\npolycubed:\n version: 9.9\n");
    EXPECT_EQ(server.requests().at(0).target, "/polycube/v1/version/");
  }
  std::filesystem::remove_all(dir);
}

TEST(cli_client, falls_back_to_the_next_endpoint_only_when_nothing_listens) {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("pcn-cli-fallback-{}", ::getpid());
  std::filesystem::create_directories(dir);
  {
    test_server server([](const seen&) { return answer(200, "[]"); }, (dir / "sock").string());
    std::string refused = fmt::format("http://127.0.0.1:{}/polycube/v1/", closed_port());
    http_client client({parse_endpoint(refused), parse_endpoint(server.url())}, 2s);
    EXPECT_EQ(client.send("GET", "cubes/").status, 200u);
    EXPECT_EQ(client.current().url, server.url());

    http_client nowhere({parse_endpoint(refused), parse_endpoint("unix://" + (dir / "absent").string())}, 2s);
    try {
      nowhere.send("GET", "cubes/");
      ADD_FAILURE() << "reached";
    } catch (const unreachable_error& e) {
      EXPECT_EQ(std::string(e.what()), "cannot reach polycubed at " + refused + ": Connection refused; nor at unix://" +
                                           (dir / "absent").string() +
                                           ": No such file or directory (is polycubed running? POLYCUBECTL_URL selects it)");
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(cli_client, parses_endpoints) {
  endpoint tcp = parse_endpoint("http://localhost:9000/polycube/v1/");
  EXPECT_EQ(tcp.host, "localhost");
  EXPECT_EQ(tcp.port, "9000");
  EXPECT_EQ(tcp.root, "/polycube/v1/");
  EXPECT_EQ(parse_endpoint("http://10.0.0.1:8080").root, "/polycube/v1/");
  EXPECT_EQ(parse_endpoint("http://10.0.0.1:8080/api/v2").root, "/api/v2/");
  EXPECT_EQ(parse_endpoint("http://host/").port, "80");
  endpoint v6 = parse_endpoint("http://[::1]:9000/polycube/v1/");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, "9000");
  endpoint unix_socket = parse_endpoint("unix:///run/polycube/polycubed.sock");
  EXPECT_TRUE(unix_socket.is_unix());
  EXPECT_EQ(unix_socket.socket_path, "/run/polycube/polycubed.sock");
  EXPECT_EQ(unix_socket.root, "/polycube/v1/");
  EXPECT_THROW(parse_endpoint("https://x/"), std::invalid_argument);
  EXPECT_THROW(parse_endpoint("unix://relative.sock"), std::invalid_argument);
  EXPECT_THROW(parse_endpoint("http://:9000/"), std::invalid_argument);
  EXPECT_THROW(parse_endpoint("http://host:90x0/"), std::invalid_argument);
  // Unset: the default address, then the default socket.
  auto defaults = endpoints_of({});
  ASSERT_EQ(defaults.size(), 2u);
  EXPECT_EQ(defaults[0].url, "http://localhost:9000/polycube/v1/");
  EXPECT_EQ(defaults[1].url, "unix:///run/polycube/polycubed.sock");
}

TEST(cli_client, completes_from_the_options_document_and_the_entries) {
  test_server server([](const seen& s) -> std::optional<std::string> {
    if (s.method == "OPTIONS" && s.target == "/polycube/v1/hw0/ports/?help=DEL&completion")
      return answer(200, R"({"kind": "list", "keys": [{"name": "name"}], "commands": ["add", "del", "show"]})");
    if (s.method == "GET" && s.target == "/polycube/v1/hw0/ports/") return answer(200, R"([{"name": "p1"}, {"name": "p2"}])");
    if (s.method == "GET" && s.target == "/polycube/v1/cubes/") return answer(200, R"({"helloworld": [{"name": "hw0"}]})");
    if (s.method == "GET" && s.target == "/polycube/v1/services/") return answer(200, R"([{"name": "helloworld"}])");
    if (s.method == "GET" && s.target == "/polycube/v1/netdevs/") return answer(200, R"({"veth1": {}})");
    return answer(404, "{}");
  });
  EXPECT_EQ(run_cli(server.url(), {"--complete", "hw0", "ports", "del", ""}).out, "p1\np2\n");
  EXPECT_EQ(run_cli(server.url(), {"--complete", "del", "h"}).out, "hw0\n");
  EXPECT_EQ(run_cli(server.url(), {"--complete", "connect", "br"}).out, "veth1\nhw0:\n");
  EXPECT_EQ(run_cli(server.url(), {"--complete", "add", ""}).out, "helloworld\n");
  std::string root = run_cli(server.url(), {"--complete", ""}).out;
  EXPECT_EQ(root.substr(0, 8), "connect\n");
  EXPECT_TRUE(root.ends_with("helloworld\nhw0\n")) << root;
  // Completion never fails loudly.
  result nothing = run_cli(fmt::format("http://127.0.0.1:{}/polycube/v1/", closed_port()), {"--complete", "r1", ""});
  EXPECT_EQ(nothing.status, exit_ok);
  EXPECT_EQ(nothing.out + nothing.err, "");
}

// The binary itself: main() reads the environment and stdin (a redirected file here).
struct process_result {
  int status;
  std::string out;
  std::string err;
};

process_result run_binary(const std::string& url, std::vector<std::string> args, const std::string& stdin_path) {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("pcn-cli-bin-{}", ::getpid());
  std::filesystem::create_directories(dir);
  std::string out_path = (dir / "out").string(), err_path = (dir / "err").string();
  // posix_spawn, not fork: the test server's thread is running.
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&files, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> argv{const_cast<char*>(POLYCUBECTL_PATH)};
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string url_env = "POLYCUBECTL_URL=" + url;
  char* envp[] = {url_env.data(), nullptr};
  pid_t pid = 0;
  int spawned = ::posix_spawn(&pid, POLYCUBECTL_PATH, &files, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&files);
  if (spawned != 0) return {-1, "", "spawn failed"};
  int status = 0;
  ::waitpid(pid, &status, 0);
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  process_result r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out_path), slurp(err_path)};
  std::filesystem::remove_all(dir);
  return r;
}

TEST(cli_binary, reads_the_environment_and_a_redirected_stdin_and_exits_with_the_status) {
  test_server server([](const seen& s) -> std::optional<std::string> {
    if (s.target == "/polycube/v1/r9/") return answer(404, R"({"message": "r9: no such cube"})");
    return answer(200);
  });
  auto yaml = std::filesystem::temp_directory_path() / fmt::format("pcn-cli-hw0-{}.yaml", ::getpid());
  std::ofstream(yaml) << "action: FORWARD\n";
  process_result add = run_binary(server.url(), {"helloworld", "add", "hw0"}, yaml.string());
  std::filesystem::remove(yaml);
  EXPECT_EQ(add.status, 0) << add.err;
  EXPECT_EQ(body_of(server.requests().at(0)), json::parse(R"({"action": "FORWARD"})"));

  // /dev/null carries no body.
  EXPECT_EQ(run_binary(server.url(), {"helloworld", "add", "hw1"}, "/dev/null").status, 0);
  EXPECT_EQ(body_of(server.requests().at(1)), json::parse("{}"));

  process_result missing = run_binary(server.url(), {"r9", "show"}, "/dev/null");
  EXPECT_EQ(missing.status, 2);
  EXPECT_EQ(missing.err, "r9: no such cube\n");
  process_result syntax = run_binary(server.url(), {"r1", "add", "p1", "a=1", "b"}, "/dev/null");
  EXPECT_EQ(syntax.status, 3);
  EXPECT_EQ(syntax.err, "polycubectl: 'b' is not valid after 'a=1': key=value arguments come last\n");
  process_result unreachable = run_binary(fmt::format("http://127.0.0.1:{}/polycube/v1/", closed_port()), {"r1", "show"}, "/dev/null");
  EXPECT_EQ(unreachable.status, 1);
}

TEST(cli_client, root_help_lists_the_running_cubes) {
  test_server server([](const seen&) { return answer(200, R"({"router": [{"name": "r1"}]})"); });
  result r = run_cli(server.url(), {"?"});
  EXPECT_EQ(r.status, exit_ok);
  EXPECT_TRUE(r.out.ends_with("Running cubes  Service\n r1             router\n")) << r.out;
  // Without a daemon the framework's help still prints.
  result alone = run_cli(fmt::format("http://127.0.0.1:{}/polycube/v1/", closed_port()), {"?"});
  EXPECT_EQ(alone.status, exit_ok);
  EXPECT_EQ(alone.out.find("Running cubes"), std::string::npos);
}

}  // namespace
}  // namespace pcn::cli
