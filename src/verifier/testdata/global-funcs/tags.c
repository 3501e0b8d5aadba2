// Accepted: argument tags. `arg:nonnull` memory needs no NULL check in the function (a NULL
// constant still passes the call-site check, as in the kernel), `arg:ctx` makes a `void *` the context.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#define __arg_nonnull __attribute__((btf_decl_tag("arg:nonnull")))
#define __arg_ctx __attribute__((btf_decl_tag("arg:ctx")))
__noinline int gnn(int *p __arg_nonnull) { return *p; }
__noinline int gvctx(void *ctx __arg_ctx) { return ((struct xdp_md *)ctx)->ingress_ifindex; }
SEC("xdp")
int prog(struct xdp_md *ctx)
{
	int x = 3;
	return (gnn(&x) + gnn(0) + gvctx(ctx)) & 1;
}
char _license[] SEC("license") = "GPL";
