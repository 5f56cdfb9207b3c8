/* The slowpath suite's cube for the injection alternatives: two ports, 0 (in) and 1 (out).
 * A packet from the wire on port 0 goes to the slow path; one the slow path injects into
 * the cube (PCN_MD_FROM_SLOWPATH) leaves through port 1. */
#include "bpf/pcn_cube.h"

static __always_inline int handle(pcn_ctx* ctx, struct pcn_metadata* md) {
  if (md->flags & PCN_MD_FROM_SLOWPATH) return pcn_pkt_redirect(ctx, md, 1);
  return pcn_pkt_controller(ctx, md, 0);
}

PCN_CUBE_MAIN(handle)
PCN_LICENSE
