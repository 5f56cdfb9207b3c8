/* The probe cube's record, shared with the tests. */
#pragma once

#include <linux/types.h>

#define PROBE_SLOTS 32 /* probe ids 0..31; egress records at id + PROBE_SLOTS */

/* What a probe tells userspace besides its record (load-time constant probe_report). */
enum probe_report {
  PROBE_QUIET = 0,
  PROBE_LOG_AND_NOTIFY = 1, /* pcn_log "probe <id> at <position>", pcn_notify, then pass */
  PROBE_TO_SLOWPATH = 2,    /* pcn_pkt_controller_md with {id, position, 0} instead of passing */
};
#define PROBE_REASON 7 /* of its notifications and slow-path packets */

struct probe_seen {
  __u32 position; /* md->data[0] when the packet reached this probe */
  __u32 packets;
  __u32 data1;    /* md->data[1], which nothing but the entry sets: 0 after a reset */
  __u16 in_port;
  __u8 reason;
  __u8 flags;
};
