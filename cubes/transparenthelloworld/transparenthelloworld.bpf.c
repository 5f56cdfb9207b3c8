/* transparenthelloworld: a transparent cube that passes or drops packets, with one action
 * per direction. Also the pass-through cube that chains are benchmarked with. */
#include "bpf/pcn_cube.h"
#include "cubes/transparenthelloworld/transparenthelloworld_abi.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u32);
} config SEC(".maps");

static __always_inline int handle(pcn_ctx* ctx, struct pcn_metadata* md) {
  __u32 direction = md->direction;
  __u32* action = bpf_map_lookup_elem(&config, &direction);
  if (action && *action == TRANSPARENTHELLOWORLD_DROP) return pcn_pkt_drop(ctx, md);
  return pcn_pkt_pass(ctx, md);
}

PCN_TRANSPARENT_MAIN(handle)
PCN_LICENSE
