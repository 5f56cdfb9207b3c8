/* Traffic generator: run with BPF_PROG_TEST_RUN and BPF_F_TEST_XDP_LIVE_FRAMES, it
 * transmits the crafted frame on `out_ifindex` (the near end of the ingress veth) again
 * and again. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 out_ifindex = 0;

SEC("xdp")
int generate(struct xdp_md* ctx) { return bpf_redirect(out_ifindex, 0); }

char LICENSE[] SEC("license") = "GPL";
