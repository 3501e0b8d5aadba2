// SPDX-License-Identifier: MIT
/*
 * tc_classify: mark packets by destination port and count them per mark.
 *
 * A tc (sched_cls) program for a clsact qdisc. Userspace maps destination ports to marks in
 * `port_marks` (e.g. 443 -> 1, 53 -> 2); the program sets skb->mark for matching TCP/UDP
 * packets, so later stages (routing rules, iptables -m mark, another tc filter) can act on
 * it, and counts packets and bytes per mark (0 = unmatched) in a hash map. It also records
 * the classification in skb->priority. The verdict is always TC_ACT_OK: only metadata changes.
 *
 * Shows: SEC("tc") / BPF_PROG_TYPE_SCHED_CLS, direct packet access through __sk_buff,
 * writing skb->mark and skb->priority, BPF_MAP_TYPE_HASH for config and for counters.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);	/* destination port, host order */
	__type(value, __u32);	/* mark */
} port_marks SEC(".maps");

struct mark_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 257);
	__type(key, __u32);	/* mark, 0 for unmatched */
	__type(value, struct mark_stats);
} mark_counts SEC(".maps");

/* Destination port of a TCP/UDP packet over IPv4 or IPv6 (no extension headers), or 0. */
static __always_inline __u16 dest_port(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	void *l4;
	__u8 proto;

	if ((void *)(eth + 1) > data_end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->ihl < 5)
			return 0;
		proto = ip->protocol;
		l4 = (void *)ip + ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return 0;
		proto = ip6->nexthdr;
		l4 = ip6 + 1;
	} else {
		return 0;
	}
	/* The destination port is at offset 2 in both TCP and UDP headers. */
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 0;
	if (l4 + 4 > data_end)
		return 0;
	return bpf_ntohs(((struct udphdr *)l4)->dest);
}

SEC("tc")
int tc_classify(struct __sk_buff *skb)
{
	__u16 port = dest_port(skb);
	__u32 mark = 0, *m;
	struct mark_stats *st, init = { 1, skb->len };

	if (port) {
		m = bpf_map_lookup_elem(&port_marks, &port);
		if (m)
			mark = *m;
	}
	if (mark) {
		skb->mark = mark;
		skb->priority = mark;
	}

	st = bpf_map_lookup_elem(&mark_counts, &mark);
	if (st) {
		__sync_fetch_and_add(&st->packets, 1);
		__sync_fetch_and_add(&st->bytes, skb->len);
	} else {
		bpf_map_update_elem(&mark_counts, &mark, &init, BPF_NOEXIST);
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
