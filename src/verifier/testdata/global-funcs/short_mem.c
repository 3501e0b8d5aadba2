// Rejected at the call: 8 bytes of stack passed for a 32-byte struct (`invalid read from stack`).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct big { __u64 a[4]; };
__noinline int gmem(struct big *p) { return p ? p->a[0] & 1 : 0; }
SEC("xdp")
int prog(struct xdp_md *ctx) { __u64 x = 1; return gmem((struct big *)&x); }
char _license[] SEC("license") = "GPL";
