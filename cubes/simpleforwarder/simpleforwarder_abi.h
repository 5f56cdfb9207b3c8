/* simpleforwarder: what its control plane and fast path share. */
#pragma once

#include <linux/types.h>

enum simpleforwarder_action {
  SIMPLEFORWARDER_DROP = 0, /* also what a port without an entry does */
  SIMPLEFORWARDER_SLOWPATH = 1,
  SIMPLEFORWARDER_FORWARD = 2,
};

/* `actions` map: key = ingress port index. */
struct simpleforwarder_entry {
  __u32 action; /* enum simpleforwarder_action */
  __u32 out_port;
};
