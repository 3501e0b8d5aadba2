// Rejected at the call: a pointer passed where the prototype has an integer (`R1 is not a scalar`).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
__noinline int gscalar(__u64 x) { return x & 1; }
SEC("xdp")
int prog(struct xdp_md *ctx) { return gscalar((__u64)ctx); }
char _license[] SEC("license") = "GPL";
