/* The baselines: the least a program of each hook can do to forward a frame from the
 * ingress veth to the egress veth. XDP redirects through a devmap (what the framework
 * uses too), TC with bpf_redirect. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 out_ifindex = 0;

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} out_port SEC(".maps");

SEC("xdp")
int bare_xdp(struct xdp_md* ctx) { return bpf_redirect_map(&out_port, 0, 0); }

SEC("tc")
int bare_tc(struct __sk_buff* skb) { return bpf_redirect(out_ifindex, 0); }

char LICENSE[] SEC("license") = "GPL";
