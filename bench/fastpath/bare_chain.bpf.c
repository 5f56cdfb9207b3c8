/* The floor of a chain: k XDP programs that do nothing but tail-call the next one through a
 * constant slot (a direct jump once JIT-ed), the last redirecting like bare_redirect. Each
 * instance is loaded with its own next_slot; all share the program array and the devmap. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define BARE_CHAIN_LAST 0xffffffffu

const volatile __u32 next_slot = BARE_CHAIN_LAST;

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u32);
} chain SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} chain_out SEC(".maps");

SEC("xdp")
int chain_hop(struct xdp_md* ctx) {
  if (next_slot == BARE_CHAIN_LAST) return bpf_redirect_map(&chain_out, 0, 0);
  bpf_tail_call(ctx, &chain, next_slot);
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
