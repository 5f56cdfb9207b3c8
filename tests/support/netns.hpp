#pragma once
// Throwaway network hosts for tests: namespaces and veth pairs with names unique to this
// run (pid + counter), removed when the objects go out of scope, whatever happened.
// Commands go through iproute2 so that a failing test can be replayed by hand.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace pcn::testing {

// Runs a shell command; throws with its output when it fails.
inline std::string run_command(const std::string& command) {
  std::string full = command + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(full.c_str(), "r"), ::pclose);
  if (!pipe) throw std::runtime_error("cannot run: " + command);
  std::string out;
  char buffer[512];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) out.append(buffer, n);
  int status = ::pclose(pipe.release());
  if (status != 0) throw std::runtime_error("command failed (" + std::to_string(status) + "): " + command + "\n" + out);
  return out;
}

inline bool command_succeeds(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

// A name unique to this process and call: prefix + pid + counter, at most 15 characters.
inline std::string unique_name(const std::string& prefix) {
  static std::atomic<unsigned> counter{0};
  std::string name = prefix + std::to_string(::getpid() % 100000) + "x" + std::to_string(counter++);
  if (name.size() > 15) throw std::logic_error("netdev name too long: " + name);
  return name;
}

class netns {
 public:
  explicit netns(const std::string& prefix = "pcn") : _name(unique_name(prefix)) {
    run_command("ip netns add " + _name);
    run_command("ip netns exec " + _name + " ip link set lo up");
  }
  ~netns() { std::system(("ip netns del " + _name + " >/dev/null 2>&1").c_str()); }
  netns(const netns&) = delete;
  netns& operator=(const netns&) = delete;

  const std::string& name() const { return _name; }
  // Runs a command inside the namespace.
  std::string exec(const std::string& command) const { return run_command("ip netns exec " + _name + " " + command); }
  bool succeeds(const std::string& command) const { return command_succeeds("ip netns exec " + _name + " " + command); }

 private:
  std::string _name;
};

// Moves the calling thread into a namespace for the object's lifetime (setns), and back.
// What the thread does meanwhile — a datapath's netdev lookups and attachments, netlink
// sockets, the commands it runs (children inherit the namespace) — happens there, away
// from the host and from other tests. Mounts are untouched: bpffs stays visible.
class entered_netns {
 public:
  explicit entered_netns(const netns& ns) : _previous(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
    if (_previous < 0) throw std::system_error(errno, std::system_category(), "open the current network namespace");
    int target = ::open(("/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
    int err = target < 0 || ::setns(target, CLONE_NEWNET) != 0 ? errno : 0;
    if (target >= 0) ::close(target);
    if (err) {
      ::close(_previous);
      throw std::system_error(err, std::system_category(), "enter network namespace " + ns.name());
    }
  }
  ~entered_netns() {
    if (::setns(_previous, CLONE_NEWNET) != 0) std::perror("leave the test network namespace");
    ::close(_previous);
  }
  entered_netns(const entered_netns&) = delete;
  entered_netns& operator=(const entered_netns&) = delete;

 private:
  int _previous;
};

// A veth pair: `outside` stays in the caller's namespace, `inside` goes into a host
// namespace with an address. GRO on the inside end lets frames redirected by XDP into the
// outside end through (a veth drops them otherwise).
class veth_host {
 public:
  veth_host(const netns& host, const std::string& address_cidr, const std::string& mac = "")
      : _host(host), _outside(unique_name("pa")), _inside(unique_name("pb")) {
    run_command("ip link add " + _outside + " type veth peer name " + _inside);
    try {
      run_command("ip link set " + _inside + " netns " + host.name());
      if (!mac.empty()) host.exec("ip link set " + _inside + " address " + mac);
      host.exec("ip addr add " + address_cidr + " dev " + _inside);
      host.exec("ip link set " + _inside + " up");
      host.exec("ethtool -K " + _inside + " gro on");
      run_command("ip link set " + _outside + " up");
    } catch (...) {
      remove();
      throw;
    }
  }
  ~veth_host() { remove(); }
  veth_host(const veth_host&) = delete;
  veth_host& operator=(const veth_host&) = delete;

  const std::string& outside() const { return _outside; }
  const std::string& inside() const { return _inside; }
  int outside_ifindex() const { return static_cast<int>(if_nametoindex(_outside.c_str())); }
  void remove() { std::system(("ip link del " + _outside + " >/dev/null 2>&1").c_str()); }

 private:
  const netns& _host;
  std::string _outside, _inside;
};

// Pings from a host; true when `count` echo replies came back within the deadline.
inline bool ping(const netns& from, const std::string& address, int count = 3, int deadline_s = 5) {
  return from.succeeds("ping -q -c " + std::to_string(count) + " -i 0.2 -W 1 -w " + std::to_string(deadline_s) + " " + address);
}

}  // namespace pcn::testing
