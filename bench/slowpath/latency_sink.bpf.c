/* The far end of the slowpath suite: counts what arrives (per CPU) and files the time
 * since the generator stamped it into a histogram of LATENCY_BUCKET_NS buckets (the last
 * one: everything slower), then drops it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench/slowpath/latency_abi.h"

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} received SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, LATENCY_BUCKETS);
  __type(key, __u32);
  __type(value, __u64);
} latency SEC(".maps");

SEC("xdp")
int count_and_drop(struct xdp_md* ctx) {
  __u32 zero = 0;
  __u64* n = bpf_map_lookup_elem(&received, &zero);
  if (n) *n += 1;
  void* data = (void*)(long)ctx->data;
  __u64* stamp = data + LATENCY_STAMP_OFFSET;
  if ((void*)(stamp + 1) > (void*)(long)ctx->data_end) return XDP_DROP;
  __u64 elapsed = bpf_ktime_get_ns() - *stamp;
  __u32 bucket = elapsed / LATENCY_BUCKET_NS;
  if (bucket >= LATENCY_BUCKETS) bucket = LATENCY_BUCKETS - 1;
  __u64* count = bpf_map_lookup_elem(&latency, &bucket);
  if (count) *count += 1;
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
