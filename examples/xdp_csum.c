// SPDX-License-Identifier: MIT
/*
 * xdp_csum: verify IPv4, TCP and UDP checksums in a bounded loop; drop corrupt packets.
 *
 * The Internet checksum (RFC 1071) is a one's-complement sum of 16-bit words. The program
 * sums the IPv4 header (with its options) and then the whole TCP/UDP segment plus the
 * pseudo-header, one word per loop iteration. Each iteration checks the next word against
 * data_end, and the loop has a constant upper bound (MAX_L4_WORDS), which is what lets the
 * verifier accept it: it follows every iteration, so the bound also caps its work.
 * A correct packet sums to 0xffff. UDP packets with checksum 0 (none) are not checked.
 *
 * Shows: a bounded loop over packet data (the "checksum loop" of the benchmarks), variable
 * packet offsets, BPF_MAP_TYPE_PERCPU_ARRAY, XDP_DROP.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_L4_WORDS 750	/* 1500 bytes: a full Ethernet MTU */

enum { CS_NOT_CHECKED, CS_GOOD, CS_BAD_IP, CS_BAD_L4, CS_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} csum_stats SEC(".maps");

static __always_inline __u32 fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
}

/* Sum of the 16-bit words in [p, p + len) that lie before `end` (len <= 2 * MAX_L4_WORDS). */
static __always_inline __u64 sum_words(void *p, __u32 len, void *end)
{
	__u64 sum = 0;

	for (__u32 i = 0; i < MAX_L4_WORDS; i++) {
		if (len < 2 || p + 2 > end)
			break;
		sum += *(__u16 *)p;
		p += 2;
		len -= 2;
	}
	/* An odd trailing byte is padded with a zero byte on the right. */
	if (len == 1 && p + 1 <= end)
		sum += bpf_htons((__u16)(*(__u8 *)p) << 8);
	return sum;
}

static __always_inline __u32 verdict(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&csum_stats, &stat);

	if (v)
		*v += 1;
	return stat == CS_BAD_IP || stat == CS_BAD_L4 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_csum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 hlen, tot_len, l4_len;
	void *l4;
	__u64 sum;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return verdict(CS_NOT_CHECKED);
	hlen = ip->ihl * 4;
	tot_len = bpf_ntohs(ip->tot_len);
	if (hlen < sizeof(*ip) || tot_len < hlen || (void *)ip + tot_len > data_end)
		return verdict(CS_NOT_CHECKED); /* truncated or padded oddly: leave it to the stack */

	if (fold(sum_words(ip, hlen, data_end)) != 0xffff)
		return verdict(CS_BAD_IP);
	if (ip->frag_off & bpf_htons(0x3fff))
		return verdict(CS_NOT_CHECKED); /* fragments: only the whole datagram has a sum */
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return verdict(CS_NOT_CHECKED);

	l4 = (void *)ip + hlen;
	l4_len = tot_len - hlen;
	if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return verdict(CS_NOT_CHECKED);
		if (udp->check == 0)
			return verdict(CS_NOT_CHECKED);
	}
	/* Pseudo-header: addresses, protocol, L4 length (all in network order). */
	sum = (ip->saddr & 0xffff) + (ip->saddr >> 16) + (ip->daddr & 0xffff) + (ip->daddr >> 16);
	sum += bpf_htons(ip->protocol) + bpf_htons(l4_len);
	sum += sum_words(l4, l4_len, data_end);
	return verdict(fold(sum) == 0xffff ? CS_GOOD : CS_BAD_L4);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
