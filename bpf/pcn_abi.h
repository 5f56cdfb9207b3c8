/* The ABI between the fast path and userspace: structs and constants included by the BPF
 * programs and by the C++ data plane alike. Defined once, here. Plain C, fixed-width
 * types, no padding holes. */
#pragma once

#include <linux/types.h>

/* Capacities of the framework maps. */
#define PCN_MAX_CUBES 4096 /* slots of one patch panel (per hook family) */
#define PCN_MAX_PORTS 256  /* ports of one cube */
#define PCN_MAX_UCUBES 16  /* μcubes of one cube besides its master */
#define PCN_MAX_NETDEVS 1024
#define PCN_MAX_QUEUES 64 /* RX queues of one netdev that the slow path serves */
#define PCN_MAX_CPUS 1024  /* CPUs the XDP metadata has room for */

/* Directions a packet travels through a port or a transparent cube. */
enum pcn_direction {
  PCN_INGRESS = 0, /* into the cube (from its port's peer) */
  PCN_EGRESS = 1,  /* out of the cube (towards its port's peer) */
};

/* Metadata that travels with the packet from hop to hop: in a per-CPU map for XDP (see
 * pcn_hook.h; a packet sent to the slow path gets a copy in the XDP metadata area, which
 * AF_XDP delivers in front of the frame) and in skb->cb for TC. Exactly 20 bytes, the size
 * of skb->cb. Every entry from a netdev resets it.
 *
 * Hops keep only what the fast path reads: a hop into a standard cube writes in_port, a
 * hop into a transparent cube writes nothing (its direction is a load-time constant of
 * the program in that slot). cube and direction are filled in when the packet leaves for
 * the slow path (pcn_pkt_controller), so that the slow path always finds them right. */
struct pcn_metadata {
  __u16 cube;      /* slot of the cube that sent the packet to the slow path */
  __u16 in_port;   /* port a standard cube received it on (0 from a transparent cube) */
  __u8 direction;  /* enum pcn_direction: of the transparent cube (PCN_INGRESS otherwise) */
  __u8 reason;     /* slow-path reason, set by pcn_pkt_controller */
  __u16 flags;     /* PCN_MD_* */
  __u32 data[3];   /* cube-defined, carried to the slow path */
};

#define PCN_MD_FROM_SLOWPATH 0x1 /* sent by a slow-path handler (a cube may use it to avoid loops) */
#define PCN_MD_TRACE 0x2         /* traced: every hop reports a struct pcn_trace_event */

/* Where a packet goes next: the compiled form of the topology. A cube's ports hold one in
 * its port table; a transparent cube's successor and a netdev entry's first hop are
 * load-time constants of their programs (so that their tail calls become direct jumps).
 *
 * A transparent cube is loaded once per direction, each instance in a panel slot of its
 * own: the slot a hop targets says which direction the packet travels in. */
enum pcn_hop_kind {
  PCN_HOP_DROP = 0,        /* nothing connected: drop (the zero value, so empty slots drop) */
  PCN_HOP_CUBE = 1,        /* standard cube: tail call into panel slot `target`, in_port = `port` */
  PCN_HOP_NETDEV = 2,      /* transmit on netdev ifindex `target` */
  PCN_HOP_STACK = 3,       /* continue in the kernel: up the stack (ingress) or out (egress) */
  PCN_HOP_TRANSPARENT = 4, /* transparent cube: tail call into panel slot `target`, the
                            * instance for `direction`; no metadata is written */
};

struct pcn_hop {
  __u8 kind;      /* enum pcn_hop_kind */
  __u8 direction; /* PCN_HOP_TRANSPARENT: the direction of slot `target` (informative) */
  __u16 port;     /* port index the next cube sees as in_port */
  __u32 target;   /* panel slot or ifindex */
};

/* What the slow path puts in front of a packet it sends into the datapath through its
 * injection device (an AF_XDP socket transmitting on one end of a veth pair); the
 * injection program on the other end strips it and follows the hop, with fresh metadata
 * flagged PCN_MD_FROM_SLOWPATH. TC targets cross the XDP program in the metadata area. */
#define PCN_INJECT_MAGIC 0x696e6370 /* "pcni" in memory on little-endian hosts */

struct pcn_inject_header {
  __u32 magic;        /* PCN_INJECT_MAGIC: anything else on the device is dropped */
  __u8 family;        /* enum pcn_family of the hop */
  __u8 reserved[3];
  struct pcn_hop hop; /* a cube (through a port, in a direction) or a netdev */
};

/* Per-cube counters of what went to userspace, per CPU. */
struct pcn_cube_stats {
  __u64 slowpath_packets; /* handed to the slow path */
  __u64 slowpath_drops;   /* no slow path listening, or its queue was full */
  __u64 event_drops;      /* notifications and log messages lost (ring buffer full) */
};

/* Per-port counters of one CPU (cube_port_stats: a row of PCN_MAX_PORTS per CPU); userspace
 * sums the rows. */
struct pcn_port_stats {
  __u64 rx_packets;
  __u64 rx_bytes;
  __u64 tx_packets;
  __u64 tx_bytes;
};

/* Framework-wide map names (pinned under /sys/fs/bpf/polycube/). */
#define PCN_MAP_XDP_PANEL "pcn_xdp_panel"
#define PCN_MAP_TC_PANEL "pcn_tc_panel"
#define PCN_MAP_DEVMAP "pcn_devmap"
#define PCN_MAP_EVENTS "pcn_events"
#define PCN_MAP_XSKS "pcn_xsks"
#define PCN_MAP_XSK_BASE "pcn_xsk_base"
#define PCN_MAP_MD ".data.pcn_md"

/* Log levels of the fast path, same order as the daemon's. */
enum pcn_log_level {
  PCN_LOG_TRACE = 0,
  PCN_LOG_DEBUG = 1,
  PCN_LOG_INFO = 2,
  PCN_LOG_WARN = 3,
  PCN_LOG_ERR = 4,
  PCN_LOG_CRITICAL = 5,
  PCN_LOG_OFF = 6,
};

/* Events sent to userspace through the pcn_events ring buffer. */
enum pcn_event_kind {
  PCN_EVENT_LOG = 1,      /* a pcn_log() message */
  PCN_EVENT_NOTIFY = 2,   /* pcn_notify(): a cube-defined event without the packet */
  PCN_EVENT_PACKET = 3,   /* a packet for the slow path (TC cubes; XDP uses AF_XDP) */
  PCN_EVENT_TRACE = 4,    /* one hop of a traced packet */
};

#define PCN_LOG_MAX_ARGS 4
#define PCN_LOG_FORMAT_MAX 96

enum pcn_family {
  PCN_FAMILY_XDP = 0,
  PCN_FAMILY_TC = 1,
};

struct pcn_event_header {
  __u16 kind;     /* enum pcn_event_kind */
  __u8 family;    /* enum pcn_family: slots are numbered per family */
  __u8 direction; /* enum pcn_direction: of a transparent cube (PCN_INGRESS otherwise) */
  __u16 cube;     /* slot (a transparent cube's ingress slot, whatever the direction) */
  __u16 port;     /* ingress port of a standard cube (0 from a transparent cube) */
};

struct pcn_log_event {
  struct pcn_event_header header;
  __u32 level;
  __u32 format_length;
  __u64 args[PCN_LOG_MAX_ARGS];
  char format[PCN_LOG_FORMAT_MAX];
};

struct pcn_notify_event {
  struct pcn_event_header header;
  __u32 reason;
  __u32 data[3];
};

#define PCN_PACKET_EVENT_MAX 2048 /* bytes of packet copied to userspace (TC slow path) */

struct pcn_packet_event {
  struct pcn_event_header header;
  struct pcn_metadata metadata;
  __u32 length;   /* of the packet */
  __u32 captured; /* bytes that follow */
  __u8 data[PCN_PACKET_EVENT_MAX];
};

/* Packet trace. A trace starts where packets enter a netdev or a cube port: the netdev's
 * entry program, or a trace tap at the head of the port's inbound lane (netdev.bpf.c),
 * flags the packets its filter matches (PCN_MD_TRACE) and reports their entry with the
 * trace's id; from then on every verdict helper of pcn_cube.h that sees the flag
 * reports its hop. The records of one packet come from one CPU, in order (a chain of tail
 * calls runs without interruption), between its PCN_TRACE_ENTER and its last hop. With no
 * trace running, programs are loaded without any trace code (load-time constants). */
enum pcn_trace_verdict {
  PCN_TRACE_ENTER = 0,    /* entered the trace's netdev or port; reason: enum pcn_trace_entry;
                           * hop: where it goes first */
  PCN_TRACE_FORWARD = 1,  /* a standard cube sent it out of port `out_port` to the hop */
  PCN_TRACE_PASS = 2,     /* a transparent cube let it go on to the hop */
  PCN_TRACE_DROP = 3,     /* dropped by the cube; reason: enum pcn_drop_reason or cube-defined */
  PCN_TRACE_SLOWPATH = 4, /* to the cube's slow path; reason: the cube's */
  PCN_TRACE_UCUBE = 5,    /* into μcube `out_port` of the same cube */
};

/* Whether a packet entering a traced port was traced already (by a trace it met before). */
enum pcn_trace_entry {
  PCN_TRACE_NEW_PACKET = 0,
  PCN_TRACE_TRACED_ALREADY = 1,
};

enum pcn_drop_reason {
  PCN_DROP_REASON_CUBE = 0,     /* the cube's decision (pcn_pkt_drop) */
  PCN_DROP_REASON_NO_PORT = 1,  /* redirected to a port index the cube does not have */
  PCN_DROP_REASON_USER = 16,    /* from here on: cube-defined (pcn_pkt_drop_reason) */
};

struct pcn_trace_event {
  struct pcn_event_header header; /* cube, direction, in_port of the hop */
  __u64 timestamp;                /* bpf_ktime_get_ns() */
  __u32 cpu;
  __u32 ifindex;  /* the netdev the packet entered the datapath by */
  __u32 length;   /* of the packet at this hop */
  __u8 verdict;   /* enum pcn_trace_verdict */
  __u8 reason;
  __u16 out_port; /* FORWARD: the port; UCUBE: the μcube */
  struct pcn_hop hop; /* ENTER, FORWARD, PASS: where the packet goes next */
  __u32 trace;        /* ENTER: the id of the trace that flagged it */
  __u32 reserved;
};

/* Which packets entering a netdev or port are traced: all fields 0 but `id` match
 * everything; addresses and port in network order; `port` is either L4 port, `host` either
 * address. */
struct pcn_trace_filter {
  __u32 id; /* of the trace, reported at entry; 0: not traced */
  __u8 l4proto;
  __u8 reserved;
  __u16 port;
  __u32 src;
  __u32 dst;
  __u32 host;
};
