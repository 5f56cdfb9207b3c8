// A trivial XDP program that proves the BPF build: counts packets by protocol in an array
// map and passes them on, or drops them when the load-time constant says so.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u32 drop_all = 0;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} seen SEC(".maps");

SEC("xdp")
int count_pass(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return XDP_ABORTED;
  __u32 slot = eth->h_proto == bpf_htons(ETH_P_IP) ? 0 : 1;
  __u64* counter = bpf_map_lookup_elem(&seen, &slot);
  if (counter) __sync_fetch_and_add(counter, 1);
  return drop_all ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
