#include "reactor/probe.hpp"

#include <liburing.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>

namespace pcn {
namespace {

struct required_op {
  int opcode;
  const char* name;
};

constexpr required_op required_ops[] = {
    {IORING_OP_ACCEPT, "ACCEPT"},       {IORING_OP_CONNECT, "CONNECT"},   {IORING_OP_RECV, "RECV"},
    {IORING_OP_SEND, "SEND"},           {IORING_OP_READ, "READ"},         {IORING_OP_WRITE, "WRITE"},
    {IORING_OP_POLL_ADD, "POLL_ADD"},   {IORING_OP_LINK_TIMEOUT, "LINK_TIMEOUT"},
    {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"},
};

// Multishot accept has no opcode of its own: arm one on a throwaway listener and see
// whether the kernel takes it (it then stays armed until cancelled) or refuses with EINVAL.
bool probe_multishot_accept(io_uring& ring) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool supported = false;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd, 1) == 0) {
    constexpr uint64_t accept_tag = 0xacce97, cancel_tag = 0xcacce1;
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_multishot_accept(sqe, fd, nullptr, nullptr, 0);
    io_uring_sqe_set_data64(sqe, accept_tag);
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_cancel64(sqe, accept_tag, 0);
    io_uring_sqe_set_data64(sqe, cancel_tag);
    io_uring_submit(&ring);
    for (int seen = 0; seen < 2;) {
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe(&ring, &cqe) < 0) break;
      if (cqe->user_data == accept_tag) supported = cqe->res == -ECANCELED;
      if (cqe->user_data == accept_tag || cqe->user_data == cancel_tag) ++seen;
      io_uring_cqe_seen(&ring, cqe);
    }
  }
  ::close(fd);
  return supported;
}

}  // namespace

io_uring_features io_uring_features::probe(io_uring& ring, unsigned setup_flags) {
  io_uring_features f;
  std::unique_ptr<io_uring_probe, decltype(&io_uring_free_probe)> probe(io_uring_get_probe_ring(&ring),
                                                                       &io_uring_free_probe);
  if (!probe) throw std::runtime_error("io_uring: the kernel cannot describe its operations (IORING_REGISTER_PROBE)");
  std::string absent;
  for (const auto& op : required_ops)
    if (!io_uring_opcode_supported(probe.get(), op.opcode)) absent += std::string(absent.empty() ? "" : ", ") + op.name;
  if (!absent.empty()) throw std::runtime_error("io_uring: the kernel lacks required operations: " + absent);

  f.ext_arg = ring.features & IORING_FEAT_EXT_ARG;
  f.msg_ring = io_uring_opcode_supported(probe.get(), IORING_OP_MSG_RING);
  f.cqe_skip_success = ring.features & IORING_FEAT_CQE_SKIP;
  f.single_issuer = setup_flags & IORING_SETUP_SINGLE_ISSUER;
  f.multishot_accept = probe_multishot_accept(ring);

  if (!f.ext_arg) f.missing.emplace_back("EXT_ARG (timed waits cost a timeout SQE)");
  if (!f.msg_ring) f.missing.emplace_back("MSG_RING (cross-shard wake-ups use an eventfd)");
  if (!f.cqe_skip_success) f.missing.emplace_back("CQE_SKIP_SUCCESS (wake-ups post an extra CQE)");
  if (!f.single_issuer) f.missing.emplace_back("SINGLE_ISSUER (ring set up without it)");
  if (!f.multishot_accept) f.missing.emplace_back("multishot accept (re-armed after every connection)");
  return f;
}

}  // namespace pcn
