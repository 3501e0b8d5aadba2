// SPDX-License-Identifier: MIT
/*
 * xdp_vlan: pop and push 802.1Q tags by moving the start of the packet.
 *
 * xdp_vlan_pop strips the outer tag of frames tagged with VLAN `vlan_id` (any tag when it is
 * 0): it moves the two MAC addresses 4 bytes forward, over the tag, then shrinks the frame
 * from the front with bpf_xdp_adjust_head(ctx, +4).
 * xdp_vlan_push does the reverse for untagged frames: bpf_xdp_adjust_head(ctx, -4) grows the
 * frame into the headroom, the MAC addresses move back to the new start and a tag carrying
 * `vlan_id` is written after them.
 * After adjust_head every packet pointer is invalid, so data/data_end are reloaded and
 * checked again.
 *
 * Shows: bpf_xdp_adjust_head (both directions), two programs in one object, mutable globals
 * in .data (initialised) and .bss (zeroed) that userspace can change at run time.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
};

/* The VLAN to pop / push (.data: initialised, writable from userspace while loaded). */
__u16 vlan_id = 100;

/* Frames changed by each program (.bss). */
__u64 popped = 0;
__u64 pushed = 0;

SEC("xdp")
int xdp_vlan_pop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct vlan_hdr *vlan = (void *)(eth + 1);
	__u8 macs[2 * ETH_ALEN];

	if ((void *)(vlan + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_8021Q))
		return XDP_PASS;
	if (vlan_id && (bpf_ntohs(vlan->tci) & 0x0fff) != vlan_id)
		return XDP_PASS;

	/* dst+src MACs move 4 bytes forward; h_proto becomes the tag's encapsulated type. */
	__builtin_memcpy(macs, eth, sizeof(macs));
	__builtin_memcpy((void *)eth + sizeof(struct vlan_hdr), macs, sizeof(macs));
	if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct vlan_hdr)))
		return XDP_ABORTED;

	/* The old pointers are gone: re-derive and re-check before any further access. */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(struct ethhdr) > data_end)
		return XDP_ABORTED;
	__sync_fetch_and_add(&popped, 1);
	return XDP_PASS;
}

SEC("xdp")
int xdp_vlan_push(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct vlan_hdr *vlan;
	__u8 macs[2 * ETH_ALEN];
	__be16 proto;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
		return XDP_PASS; /* already tagged */
	__builtin_memcpy(macs, eth, sizeof(macs));

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct vlan_hdr)))
		return XDP_ABORTED; /* not enough headroom */

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	vlan = (void *)(eth + 1);
	if ((void *)(vlan + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(eth, macs, sizeof(macs));
	eth->h_proto = bpf_htons(ETH_P_8021Q);
	vlan->tci = bpf_htons(vlan_id & 0x0fff);
	vlan->encapsulated_proto = proto;
	__sync_fetch_and_add(&pushed, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
