/* What differs between the XDP and TC builds of one source: the context type, verdicts,
 * packet bounds and where the metadata lives. Every framework and cube object is compiled
 * once with -DPCN_HOOK_XDP and once with -DPCN_HOOK_TC. */
#pragma once

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "bpf/pcn_abi.h"

#if defined(PCN_HOOK_XDP) == defined(PCN_HOOK_TC)
#error "compile with exactly one of -DPCN_HOOK_XDP and -DPCN_HOOK_TC"
#endif

#ifdef PCN_HOOK_XDP
typedef struct xdp_md pcn_ctx;
#define PCN_SECTION "xdp"
#define PCN_DROP XDP_DROP
#define PCN_PASS XDP_PASS
#define PCN_ABORTED XDP_ABORTED
#define PCN_FAMILY PCN_FAMILY_XDP
#else
typedef struct __sk_buff pcn_ctx;
#define PCN_SECTION "tc"
#define PCN_DROP TC_ACT_SHOT
#define PCN_PASS TC_ACT_OK
#define PCN_ABORTED TC_ACT_SHOT
#define PCN_FAMILY PCN_FAMILY_TC
#endif

static __always_inline void* pcn_data(pcn_ctx* ctx) { return (void*)(long)ctx->data; }
static __always_inline void* pcn_data_end(pcn_ctx* ctx) { return (void*)(long)ctx->data_end; }

static __always_inline __u32 pcn_packet_length(pcn_ctx* ctx) {
#ifdef PCN_HOOK_XDP
  return (__u32)(ctx->data_end - ctx->data);
#else
  return ctx->len;
#endif
}

static __always_inline __u32 pcn_ingress_ifindex(pcn_ctx* ctx) {
#ifdef PCN_HOOK_XDP
  return ctx->ingress_ifindex;
#else
  return ctx->ifindex;
#endif
}

/* Metadata: (XDP) a pointer to the CPU's slot, or (TC) a copy of skb->cb that
 * pcn_md_store() writes back before control leaves the program by a tail call. */
union pcn_md_words {
  struct pcn_metadata md;
  __u32 words[5];
};

#ifdef PCN_HOOK_XDP
/* XDP: the metadata of the packet in the fast path on this CPU. An XDP chain runs to its
 * end (tail calls, then a verdict) without another packet's chain starting on the same CPU
 * in between: native XDP in NAPI, generic XDP and live-frame BPF_PROG_TEST_RUN all run
 * with bottom halves off, and a redirect only queues the frame. (A BPF_PROG_TEST_RUN
 * without live frames does not turn them off: tests that use it run no traffic through
 * the same datapath meanwhile.) The metadata area in front of the frame would do as well,
 * but growing it (bpf_xdp_adjust_meta) costs about 7 ns a packet; only a packet that
 * leaves for the slow path gets one (pcn_pkt_controller).
 *
 * A slot per CPU in a data section every object shares (the datapath pins the first
 * object's, the others reuse it, like the framework maps): its address is a constant, so
 * a hop finds its slot with the CPU number alone (inlined by the verifier), cheaper than a
 * per-CPU map lookup. (The datapath refuses a machine with more possible CPUs than slots:
 * the mask never folds two CPUs onto one slot.)
 *
 * The CPU cannot change during a run, so the number is read through a `const` declaration
 * of the helper where a program starts (PCN_MD_DECLARE): when nothing uses that md (a
 * transparent cube that lets the packet pass), the compiler drops it. The framework's own
 * helpers take the slot afresh where they need it (pcn_md_fresh), inside their branches,
 * and do not keep it alive. */
struct pcn_md_slot {
  struct pcn_metadata md;
} __attribute__((aligned(64))); /* a cache line each: CPUs never write the same one */
_Static_assert((PCN_MAX_CPUS & (PCN_MAX_CPUS - 1)) == 0, "PCN_MAX_CPUS is a power of two");
static struct pcn_md_slot pcn_md_cpus[PCN_MAX_CPUS] SEC(".data.pcn_md");
static __u32 (*const pcn_cpu_of_run)(void) __attribute__((const)) = (void*)BPF_FUNC_get_smp_processor_id;
static __always_inline struct pcn_metadata* pcn_md_slot_of(__u32 cpu) { return &pcn_md_cpus[cpu & (PCN_MAX_CPUS - 1)].md; }
/* The md a framework helper works on: the same slot as the program's, found again here. */
static __always_inline struct pcn_metadata* pcn_md_fresh(pcn_ctx* ctx, struct pcn_metadata* md) {
  return pcn_md_slot_of(bpf_get_smp_processor_id());
}
static __always_inline void pcn_md_store(pcn_ctx* ctx, struct pcn_metadata* md) {}
static __always_inline void pcn_md_store_changes(pcn_ctx* ctx, struct pcn_metadata* md) {}
#define PCN_MD_DECLARE(ctx, md) struct pcn_metadata* md = pcn_md_slot_of(pcn_cpu_of_run());
#else
/* The copy PCN_MD_DECLARE makes, with skb->cb as it was read. */
struct pcn_md_copy {
  union pcn_md_words now; /* first: what `md` points to */
  __u32 was[5];
};
/* skb->cb is a context field: each word must be accessed at its own constant offset from
 * ctx (the verifier refuses an access through a pointer derived from ctx). The stores are
 * volatile so that the compiler never merges stores of equal bytes into a memset, which it
 * would do through such a pointer. */
#define PCN_CB_STORE(ctx, i, value) (*(volatile __u32*)&(ctx)->cb[i] = (value))
static __always_inline void pcn_md_load(pcn_ctx* ctx, struct pcn_md_copy* c) {
  c->now.words[0] = c->was[0] = ctx->cb[0];
  c->now.words[1] = c->was[1] = ctx->cb[1];
  c->now.words[2] = c->was[2] = ctx->cb[2];
  c->now.words[3] = c->was[3] = ctx->cb[3];
  c->now.words[4] = c->was[4] = ctx->cb[4];
}
/* Writes all of md to skb->cb (md may be built by hand, e.g. in a union pcn_md_words). */
static __always_inline void pcn_md_store(pcn_ctx* ctx, struct pcn_metadata* md) {
  union pcn_md_words* m = (union pcn_md_words*)md;
  PCN_CB_STORE(ctx, 0, m->words[0]);
  PCN_CB_STORE(ctx, 1, m->words[1]);
  PCN_CB_STORE(ctx, 2, m->words[2]);
  PCN_CB_STORE(ctx, 3, m->words[3]);
  PCN_CB_STORE(ctx, 4, m->words[4]);
}
/* Writes back only the words the program changed; md must be the one PCN_MD_DECLARE
 * declared. The comparison folds away for a word the program never writes, and the load
 * with it: a program that changes nothing touches no word of skb->cb. */
static __always_inline void pcn_md_store_changes(pcn_ctx* ctx, struct pcn_metadata* md) {
  struct pcn_md_copy* c = (struct pcn_md_copy*)md;
  if (c->now.words[0] != c->was[0]) PCN_CB_STORE(ctx, 0, c->now.words[0]);
  if (c->now.words[1] != c->was[1]) PCN_CB_STORE(ctx, 1, c->now.words[1]);
  if (c->now.words[2] != c->was[2]) PCN_CB_STORE(ctx, 2, c->now.words[2]);
  if (c->now.words[3] != c->was[3]) PCN_CB_STORE(ctx, 3, c->now.words[3]);
  if (c->now.words[4] != c->was[4]) PCN_CB_STORE(ctx, 4, c->now.words[4]);
}
static __always_inline struct pcn_metadata* pcn_md_fresh(pcn_ctx* ctx, struct pcn_metadata* md) { return md; }
#define PCN_MD_DECLARE(ctx, md)       \
  struct pcn_md_copy md##_copy;       \
  pcn_md_load(ctx, &md##_copy);       \
  struct pcn_metadata* md = &md##_copy.now.md;
#endif
