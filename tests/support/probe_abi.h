/* The probe cube's record, shared with the tests. */
#pragma once

#include <linux/types.h>

#define PROBE_SLOTS 32 /* probe ids 0..31; egress records at id + PROBE_SLOTS */

struct probe_seen {
  __u32 position; /* md->data[0] when the packet reached this probe */
  __u32 packets;
  __u32 data1;    /* md->data[1], which nothing but the entry sets: 0 after a reset */
  __u16 in_port;
  __u8 reason;
  __u8 flags;
};
