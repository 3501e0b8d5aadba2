// SPDX-License-Identifier: MIT
/*
 * xdp_tailcall: a dispatcher that tail-calls one program per IPv4 protocol.
 *
 * xdp_dispatch parses Ethernet and IPv4, saves the offset of the L4 header in a per-CPU
 * scratch slot, and jumps with bpf_tail_call() into the `handlers` program array at the
 * index of the IP protocol. The array is filled statically at load time (libbpf's
 * `.values = { [IPPROTO_TCP] = &handle_tcp, ... }` initialiser), so no userspace code is
 * needed. A tail call into an empty slot does not jump: execution falls through to the next
 * instruction, where the dispatcher counts the packet as unhandled.
 *
 * Shows: BPF_MAP_TYPE_PROG_ARRAY with a static initialiser, bpf_tail_call, state passed
 * between tail calls through a per-CPU array, several programs in one object.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum { CNT_TCP, CNT_TCP_SYN, CNT_UDP, CNT_ICMP, CNT_UNHANDLED, CNT_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} proto_counts SEC(".maps");

/* What the dispatcher learnt, for the handler it jumps to (same CPU, same packet). */
struct scratch {
	__u32 l4_off;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&proto_counts, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline __u32 l4_offset(void)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);

	/* Masked so the verifier knows the offset is small. */
	return s ? s->l4_off & 0xff : 0;
}

SEC("xdp")
int handle_tcp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcphdr *tcp = data + l4_offset();

	count(CNT_TCP);
	if ((void *)(tcp + 1) <= data_end && tcp->syn && !tcp->ack)
		count(CNT_TCP_SYN);
	return XDP_PASS;
}

SEC("xdp")
int handle_udp(struct xdp_md *ctx)
{
	count(CNT_UDP);
	return XDP_PASS;
}

SEC("xdp")
int handle_icmp(struct xdp_md *ctx)
{
	count(CNT_ICMP);
	return XDP_PASS;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 256);	/* one slot per IP protocol number */
	__uint(key_size, sizeof(__u32));	/* no BTF key type: prog arrays refuse BTF */
	__array(values, int(struct xdp_md *));
} handlers SEC(".maps") = {
	.values = {
		[IPPROTO_ICMP] = (void *)&handle_icmp,
		[IPPROTO_TCP] = (void *)&handle_tcp,
		[IPPROTO_UDP] = (void *)&handle_udp,
	},
};

SEC("xdp")
int xdp_dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct scratch *s;
	__u32 zero = 0;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return XDP_ABORTED;
	s->l4_off = sizeof(*eth) + ip->ihl * 4;

	bpf_tail_call(ctx, &handlers, ip->protocol);
	/* Only reached when the slot is empty. */
	count(CNT_UNHANDLED);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
