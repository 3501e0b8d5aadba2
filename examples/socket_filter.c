// SPDX-License-Identifier: MIT
/*
 * socket_filter: a capture filter for a packet socket (like `tcpdump 'udp port 53 or tcp'`).
 *
 * A socket filter's return value is how many bytes of the packet the socket receives:
 * 0 drops it, skb->len keeps all of it, anything smaller truncates it (a snap length).
 * This one keeps DNS over UDP (port 53, either direction) whole, keeps the first
 * `tcp_snaplen` bytes of TCP packets, and drops everything else; over IPv4 and IPv6.
 *
 * Socket filters may not read packet memory directly; bpf_skb_load_bytes_relative reads
 * relative to the network header, so the filter works whatever the socket type (the network
 * header is where a test-run's data starts, and after the Ethernet header on AF_PACKET).
 *
 * Shows: SEC("socket") / BPF_PROG_TYPE_SOCKET_FILTER, length-as-verdict,
 * bpf_skb_load_bytes_relative, __sk_buff fields (protocol, len), .rodata config.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Bytes of each TCP packet to keep. */
const volatile __u32 tcp_snaplen = 96;

enum { SF_DNS, SF_TCP, SF_DROPPED, SF_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SF_MAX);
	__type(key, __u32);
	__type(value, __u64);
} filter_stats SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&filter_stats, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("socket")
int socket_dns_tcp(struct __sk_buff *skb)
{
	__u32 l4_off;
	__u8 proto;
	__be16 ports[2];

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		__u8 vihl;

		if (bpf_skb_load_bytes_relative(skb, 0, &vihl, 1, BPF_HDR_START_NET) ||
		    bpf_skb_load_bytes_relative(skb, offsetof(struct iphdr, protocol), &proto, 1,
						BPF_HDR_START_NET))
			goto drop;
		l4_off = (vihl & 0x0f) * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes_relative(skb, offsetof(struct ipv6hdr, nexthdr), &proto, 1,
						BPF_HDR_START_NET))
			goto drop;
		l4_off = sizeof(struct ipv6hdr);
	} else {
		goto drop;
	}

	if (proto == IPPROTO_TCP) {
		count(SF_TCP);
		return skb->len < tcp_snaplen ? skb->len : tcp_snaplen;
	}
	if (proto != IPPROTO_UDP)
		goto drop;
	if (bpf_skb_load_bytes_relative(skb, l4_off, ports, sizeof(ports), BPF_HDR_START_NET))
		goto drop;
	if (ports[0] == bpf_htons(53) || ports[1] == bpf_htons(53)) {
		count(SF_DNS);
		return skb->len;
	}
drop:
	count(SF_DROPPED);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
