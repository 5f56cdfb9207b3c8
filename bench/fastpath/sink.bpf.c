/* The far end: counts what arrives (per CPU) and drops it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} received SEC(".maps");

SEC("xdp")
int count_and_drop(struct xdp_md* ctx) {
  __u32 zero = 0;
  __u64* n = bpf_map_lookup_elem(&received, &zero);
  if (n) *n += 1;
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
