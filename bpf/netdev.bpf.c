/* Netdev entry and exit of the framework. One instance runs on each netdev that a cube port
 * or a transparent cube uses, loaded with that netdev's first hop as a load-time constant:
 * the verifier then knows the tail-call slot, and the JIT makes it a direct jump (no
 * indirect branch, no retpoline) with no map lookup before it. The ingress program resets
 * the metadata and follows the first hop; the TC egress program does the same for packets
 * leaving the netdev (locally generated, or redirected by a cube). A change of first hop
 * loads a new instance that atomically replaces the attached one.
 *
 * The trace tap is the start of a trace of a cube port: while the trace runs, the port's
 * inbound lane begins with it, in a panel slot of its own, loaded with the lane's real
 * first hop. Cubes carry no code for it. */
#include "bpf/pcn_trace.h"

const volatile struct pcn_hop pcn_first_hop = {};
/* Packets to trace (id set: the program is reloaded when a trace starts or stops).
 * pcn_first_hop: where the packet goes first; for a tap, on into the traced port. */
const volatile struct pcn_trace_filter pcn_trace = {};

static __always_inline int enter(pcn_ctx* ctx, __u8 direction) {
  if (pcn_first_hop.kind == PCN_HOP_STACK) return PCN_PASS;
  PCN_MD_DECLARE(ctx, md)
  __builtin_memset(md, 0, sizeof(*md));
  md->direction = direction;
  if (pcn_trace.id && pcn_trace_match(ctx, &pcn_trace)) {
    md->flags = PCN_MD_TRACE;
    pcn_trace_emit(ctx, 0, direction, 0, PCN_TRACE_ENTER, PCN_TRACE_NEW_PACKET, 0, &pcn_first_hop, pcn_trace.id);
  }
  return PCN_GO_CONSTANT(ctx, md, pcn_first_hop);
}

SEC(PCN_SECTION)
int pcn_netdev_ingress(pcn_ctx* ctx) { return enter(ctx, PCN_INGRESS); }

/* Flags what the trace's filter matches (a packet traced already is told to this trace as
 * well) and goes on, metadata untouched otherwise. */
SEC(PCN_SECTION)
int pcn_trace_tap(pcn_ctx* ctx) {
  PCN_MD_DECLARE(ctx, md)
  int traced = md->flags & PCN_MD_TRACE;
  if (traced || pcn_trace_match(ctx, &pcn_trace)) {
    md->flags |= PCN_MD_TRACE;
    pcn_trace_emit(ctx, 0, PCN_INGRESS, 0, PCN_TRACE_ENTER, traced ? PCN_TRACE_TRACED_ALREADY : PCN_TRACE_NEW_PACKET, 0,
                   &pcn_first_hop, pcn_trace.id);
  }
  return pcn_go_to(ctx, md, &pcn_first_hop, PCN_MD_DECLARED);
}

#ifdef PCN_HOOK_TC
SEC(PCN_SECTION)
int pcn_netdev_egress(pcn_ctx* ctx) { return enter(ctx, PCN_EGRESS); }
#endif

char LICENSE[] SEC("license") = "GPL";
