/* transparenthelloworld: a transparent cube that passes or drops packets, with one action
 * per direction. Also the pass-through cube that chains are benchmarked with.
 *
 * The actions are load-time constants (a change reloads the cube, atomically), and so is
 * the direction (the framework loads a transparent cube once per direction): the verifier
 * keeps only the branch that applies, so a pass-through cube costs its tail call and
 * little more. */
#include "bpf/pcn_cube.h"
#include "cubes/transparenthelloworld/transparenthelloworld_abi.h"

const volatile __u32 ingress_action = TRANSPARENTHELLOWORLD_PASS;
const volatile __u32 egress_action = TRANSPARENTHELLOWORLD_PASS;

static __always_inline int handle(pcn_ctx* ctx, struct pcn_metadata* md) {
  /* Two branches, not a selected value: the verifier drops the other direction's. */
  if (pcn_direction == PCN_EGRESS) {
    if (egress_action == TRANSPARENTHELLOWORLD_DROP) return pcn_pkt_drop(ctx, md);
  } else if (ingress_action == TRANSPARENTHELLOWORLD_DROP) {
    return pcn_pkt_drop(ctx, md);
  }
  return pcn_pkt_pass(ctx, md);
}

PCN_TRANSPARENT_MAIN(handle)
PCN_LICENSE
