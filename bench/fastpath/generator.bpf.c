/* Traffic generator: run with BPF_PROG_TEST_RUN and BPF_F_TEST_XDP_LIVE_FRAMES, it
 * transmits the crafted frame on `out_ifindex` (the near end of the ingress veth) again
 * and again. With `stamp` (the slowpath suite) it first writes the time into the frame
 * for the sink to measure the latency of the path; without, the verifier removes that.
 * With `restore` it first writes the whole frame again from `frame_template`: live frames
 * are initialised once per page, and a page comes back from the sink as the path left it
 * (a router rewrote its MACs and TTL). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench/fastpath/latency_abi.h"

const volatile __u32 out_ifindex = 0;
const volatile __u8 stamp = 0;
const volatile __u8 restore = 0;
const volatile __u64 frame_template[GENERATOR_FRAME_SIZE / 8] = {};

SEC("xdp")
int generate(struct xdp_md* ctx) {
  if (restore) {
    __u64* frame = (void*)(long)ctx->data;
    if ((void*)(frame + GENERATOR_FRAME_SIZE / 8) > (void*)(long)ctx->data_end) return XDP_ABORTED;
#pragma unroll
    for (int i = 0; i < GENERATOR_FRAME_SIZE / 8; i++) frame[i] = frame_template[i];
  }
  if (stamp) {
    __u64* at = (void*)(long)ctx->data + LATENCY_STAMP_OFFSET;
    if ((void*)(at + 1) > (void*)(long)ctx->data_end) return XDP_ABORTED;
    *at = bpf_ktime_get_ns();
  }
  return bpf_redirect(out_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
