// SPDX-License-Identifier: MIT
/*
 * xdp_counter: per-protocol packet and byte counters.
 *
 * Every frame is counted under its (ethertype, IP protocol) pair in a shared hash map, whose
 * values are updated with atomic adds because several CPUs may hit the same entry. A per-CPU
 * hash keeps a histogram of frame sizes in power-of-two buckets (no atomics needed), and a
 * global in .bss counts all frames. Every packet passes.
 *
 * Shows: XDP, BPF_MAP_TYPE_HASH with BPF_NOEXIST insertion, BPF_MAP_TYPE_PERCPU_HASH,
 * __sync_fetch_and_add on map values and on a .bss global, a bounded loop (log2).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct proto_key {
	__u16 eth_proto;	/* host order; 0 for frames shorter than an Ethernet header */
	__u8 ip_proto;		/* IPPROTO_* for IPv4/IPv6, 0 otherwise */
	__u8 pad;
};

struct counters {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct proto_key);
	__type(value, struct counters);
} proto_stats SEC(".maps");

/* Key: floor(log2(frame length)), so bucket 6 holds 64..127-byte frames. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} size_hist SEC(".maps");

/* All frames seen, readable from userspace through the .bss map. */
__u64 total_packets = 0;

static __always_inline __u32 log2_u32(__u32 v)
{
	__u32 r = 0;

	/* Bounded loop: at most 31 iterations, the verifier follows each one. */
	for (int i = 0; i < 31; i++) {
		if (v <= 1)
			break;
		v >>= 1;
		r++;
	}
	return r;
}

static __always_inline void count_proto(const struct proto_key *key, __u64 len)
{
	struct counters *c = bpf_map_lookup_elem(&proto_stats, key);

	if (!c) {
		struct counters zero = {};

		/* Another CPU may insert first: NOEXIST keeps its entry, then look up again. */
		bpf_map_update_elem(&proto_stats, key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&proto_stats, key);
		if (!c)
			return;
	}
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, len);
}

static __always_inline void count_size(__u32 len)
{
	__u32 bucket = log2_u32(len);
	__u64 one = 1, *v = bpf_map_lookup_elem(&size_hist, &bucket);

	if (v)
		*v += 1;
	else
		bpf_map_update_elem(&size_hist, &bucket, &one, BPF_NOEXIST);
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct proto_key key = {};
	__u32 len = data_end - data;

	if ((void *)(eth + 1) <= data_end) {
		key.eth_proto = bpf_ntohs(eth->h_proto);
		if (key.eth_proto == ETH_P_IP) {
			struct iphdr *ip = (void *)(eth + 1);

			if ((void *)(ip + 1) <= data_end)
				key.ip_proto = ip->protocol;
		} else if (key.eth_proto == ETH_P_IPV6) {
			struct ipv6hdr *ip6 = (void *)(eth + 1);

			if ((void *)(ip6 + 1) <= data_end)
				key.ip_proto = ip6->nexthdr;
		}
	}
	count_proto(&key, len);
	count_size(len);
	__sync_fetch_and_add(&total_packets, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
