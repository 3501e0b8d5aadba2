// SPDX-License-Identifier: MIT
/*
 * xdp_flowstats: per-flow statistics, built from small BPF-to-BPF functions.
 *
 * Each IPv4 TCP/UDP packet is reduced to its 5-tuple by parse_flow(), the flow's entry in
 * the `flows` hash is found or created by flow_entry(), and account() updates it: packet and
 * byte counts with atomic adds, the largest and smallest frame with compare-and-swap loops
 * (update_max / update_min), so concurrent CPUs never lose an update. size_class() is a
 * global (non-static) function: the verifier checks it once, on its own, from its BTF
 * signature, instead of once per call site. Global counters live in .bss and .data.
 *
 * Every __noinline function is a real call (BPF-to-BPF: `call pc+N`), each with its own
 * 512-byte stack frame; the static ones may take packet pointers, which the verifier tracks
 * across the call.
 *
 * Shows: BPF-to-BPF calls (static and global subprograms), __sync_val_compare_and_swap and
 * __sync_fetch_and_add on map values (cmpxchg and atomic add), bounded retry loops,
 * BPF_MAP_TYPE_HASH with a struct key, .bss and .data globals.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct flow_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow_stats {
	__u64 packets;
	__u64 bytes;
	__u64 max_len;
	__u64 min_len;
	__u64 size_classes[4];	/* packets per size_class() */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
} flows SEC(".maps");

/* .bss: packets that were not IPv4 TCP/UDP; flows that could not be created. */
__u64 skipped = 0;
__u64 table_full = 0;
/* .data: frames of at least this many bytes are "large" for size_class(). */
__u32 large_frame = 1000;

#define CAS_RETRIES 8

/* Fills `key` from the packet; returns 0, or -1 for anything but IPv4 TCP/UDP. */
static __noinline int parse_flow(void *data, void *data_end, struct flow_key *key)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *l4;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	if (ip->ihl < 5 || (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP))
		return -1;
	l4 = (void *)ip + ip->ihl * 4;
	if ((void *)(l4 + 1) > data_end)
		return -1;
	key->saddr = ip->saddr;
	key->daddr = ip->daddr;
	key->sport = l4->source;	/* same offsets in TCP and UDP */
	key->dport = l4->dest;
	key->proto = ip->protocol;
	return 0;
}

/* 0: tiny (< 128), 1: small, 2: medium, 3: large (>= large_frame). Verified on its own. */
__noinline int size_class(__u32 len)
{
	if (len < 128)
		return 0;
	if (len < 512)
		return 1;
	return len < large_frame ? 2 : 3;
}

/* Raises *slot to val unless another CPU already stored something larger. */
static __noinline void update_max(__u64 *slot, __u64 val)
{
	for (int i = 0; i < CAS_RETRIES; i++) {
		__u64 old = *slot;

		if (val <= old || __sync_val_compare_and_swap(slot, old, val) == old)
			return;
	}
}

/* Lowers *slot to val (0 means unset). */
static __noinline void update_min(__u64 *slot, __u64 val)
{
	for (int i = 0; i < CAS_RETRIES; i++) {
		__u64 old = *slot;

		if ((old && val >= old) || __sync_val_compare_and_swap(slot, old, val) == old)
			return;
	}
}

/* The flow's statistics, created zeroed on first sight; NULL when the table is full. */
static __noinline struct flow_stats *flow_entry(const struct flow_key *key)
{
	struct flow_stats *st = bpf_map_lookup_elem(&flows, key);
	struct flow_stats zero = {};

	if (st)
		return st;
	if (bpf_map_update_elem(&flows, key, &zero, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&flows, key)) {
		__sync_fetch_and_add(&table_full, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&flows, key);
}

static __noinline void account(struct flow_stats *st, __u32 len)
{
	__u32 cls = size_class(len);

	/*
	 * The verifier knows nothing of a global function's result, so the index needs a
	 * bounds check. clang sees that size_class() returns 0..3 and would delete the check;
	 * barrier_var() hides the value from the optimiser.
	 */
	barrier_var(cls);

	__sync_fetch_and_add(&st->packets, 1);
	__sync_fetch_and_add(&st->bytes, len);
	update_max(&st->max_len, len);
	update_min(&st->min_len, len);
	if (cls < 4)
		__sync_fetch_and_add(&st->size_classes[cls], 1);
}

SEC("xdp")
int xdp_flowstats(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct flow_key key = {};
	struct flow_stats *st;

	if (parse_flow(data, data_end, &key)) {
		__sync_fetch_and_add(&skipped, 1);
		return XDP_PASS;
	}
	st = flow_entry(&key);
	if (st)
		account(st, data_end - data);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
