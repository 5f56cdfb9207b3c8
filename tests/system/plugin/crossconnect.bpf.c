/* crossconnect (a test plugin): whatever enters port 0 leaves by port 1, and back. */
#include "bpf/pcn_cube.h"

static __always_inline int handle_rx(pcn_ctx* ctx, struct pcn_metadata* md) {
  return pcn_pkt_redirect(ctx, md, md->in_port ^ 1);
}

PCN_CUBE_MAIN(handle_rx)
PCN_LICENSE
