// pcn-test-hooks NETDEV...: what runs on each netdev's hooks (tests/support/hooks.hpp), one
// line per netdev, empty when nothing does. For the system tests, which check the kernel and
// not the daemon's word; bpftool 7.1 (Debian 12) does not show TCX links.
#include <net/if.h>

#include <cstdio>

#include "tests/support/hooks.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s NETDEV...\n", argv[0]);
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    const unsigned ifindex = if_nametoindex(argv[i]);
    if (!ifindex) {
      std::fprintf(stderr, "%s: no netdev %s here\n", argv[0], argv[i]);
      return 2;
    }
    std::printf("%s\n", pcn::testing::hooks_on(static_cast<int>(ifindex)).c_str());
  }
  return 0;
}
