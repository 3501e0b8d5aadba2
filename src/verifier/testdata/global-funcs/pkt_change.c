// Rejected: the global function may move the packet (bpf_xdp_adjust_head), so the caller's packet
// pointers are invalid after the call.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
__noinline int gadjust(struct xdp_md *ctx) { return bpf_xdp_adjust_head(ctx, 0); }
SEC("xdp")
int prog(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 1 > end)
		return XDP_DROP;
	gadjust(ctx);
	return *data & 1;
}
char _license[] SEC("license") = "GPL";
