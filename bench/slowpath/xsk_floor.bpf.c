/* The slowpath suite's floor: every frame arriving on the netdev goes to the AF_XDP socket
 * of its RX queue, with nothing else around it (no entry program, no cube, no metadata).
 * A userspace loop then sends it out of the other netdev: AF_XDP with no framework. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u32);
} sockets SEC(".maps");

SEC("xdp")
int to_socket(struct xdp_md* ctx) { return bpf_redirect_map(&sockets, ctx->rx_queue_index, XDP_DROP); }

char LICENSE[] SEC("license") = "GPL";
