// SPDX-License-Identifier: MIT
/*
 * xdp_parse: a bounds-checked header parser.
 *
 * Walks Ethernet, up to two 802.1Q/802.1ad VLAN tags, IPv4 (with options) or IPv6, then
 * TCP or UDP, checking every header against data_end before reading it, as the verifier
 * demands. Each packet is classified into one of the PARSE_* outcomes below and counted in a
 * per-CPU array. Packets to a TCP/UDP port set in the read-only config `blocked_port` are
 * dropped; everything else passes.
 *
 * Shows: XDP, direct packet access with bounds checks, a bounded loop (VLAN tags),
 * BPF_MAP_TYPE_PERCPU_ARRAY, `const volatile` configuration in .rodata.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/*
 * Outcome of parsing one packet: the index into the `parse_stats` array. Each address family
 * lists TCP, UDP, OTHER in this order, so classify() adds 0, 1 or 2 to the family's first.
 */
enum parse_result {
	PARSE_TRUNCATED,	/* a header ran past data_end */
	PARSE_NON_IP,		/* ARP and other ethertypes */
	PARSE_IPV4_TCP,
	PARSE_IPV4_UDP,
	PARSE_IPV4_OTHER,
	PARSE_IPV6_TCP,
	PARSE_IPV6_UDP,
	PARSE_IPV6_OTHER,
	PARSE_BLOCKED,		/* dropped because of blocked_port */
	PARSE_MAX,
};

struct vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
};

/* Destination port to drop (TCP or UDP); 0 disables. Set before load (skeleton rodata). */
const volatile __u16 blocked_port = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PARSE_MAX);
	__type(key, __u32);
	__type(value, __u64);
} parse_stats SEC(".maps");

/* Packet cursor: the next header to parse. */
struct cursor {
	void *pos;
	void *end;
};

/* Returns the innermost ethertype (host order) or -1 when truncated. */
static __always_inline int parse_eth(struct cursor *c)
{
	struct ethhdr *eth = c->pos;
	__u16 proto;

	if ((void *)(eth + 1) > c->end)
		return -1;
	c->pos = eth + 1;
	proto = bpf_ntohs(eth->h_proto);

	/* At most two stacked tags (QinQ): a constant bound the verifier can see. */
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *vlan = c->pos;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if ((void *)(vlan + 1) > c->end)
			return -1;
		c->pos = vlan + 1;
		proto = bpf_ntohs(vlan->encapsulated_proto);
	}
	return proto;
}

/* Returns the L4 protocol of an IPv4 header, skipping its options, or -1. */
static __always_inline int parse_ipv4(struct cursor *c)
{
	struct iphdr *ip = c->pos;
	__u32 hlen;

	if ((void *)(ip + 1) > c->end)
		return -1;
	hlen = ip->ihl * 4;
	if (hlen < sizeof(*ip))
		return -1;
	if (c->pos + hlen > c->end)
		return -1;
	c->pos += hlen;
	return ip->protocol;
}

/* Returns the next header of an IPv6 header (extension headers are not followed), or -1. */
static __always_inline int parse_ipv6(struct cursor *c)
{
	struct ipv6hdr *ip6 = c->pos;

	if ((void *)(ip6 + 1) > c->end)
		return -1;
	c->pos = ip6 + 1;
	return ip6->nexthdr;
}

/* Returns the destination port (host order) of a TCP or UDP header, or -1. */
static __always_inline int parse_l4_dport(struct cursor *c, int proto)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = c->pos;

		if ((void *)(tcp + 1) > c->end)
			return -1;
		return bpf_ntohs(tcp->dest);
	}
	struct udphdr *udp = c->pos;

	if ((void *)(udp + 1) > c->end)
		return -1;
	return bpf_ntohs(udp->dest);
}

static __always_inline enum parse_result classify(struct cursor *c)
{
	int eth_proto, proto, dport;
	enum parse_result base;

	eth_proto = parse_eth(c);
	if (eth_proto < 0)
		return PARSE_TRUNCATED;
	if (eth_proto == ETH_P_IP) {
		proto = parse_ipv4(c);
		base = PARSE_IPV4_TCP;
	} else if (eth_proto == ETH_P_IPV6) {
		proto = parse_ipv6(c);
		base = PARSE_IPV6_TCP;
	} else {
		return PARSE_NON_IP;
	}
	if (proto < 0)
		return PARSE_TRUNCATED;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return base + 2; /* PARSE_IPV*_OTHER */

	dport = parse_l4_dport(c, proto);
	if (dport < 0)
		return PARSE_TRUNCATED;
	if (blocked_port && dport == blocked_port)
		return PARSE_BLOCKED;
	return proto == IPPROTO_TCP ? base : base + 1;
}

SEC("xdp")
int xdp_parse(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	__u32 key = classify(&c);
	__u64 *count = bpf_map_lookup_elem(&parse_stats, &key);

	if (count)
		*count += 1; /* per-CPU slot: no atomic needed */
	return key == PARSE_BLOCKED ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
