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

/* Follows a hop: tail call into the next cube, transmit, or let the kernel continue. The
 * fields come as values so that a hop read from a load-time constant stays a constant for
 * the verifier (which then turns the tail call into a direct jump). */
static __always_inline int pcn_go_to(pcn_ctx* ctx, struct pcn_metadata* md, __u8 kind, __u8 direction, __u16 port,
                                     __u32 target) {
  switch (kind) {
    case PCN_HOP_CUBE:
      md->cube = (__u16)target;
      md->in_port = port;
      md->direction = direction;
      pcn_md_store(ctx, md);
      bpf_tail_call(ctx, &PCN_PANEL, target);
      return PCN_DROP; /* the slot is empty: the cube is being deleted */
    case PCN_HOP_NETDEV:
#ifdef PCN_HOOK_XDP
      return bpf_redirect_map(&pcn_devmap, target, 0);
#else
      return bpf_redirect(target, 0);
#endif
    case PCN_HOP_STACK:
      return PCN_PASS;
    default:
      return PCN_DROP;
  }
}

/* A hop in a map value. */
static __always_inline int pcn_go(pcn_ctx* ctx, struct pcn_metadata* md, const struct pcn_hop* hop) {
  return pcn_go_to(ctx, md, hop->kind, hop->direction, hop->port, hop->target);
}

/* A hop that is a `const volatile` global: each field is read as such, never folded by the
 * compiler into the initializer's value. */
#define PCN_GO_CONSTANT(ctx, md, hop) pcn_go_to(ctx, md, (hop).kind, (hop).direction, (hop).port, (hop).target)
