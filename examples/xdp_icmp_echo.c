// SPDX-License-Identifier: MIT
/*
 * xdp_icmp_echo: answers IPv4 ICMP echo requests from XDP.
 *
 * The request is turned into the reply in place: Ethernet source and destination are
 * swapped, so are the IPv4 addresses, the ICMP type becomes ECHOREPLY and the ICMP checksum
 * is patched incrementally (RFC 1624) instead of being recomputed. The frame goes back out
 * of the interface it came in on (XDP_TX). Everything else passes untouched.
 *
 * Shows: XDP_TX, rewriting packet bytes, incremental checksum update, BPF_MAP_TYPE_ARRAY.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/icmp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum { STAT_REPLIED, STAT_PASSED, STAT_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} echo_stats SEC(".maps");

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word m changed to m'. */
static __always_inline __u16 csum_replace16(__u16 check, __u16 old, __u16 new)
{
	__u32 sum = (__u16)~check + (__u16)~old + new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static __always_inline void swap_mac(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

static __always_inline void count(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&echo_stats, &stat);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int xdp_icmp_echo(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct icmphdr *icmp;
	__u16 old_word, new_word;
	__be32 addr;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		goto pass;
	if (ip->protocol != IPPROTO_ICMP || ip->ihl < 5)
		goto pass;
	icmp = (void *)ip + ip->ihl * 4;
	if ((void *)(icmp + 1) > data_end || icmp->type != ICMP_ECHO)
		goto pass;

	/* type and code share the first 16-bit word of the ICMP header. */
	old_word = *(__u16 *)icmp;
	icmp->type = ICMP_ECHOREPLY;
	new_word = *(__u16 *)icmp;
	icmp->checksum = csum_replace16(icmp->checksum, old_word, new_word);

	/* Swapping two addresses leaves the IPv4 header checksum unchanged. */
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	swap_mac(eth);

	count(STAT_REPLIED);
	return XDP_TX;
pass:
	count(STAT_PASSED);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
