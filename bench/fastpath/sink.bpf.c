/* The far end: counts what arrives (per CPU) and drops it. With `latency` (the slowpath
 * suite) it also files the time since the generator stamped the frame into a histogram of
 * LATENCY_BUCKET_NS buckets, the last one holding everything slower; without, the
 * verifier removes that. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench/fastpath/latency_abi.h"

const volatile __u8 latency = 0;

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
} latency_histogram SEC(".maps");

SEC("xdp")
int count_and_drop(struct xdp_md* ctx) {
  __u32 zero = 0;
  __u64* n = bpf_map_lookup_elem(&received, &zero);
  if (n) *n += 1;
  if (latency) {
    __u64* at = (void*)(long)ctx->data + LATENCY_STAMP_OFFSET;
    if ((void*)(at + 1) > (void*)(long)ctx->data_end) return XDP_DROP;
    __u64 bucket = (bpf_ktime_get_ns() - *at) / LATENCY_BUCKET_NS;
    __u32 key = bucket < LATENCY_BUCKETS ? (__u32)bucket : LATENCY_BUCKETS - 1;
    __u64* count = bpf_map_lookup_elem(&latency_histogram, &key);
    if (count) *count += 1;
  }
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
