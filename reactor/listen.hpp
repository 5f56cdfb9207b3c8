#pragma once
// Listening sockets for the reactor's acceptors.
#include <cstdint>
#include <string>

#include "base/unique_fd.hpp"

namespace pcn {

// TCP listener on host:port ("localhost", "127.0.0.1", "::1", "0.0.0.0"...). With
// reuse_port several shards can each listen on the same port and the kernel spreads
// connections among them. Throws std::system_error naming the address.
unique_fd listen_tcp(const std::string& host, uint16_t port, bool reuse_port = false);

// Unix-domain stream listener at path with the given file mode; a stale socket file left
// by a previous run is replaced, its parent directory created. Throws std::system_error.
unique_fd listen_unix(const std::string& path, unsigned mode);

// The port a listener is bound to (useful after binding port 0).
uint16_t bound_port(int fd);

}  // namespace pcn
