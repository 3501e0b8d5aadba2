// SPDX-License-Identifier: MIT
/*
 * xdp_lpm_filter: drop IPv4 traffic from blocked source prefixes; track sources.
 *
 * Userspace fills `blocklist` with prefixes such as 192.0.2.0/24 (key: prefix length, then
 * the address in network order; value: a rule number). The longest matching prefix of the
 * source address decides: a hit increments the rule's counter in `rule_hits` and drops the
 * frame. Sources that pass are tracked in an LRU hash, which evicts the least recently used
 * sources instead of failing when it is full.
 *
 * Shows: BPF_MAP_TYPE_LPM_TRIE (needs BPF_F_NO_PREALLOC), BPF_MAP_TYPE_LRU_HASH,
 * BPF_MAP_TYPE_PERCPU_ARRAY, longest-prefix-match lookups from XDP.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_RULES 64

struct ipv4_lpm_key {
	__u32 prefixlen;	/* bits of addr that must match, 0..32 */
	__be32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipv4_lpm_key);
	__type(value, __u32);	/* rule number, < MAX_RULES */
} blocklist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_RULES);
	__type(key, __u32);
	__type(value, __u64);
} rule_hits SEC(".maps");

struct source_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __be32);	/* IPv4 source address */
	__type(value, struct source_stats);
} sources SEC(".maps");

SEC("xdp")
int xdp_lpm_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct ipv4_lpm_key key = { .prefixlen = 32 };
	struct source_stats *st, init;
	__u32 *rule;
	__u64 *hits;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	/* A /32 key finds the longest stored prefix that contains the address. */
	key.addr = ip->saddr;
	rule = bpf_map_lookup_elem(&blocklist, &key);
	if (rule) {
		hits = bpf_map_lookup_elem(&rule_hits, rule);
		if (hits)
			*hits += 1;
		return XDP_DROP;
	}

	st = bpf_map_lookup_elem(&sources, &key.addr);
	if (st) {
		__sync_fetch_and_add(&st->packets, 1);
		__sync_fetch_and_add(&st->bytes, data_end - data);
	} else {
		init.packets = 1;
		init.bytes = data_end - data;
		bpf_map_update_elem(&sources, &key.addr, &init, BPF_ANY);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
