// Rejected: the global function dereferences its pointer argument without a NULL check, although
// its only caller passes a valid pointer (`R1 invalid mem access 'mem_or_null'`).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct pair { __u64 a, b; };
__noinline int gmem(struct pair *p) { return p->a + p->b; }
SEC("xdp")
int prog(struct xdp_md *ctx)
{
	struct pair p;
	p.a = ctx->ingress_ifindex;
	p.b = ctx->rx_queue_index;
	return gmem(&p) & 1;
}
char _license[] SEC("license") = "GPL";
