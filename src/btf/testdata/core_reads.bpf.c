/* CO-RE test program (core.libbpf.test.ts): field reads, existence, sizes, bitfields, arrays,
 * anonymous members, flavors and a subprogram, relocated against the running kernel. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

__u64 out[32];

/* The pre-5.14 layout: `state` was renamed `__state`. */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

/* A field no kernel has. */
struct task_struct___fake {
	int no_such_field;
	int pid;
} __attribute__((preserve_access_index));

static __attribute__((noinline)) __u64 parent_tgid(struct task_struct *t)
{
	return BPF_CORE_READ(t, real_parent, tgid);
}

SEC("raw_tp/sys_enter")
int reads(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct task_struct___old *old = (void *)t;
	struct task_struct___fake *fake = (void *)t;

	out[0] = BPF_CORE_READ(t, pid);
	out[1] = parent_tgid(t);
	out[2] = bpf_core_field_size(t->comm);
	out[3] = bpf_core_field_exists(t->pid);
	out[4] = BPF_CORE_READ_BITFIELD_PROBED(t, in_execve);
	out[5] = BPF_CORE_READ_BITFIELD_PROBED(t, sched_remote_wakeup);
	if (bpf_core_field_exists(old->state))
		out[6] = BPF_CORE_READ(old, state);
	else
		out[6] = BPF_CORE_READ(t, __state);
	out[7] = bpf_core_field_exists(fake->no_such_field);
	if (bpf_core_field_exists(fake->no_such_field))
		out[8] = BPF_CORE_READ(fake, no_such_field);
	out[9] = BPF_CORE_READ(fake, pid);
	out[10] = bpf_core_field_offset(t->comm[3]);
	out[11] = bpf_core_field_size(t->comm[3]);
	out[12] = __builtin_preserve_field_info(t->prio, BPF_FIELD_SIGNED);
	out[13] = __builtin_preserve_field_info(t->flags, BPF_FIELD_SIGNED);
	return 0;
}

SEC("raw_tp/sys_exit")
int anon(void *ctx)
{
	struct sk_buff *skb = (void *)bpf_get_current_task();

	out[14] = BPF_CORE_READ(skb, len);
	out[15] = (__u64)BPF_CORE_READ(skb, dev);
	out[16] = BPF_CORE_READ(skb, tstamp);
	out[17] = bpf_core_field_offset(skb->cb[5]);
	out[18] = parent_tgid((void *)skb);
	return 0;
}
