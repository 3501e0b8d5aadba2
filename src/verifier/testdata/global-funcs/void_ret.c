// Rejected at the call: a global function must return a scalar type, not void.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
__noinline void gvoid(int *p) { if (p) *p = 1; }
SEC("xdp")
int prog(struct xdp_md *ctx) { int x = 0; gvoid(&x); return x & 1; }
char _license[] SEC("license") = "GPL";
