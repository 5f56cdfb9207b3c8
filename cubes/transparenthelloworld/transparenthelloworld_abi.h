/* transparenthelloworld: what its control plane and fast path share. */
#pragma once

#include <linux/types.h>

enum transparenthelloworld_action {
  TRANSPARENTHELLOWORLD_PASS = 0,
  TRANSPARENTHELLOWORLD_DROP = 1,
  TRANSPARENTHELLOWORLD_SLOWPATH = 2,
};
/* The fast path's load-time constants ingress_action and egress_action hold these. */
