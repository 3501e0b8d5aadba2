// Accepted: a scalar argument, the context, a nullable pointer checked before use, a static
// function calling a global one, a global calling another global, and a global function with a
// bug that no path calls (never verified).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct pair { __u64 a, b; };

__noinline int gscalar(__u32 x) { return x < 10 ? x * 2 : 1; }
__noinline int gctx(struct xdp_md *ctx) { return ctx->data_end - ctx->data; }
__noinline int gmem(struct pair *p) { if (!p) return 0; return p->a + p->b; }
__noinline int gchain(__u32 x) { return gscalar(x) + 1; }
__noinline int gunused(struct pair *p) { return p->a; }
static __noinline int sfn(int v) { return v + gscalar(v); }

SEC("xdp")
int prog(struct xdp_md *ctx)
{
	struct pair p = { .a = ctx->ingress_ifindex, .b = 2 };
	int r = gscalar(ctx->ingress_ifindex) + gctx(ctx) + gmem(&p) + gmem(0) + sfn(ctx->rx_queue_index) + gchain(3);
	return r & 1 ? XDP_PASS : XDP_DROP;
}
char _license[] SEC("license") = "GPL";
