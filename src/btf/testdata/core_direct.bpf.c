/* CO-RE test program (core.libbpf.test.ts): direct loads through BTF pointers (LDX offsets), with
 * local field sizes that differ from the kernel's (memory size adjustment). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

__u64 out[16];

/* The kernel's `unsigned int flags` declared 64-bit: the load shrinks to 4 bytes. */
struct task_struct___wide {
	unsigned long long flags;
	int pid;
	struct task_struct *real_parent;
} __attribute__((preserve_access_index));

SEC("tp_btf/sched_switch")
int BPF_PROG(direct, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct task_struct___wide *w = (void *)next;

	out[0] = next->pid;
	out[1] = next->real_parent->tgid;
	out[2] = w->flags;
	out[3] = w->real_parent->pid;
	out[4] = prev->comm[1];
	return 0;
}
