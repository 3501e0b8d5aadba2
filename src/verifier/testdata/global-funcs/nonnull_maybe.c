// Rejected at the call: a map value that may be NULL passed for an `arg:nonnull` pointer.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#define __arg_nonnull __attribute__((btf_decl_tag("arg:nonnull")))
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } vals SEC(".maps");
__noinline int gnn(__u64 *p __arg_nonnull) { return *p & 1; }
SEC("xdp")
int prog(struct xdp_md *ctx)
{
	__u32 k = 0;
	return gnn(bpf_map_lookup_elem(&vals, &k));
}
char _license[] SEC("license") = "GPL";
