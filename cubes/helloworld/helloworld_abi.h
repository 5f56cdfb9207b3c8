/* helloworld: what its control plane and fast path share. */
#pragma once

#include <linux/types.h>

enum helloworld_action {
  HELLOWORLD_DROP = 0,
  HELLOWORLD_SLOWPATH = 1,
  HELLOWORLD_FORWARD = 2,
};

#define HELLOWORLD_NO_PORT 0xffff

/* The single entry of the `config` map. */
struct helloworld_config {
  __u32 action;    /* enum helloworld_action */
  __u16 ports[2];  /* the cube's (at most) two ports, HELLOWORLD_NO_PORT when absent */
};
