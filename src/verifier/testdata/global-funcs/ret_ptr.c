// Rejected: the global function returns its context pointer, not a scalar.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
__noinline long gptr(struct xdp_md *ctx) { return (long)ctx; }
SEC("xdp")
int prog(struct xdp_md *ctx) { return gptr(ctx) & 1; }
char _license[] SEC("license") = "GPL";
