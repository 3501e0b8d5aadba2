/* CO-RE test program (core.libbpf.test.ts): a reachable load libbpf poisons (the local field is
 * 64-bit, the kernel's is a signed 32-bit int), so the kernel refuses the program with
 * "invalid func unknown#195896080". */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

__u64 out[16];

/* The kernel's signed `int prio` declared 64-bit: cannot be adjusted, the load is poisoned. */
struct task_struct___signed {
	long long prio;
} __attribute__((preserve_access_index));

SEC("tp_btf/sched_switch")
int BPF_PROG(poisoned, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct task_struct___signed *s = (void *)next;

	out[5] = s->prio;
	return 0;
}
