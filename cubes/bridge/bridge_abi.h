/* bridge: what its control plane and fast path share besides cubes/l2/l2_abi.h. */
#pragma once

#include <linux/types.h>

#include "cubes/l2/l2_abi.h"

/* Spanning tree port states (forwarding for every port while STP is off). */
enum bridge_port_state {
  BRIDGE_PORT_DISABLED = 0, /* also a port the control plane has not set up */
  BRIDGE_PORT_BLOCKING = 1,
  BRIDGE_PORT_LISTENING = 2,
  BRIDGE_PORT_LEARNING = 3,
  BRIDGE_PORT_FORWARDING = 4,
};

#define BRIDGE_VLAN_WORDS 64 /* 4096 VLAN ids, one bit each */

/* `bridge_ports` map: key = port index. */
struct bridge_port {
  __u16 untagged_vlan; /* untagged frames belong to it, and leave it untagged (access VLAN, native VLAN); 0: none */
  __u8 state;          /* enum bridge_port_state */
  __u8 reserved[5];
  __u64 tagged[BRIDGE_VLAN_WORDS]; /* VLANs carried with their tag (trunk allowed VLANs): bit v */
};

/* `bridge_config` map, key 0. */
struct bridge_config {
  __u32 stp_enabled; /* BPDUs to the slow path (else dropped like other link-local frames) */
  __u32 reserved;
};
