#include "bench/process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/log.hpp"
#include "base/unique_fd.hpp"

namespace pcn::bench {
namespace {

volatile sig_atomic_t g_signal = 0;

void on_signal(int signo) { g_signal = signo; }

// In the forked child, before exec: async-signal-safe calls only.
[[noreturn]] void report_and_exit(int report_fd) {
  int err = errno;
  [[maybe_unused]] auto n = ::write(report_fd, &err, sizeof err);
  ::_exit(127);
}

void nap(std::chrono::milliseconds d) {
  timespec ts{.tv_sec = d.count() / 1000, .tv_nsec = (d.count() % 1000) * 1'000'000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

}  // namespace

void catch_interruptions() {
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a sleep returns early and the waits notice
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

void check_interrupted() {
  if (g_signal) throw interrupted();
}

void sleep_interruptibly(std::chrono::milliseconds d) {
  check_interrupted();
  timespec ts{.tv_sec = d.count() / 1000, .tv_nsec = (d.count() % 1000) * 1'000'000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) check_interrupted();
  check_interrupted();
}

child::child(std::vector<std::string> argv, spawn_options options) {
  if (argv.empty()) throw std::invalid_argument("child: empty command");
  _name = std::filesystem::path(argv[0]).filename();
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::string output = options.output.empty() ? "/dev/null" : options.output.string();
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (options.cpu) CPU_SET(*options.cpu, &cpus);
  std::string nice_text = std::to_string(options.nice);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw std::system_error(errno, std::system_category(), "start " + argv[0] + ": pipe");
  unique_fd report_read(report[0]), report_write(report[1]);
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::system_category(), "start " + argv[0] + ": fork");
  if (pid == 0) {
    if (::setsid() < 0) report_and_exit(report[1]);
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
    if (options.cpu && ::sched_setaffinity(0, sizeof cpus, &cpus) != 0) report_and_exit(report[1]);
    if (options.nice != 0) {
      if (::setpriority(PRIO_PROCESS, 0, options.nice) != 0) report_and_exit(report[1]);
      if (int group = ::open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC); group >= 0) {  // absent without autogroups
        [[maybe_unused]] auto n = ::write(group, nice_text.data(), nice_text.size());
        ::close(group);
      }
    }
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in < 0 || out < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) report_and_exit(report[1]);
    ::execv(args[0], args.data());
    report_and_exit(report[1]);
  }
  // The child's setsid() precedes its exec, and the exec precedes our return: the group
  // exists before anyone may signal it.
  _pid = pid;
  report_write.reset();
  int err = 0;
  ssize_t n;
  do n = ::read(report_read.get(), &err, sizeof err);
  while (n < 0 && errno == EINTR);
  if (n == sizeof err) {
    reap(true);
    _pid = -1;
    throw std::system_error(err, std::system_category(), "start " + argv[0]);
  }
  log::debug("bench: started {} (pid {}{})", _name, _pid, options.cpu ? ", CPU " + std::to_string(*options.cpu) : "");
}

bool child::reap(bool block) noexcept {
  if (_status) return true;
  if (_pid < 0) return false;
  // Look without reaping first: while the zombie holds the pid, its process group cannot be
  // recycled, so anything it left in the group can be killed safely.
  siginfo_t info{};
  for (;;) {
    info.si_pid = 0;
    int rc = ::waitid(P_PID, static_cast<id_t>(_pid), &info, WEXITED | WNOWAIT | (block ? 0 : WNOHANG));
    if (rc == 0) break;
    if (errno != EINTR) return false;
  }
  if (info.si_pid != _pid) return false;
  ::kill(-_pid, SIGKILL);
  int status = 0;
  while (::waitpid(_pid, &status, 0) < 0 && errno == EINTR) {
  }
  _status = status;
  return true;
}

bool child::running() { return _pid >= 0 && !reap(false); }

std::optional<int> child::wait_for(std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!reap(false)) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    sleep_interruptibly(std::chrono::milliseconds(10));
  }
  return _status;
}

void child::stop(std::chrono::milliseconds grace) noexcept {
  if (_pid < 0 || _status) return;
  ::kill(-_pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (!reap(false) && std::chrono::steady_clock::now() < deadline) nap(std::chrono::milliseconds(10));
  if (!_status) {
    log::warn("bench: {} (pid {}) ignored SIGTERM for {} ms, killing it", _name, _pid, grace.count());
    ::kill(-_pid, SIGKILL);
    reap(true);
  }
}

bool child::succeeded() const noexcept { return _status && WIFEXITED(*_status) && WEXITSTATUS(*_status) == 0; }

std::string child::describe() const {
  if (!_status) return "running";
  if (WIFEXITED(*_status)) return "exited with status " + std::to_string(WEXITSTATUS(*_status));
  if (WIFSIGNALED(*_status)) return std::string("killed by SIG") + ::sigabbrev_np(WTERMSIG(*_status));
  return "stopped";
}

temp_dir::temp_dir(std::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + std::string(prefix) + "-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::system_error(errno, std::system_category(), "create temporary directory " + pattern);
  _path = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(_path, ec);
  if (ec) log::warn("bench: cannot remove {}: {}", _path.string(), ec.message());
}

namespace {

// User plus nice time of all CPUs, from /proc/stat's first line, in clock ticks.
std::optional<uint64_t> machine_user_ticks() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  uint64_t user = 0, nice = 0;
  if (!(in >> cpu >> user >> nice) || cpu != "cpu") return std::nullopt;
  return user + nice;
}

struct process_ticks {
  uint64_t user = 0, system = 0;
};

// utime and stime of a process (all its threads), fields 14 and 15 of /proc/PID/stat.
std::optional<process_ticks> ticks_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  auto paren = line.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(paren + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt
  process_ticks t;
  if (!(fields >> t.user >> t.system)) return std::nullopt;
  return t;
}

uint64_t to_ticks(const timeval& tv) {
  static const long hz = ::sysconf(_SC_CLK_TCK);
  return static_cast<uint64_t>(tv.tv_sec) * static_cast<uint64_t>(hz) +
         static_cast<uint64_t>(tv.tv_usec) * static_cast<uint64_t>(hz) / 1'000'000;
}

}  // namespace

std::optional<double> cpu_seconds(pid_t pid) {
  auto t = ticks_of(pid);
  if (!t) return std::nullopt;
  return static_cast<double>(t->user + t->system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double reaped_children_cpu_seconds() {
  rusage children{};
  ::getrusage(RUSAGE_CHILDREN, &children);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return seconds(children.ru_utime) + seconds(children.ru_stime);
}

foreign_cpu::foreign_cpu(std::vector<pid_t> ours)
    : _ours(std::move(ours)), _start(sample()), _start_time(std::chrono::steady_clock::now()) {}

std::optional<foreign_cpu::ticks> foreign_cpu::sample() const {
  auto machine = machine_user_ticks();
  if (!machine) return std::nullopt;
  ticks t{.machine = *machine, .ours = 0};
  rusage self{}, children{};
  ::getrusage(RUSAGE_SELF, &self);
  ::getrusage(RUSAGE_CHILDREN, &children);
  t.ours = to_ticks(self.ru_utime) + to_ticks(children.ru_utime);
  for (pid_t p : _ours) {
    auto u = ticks_of(p);
    if (!u) return std::nullopt;
    t.ours += u->user;
  }
  return t;
}

std::optional<double> foreign_cpu::since() const {
  auto now = sample();
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - _start_time;
  if (!_start || !now || elapsed.count() <= 0) return std::nullopt;
  double foreign = static_cast<double>(now->machine - _start->machine) - static_cast<double>(now->ours - _start->ours);
  return std::max(0.0, foreign / static_cast<double>(::sysconf(_SC_CLK_TCK)) / elapsed.count());
}

std::string tail_of(const std::filesystem::path& file, size_t max_bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "";
  std::ostringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace pcn::bench
