// Rejected: the global function reads out of its argument's bounds; it is called on one path only,
// and verified on its own after the main program.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
__noinline int gread(const int *mem) { if (!mem) return 0; return mem[4]; }
SEC("xdp")
int prog(struct xdp_md *ctx)
{
	int x = 1;
	if (ctx->ingress_ifindex == 7)
		return gread(&x);
	return XDP_PASS;
}
char _license[] SEC("license") = "GPL";
