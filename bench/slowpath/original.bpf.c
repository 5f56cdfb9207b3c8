/* The baseline of the slowpath suite: the original Polycube's slow path mechanism, built
 * here for comparison. In: the fast path copies the packet and its metadata into a perf
 * buffer (bpf_perf_event_output), which one userspace thread polls. Out: userspace puts
 * the metadata in a map and writes the frame to a TAP device, whose ingress program takes
 * the metadata back and redirects the packet where it says. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "bench/slowpath/original_abi.h"

const volatile __u32 in_port = 0;

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} packets_in SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_QUEUE);
  __uint(max_entries, 4096);
  __uint(value_size, sizeof(struct original_metadata));
} packets_out SEC(".maps");

SEC("xdp")
int to_userspace_xdp(struct xdp_md* ctx) {
  __u64 length = (__u64)(ctx->data_end - ctx->data);
  struct original_metadata md = {.port = in_port, .length = (__u32)length, .ifindex = 0};
  bpf_perf_event_output(ctx, &packets_in, BPF_F_CURRENT_CPU | (length << 32), &md, sizeof md);
  return XDP_DROP;
}

SEC("tc")
int to_userspace_tc(struct __sk_buff* ctx) {
  __u64 length = ctx->len;
  struct original_metadata md = {.port = in_port, .length = (__u32)length, .ifindex = 0};
  bpf_perf_event_output(ctx, &packets_in, BPF_F_CURRENT_CPU | (length << 32), &md, sizeof md);
  return TC_ACT_SHOT;
}

/* On the TAP device's TC ingress. */
SEC("tc")
int from_userspace(struct __sk_buff* ctx) {
  struct original_metadata md;
  if (bpf_map_pop_elem(&packets_out, &md)) return TC_ACT_SHOT;
  return bpf_redirect(md.ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
