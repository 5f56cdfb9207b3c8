/* The framework's maps, declared identically in every object (framework programs and
 * cubes) so that userspace pins them once under /sys/fs/bpf/polycube/ and every object
 * reuses them. */
#pragma once

#include "bpf/pcn_hook.h"

/* The patch panel: the master μcube of every cube, by slot. */
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, PCN_MAX_CUBES);
  __type(key, __u32);
  __type(value, __u32);
#ifdef PCN_HOOK_XDP
} pcn_xdp_panel SEC(".maps");
#define PCN_PANEL pcn_xdp_panel
#else
} pcn_tc_panel SEC(".maps");
#define PCN_PANEL pcn_tc_panel
#endif

#ifdef PCN_HOOK_XDP
/* XDP egress to a netdev: redirect through this devmap, keyed by ifindex. */
struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
  __uint(max_entries, PCN_MAX_NETDEVS);
  __type(key, __u32);
  __type(value, struct bpf_devmap_val);
} pcn_devmap SEC(".maps");
#endif

#ifdef PCN_HOOK_XDP
/* XDP slow path: AF_XDP sockets, at pcn_xsk_base[ingress ifindex] + RX queue. */
struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, PCN_MAX_NETDEVS * PCN_MAX_QUEUES);
  __type(key, __u32);
  __type(value, __u32);
} pcn_xsks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PCN_MAX_NETDEVS);
  __type(key, __u32);
  __type(value, __u32);
} pcn_xsk_base SEC(".maps");
#endif

/* Logs, notifications and TC slow-path packets to userspace. */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 22);
} pcn_events SEC(".maps");

/* Where the md a hop is given comes from, which says how to keep it across a tail call. */
enum pcn_md_origin {
  PCN_MD_BUILT = 0,    /* built by the program (netdev entry, injection): TC writes all of it */
  PCN_MD_DECLARED = 1, /* PCN_MD_DECLARE's: TC writes back only the words the program changed */
};

static __always_inline void pcn_md_keep(pcn_ctx* ctx, struct pcn_metadata* md, int origin) {
  if (origin == PCN_MD_BUILT) pcn_md_store(ctx, md);
  else pcn_md_store_changes(ctx, md);
}

/* Follows a hop: tail call into the next cube, transmit, or let the kernel continue. Each
 * field is read where it is needed, straight from where the hop is: read from a load-time
 * constant (a `const volatile` global) it is a constant for the verifier, which then turns
 * the tail call into a direct jump and drops the other cases. Only a standard cube reads
 * metadata a hop sets (in_port); a transparent cube's direction is its slot, so a hop into
 * one writes nothing. */
static __always_inline int pcn_go_to(pcn_ctx* ctx, struct pcn_metadata* md, const volatile struct pcn_hop* hop, int origin) {
  switch (hop->kind) {
    case PCN_HOP_CUBE:
      md = pcn_md_fresh(ctx, md);
      md->in_port = hop->port;
      pcn_md_keep(ctx, md, origin);
      bpf_tail_call(ctx, &PCN_PANEL, hop->target);
      return PCN_DROP; /* the slot is empty: the cube is being deleted */
    case PCN_HOP_TRANSPARENT:
      pcn_md_keep(ctx, md, origin);
      bpf_tail_call(ctx, &PCN_PANEL, hop->target);
      return PCN_DROP;
    case PCN_HOP_NETDEV:
#ifdef PCN_HOOK_XDP
      return bpf_redirect_map(&pcn_devmap, hop->target, 0);
#else
      return bpf_redirect(hop->target, 0);
#endif
    case PCN_HOP_STACK:
      return PCN_PASS;
    default:
      return PCN_DROP;
  }
}

/* A hop in a map value (or built by hand), with metadata the program built. */
static __always_inline int pcn_go(pcn_ctx* ctx, struct pcn_metadata* md, const struct pcn_hop* hop) {
  return pcn_go_to(ctx, md, hop, PCN_MD_BUILT);
}

/* A hop that is a `const volatile` global, with metadata the program built. */
#define PCN_GO_CONSTANT(ctx, md, hop) pcn_go_to(ctx, md, &(hop), PCN_MD_BUILT)
