/* Traffic generator of the slowpath suite: like fastpath/generator.bpf.c, run with
 * BPF_PROG_TEST_RUN and live frames, it transmits its frame on `out_ifindex`, after
 * writing the time (bpf_ktime_get_ns) into the UDP payload for the sink to measure the
 * latency of the path. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench/slowpath/latency_abi.h"

const volatile __u32 out_ifindex = 0;

SEC("xdp")
int generate(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  __u64* stamp = data + LATENCY_STAMP_OFFSET;
  if ((void*)(stamp + 1) > (void*)(long)ctx->data_end) return XDP_ABORTED;
  *stamp = bpf_ktime_get_ns();
  return bpf_redirect(out_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
