/* The original mechanism's metadata, as the baseline program and pcn-bench share it. */
#pragma once

#include <linux/types.h>

struct original_metadata {
  __u32 port;    /* in: the port the packet came from */
  __u32 length;  /* in: the packet's length (its bytes follow in the perf sample) */
  __u32 ifindex; /* out: the netdev to send it to */
};
