/* Test object for object.test.ts: subprogram linking order (static, global, nested, bpf_loop callback) checked against libbpf after loading. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} counts SEC(".maps");

const volatile __u32 factor = 3;
__u64 total;

static __noinline __u64 leaf(__u64 x) { return x * factor; }
static __noinline __u64 mid(__u64 x) { return leaf(x) + leaf(x + 1); }
__noinline __u64 gfunc(__u64 x) { return x + 7; }

static long cb(__u32 i, void *ctx) { total += i; return 0; }

SEC("xdp") int first(struct xdp_md *ctx)
{
	__u32 k = 1;
	__u64 *v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		*v += mid(ctx->rx_queue_index) + gfunc(1);
	bpf_loop(4, cb, 0, 0);
	return XDP_PASS;
}

SEC("xdp") int second(struct xdp_md *ctx)
{
	return gfunc(leaf(2)) > 100 ? XDP_DROP : XDP_PASS;
}

SEC("socket") int third(struct __sk_buff *skb)
{
	total++;
	return mid(skb->len) & 1;
}

char LICENSE[] SEC("license") = "GPL";
