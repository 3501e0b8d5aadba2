// Rejected at the call: a packet pointer passed for the context argument.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
__noinline int gctx(struct xdp_md *ctx) { return ctx->ingress_ifindex & 1; }
SEC("xdp")
int prog(struct xdp_md *ctx) { void *d = (void *)(long)ctx->data; return gctx((struct xdp_md *)d); }
char _license[] SEC("license") = "GPL";
