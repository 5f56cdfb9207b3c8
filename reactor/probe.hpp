#pragma once
// What the kernel's io_uring can do, probed once per ring at start-up. The reactor adapts
// where it can (eventfd instead of MSG_RING, re-armed instead of multishot accept) and
// says what it is missing.
#include <string>
#include <vector>

struct io_uring;

namespace pcn {

struct io_uring_features {
  bool ext_arg = false;            // wait with a timeout without an SQE
  bool msg_ring = false;           // cross-ring wake-ups
  bool multishot_accept = false;   // one SQE, many accepted sockets
  bool cqe_skip_success = false;   // no CQE for fire-and-forget SQEs
  bool single_issuer = false;
  std::vector<std::string> missing;  // what is lacking, in words, for the start-up log

  // Fills from a live ring; `missing` names every absent required or optional feature.
  static io_uring_features probe(io_uring& ring, unsigned setup_flags);
};

}  // namespace pcn
