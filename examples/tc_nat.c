// SPDX-License-Identifier: MIT
/*
 * tc_nat: rewrite IPv4 destination address and port (a minimal DNAT) with checksum helpers.
 *
 * For each TCP/UDP packet whose (destination address, destination port, protocol) is a key
 * of `nat_rules`, the destination is rewritten to the rule's target. Nothing is written
 * through packet pointers: the bytes are stored with bpf_skb_store_bytes, and the checksums
 * are fixed incrementally by the kernel helpers:
 *   - bpf_l3_csum_replace for the IPv4 header checksum (address change);
 *   - bpf_l4_csum_replace with BPF_F_PSEUDO_HDR for the TCP/UDP checksum, which covers the
 *     address through the pseudo-header, and without it for the port;
 *   - BPF_F_MARK_MANGLED_0 for UDP, where a zero checksum means "none" and must stay so.
 * Helpers that change the packet invalidate packet pointers, so offsets are computed first.
 *
 * Shows: bpf_skb_store_bytes, bpf_l3_csum_replace, bpf_l4_csum_replace and their flags,
 * BPF_MAP_TYPE_HASH with a struct key, a .bss counter.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct nat_key {
	__be32 daddr;
	__be16 dport;
	__u8 proto;	/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

struct nat_target {
	__be32 daddr;
	__be16 dport;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct nat_key);
	__type(value, struct nat_target);
} nat_rules SEC(".maps");

/* Packets rewritten so far. */
__u64 rewritten = 0;

#define IP_OFF		ETH_HLEN
#define IP_DADDR_OFF	(IP_OFF + offsetof(struct iphdr, daddr))
#define IP_CSUM_OFF	(IP_OFF + offsetof(struct iphdr, check))

SEC("tc")
int tc_nat(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct nat_key key = {};
	struct nat_target *to;
	__u32 l4_off, csum_off, port_off;
	__u64 l4_flags;
	struct udphdr *l4;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (ip->ihl < 5 || (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP))
		return TC_ACT_OK;
	l4_off = IP_OFF + ip->ihl * 4;
	l4 = data + l4_off;	/* ports are at the same offsets in TCP and UDP */
	if ((void *)l4 + sizeof(struct udphdr) > data_end)
		return TC_ACT_OK;

	key.daddr = ip->daddr;
	key.dport = l4->dest;
	key.proto = ip->protocol;
	to = bpf_map_lookup_elem(&nat_rules, &key);
	if (!to)
		return TC_ACT_OK;

	if (key.proto == IPPROTO_TCP) {
		csum_off = l4_off + offsetof(struct tcphdr, check);
		l4_flags = 0;
	} else {
		csum_off = l4_off + offsetof(struct udphdr, check);
		l4_flags = BPF_F_MARK_MANGLED_0;
	}
	port_off = l4_off + offsetof(struct udphdr, dest);

	/* Address: L4 checksum through the pseudo-header, then the IPv4 header checksum. */
	bpf_l4_csum_replace(skb, csum_off, key.daddr, to->daddr,
			    l4_flags | BPF_F_PSEUDO_HDR | sizeof(to->daddr));
	bpf_l3_csum_replace(skb, IP_CSUM_OFF, key.daddr, to->daddr, sizeof(to->daddr));
	bpf_skb_store_bytes(skb, IP_DADDR_OFF, &to->daddr, sizeof(to->daddr), 0);

	/* Port: only the L4 checksum covers it. */
	bpf_l4_csum_replace(skb, csum_off, key.dport, to->dport, l4_flags | sizeof(to->dport));
	bpf_skb_store_bytes(skb, port_off, &to->dport, sizeof(to->dport), 0);

	__sync_fetch_and_add(&rewritten, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
