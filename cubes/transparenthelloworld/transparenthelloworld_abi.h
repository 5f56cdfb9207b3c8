/* transparenthelloworld: what its control plane and fast path share. */
#pragma once

#include <linux/types.h>

enum transparenthelloworld_action {
  TRANSPARENTHELLOWORLD_PASS = 0,
  TRANSPARENTHELLOWORLD_DROP = 1,
  TRANSPARENTHELLOWORLD_SLOWPATH = 2,
};
/* `config` map: key = direction (PCN_INGRESS, PCN_EGRESS), value = the action (__u32). */
