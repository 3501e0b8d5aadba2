// SPDX-License-Identifier: MIT
/*
 * tp_execve: report every execve() through a ring buffer, like a tiny `execsnoop`.
 *
 * Attached to the syscalls:sys_enter_execve tracepoint. For each call it reserves a record
 * in the ring buffer, fills in the caller's pid, uid and command name, copies the file name
 * and the first MAX_ARGS arguments from user memory, and submits it; userspace reads the
 * records with ring_buffer__poll() (or tsbpf's ringbuf reader). When the caller's uid does
 * not match the `target_uid` filter the reservation is discarded instead: a reserved
 * record must be either submitted or discarded on every path, the verifier checks it.
 *
 * Shows: SEC("tracepoint/...") / BPF_PROG_TYPE_TRACEPOINT with the tracepoint's record
 * layout, BPF_MAP_TYPE_RINGBUF (reserve/submit/discard), bpf_get_current_* helpers,
 * bpf_probe_read_user(_str), a bounded loop over argv, .rodata config.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_ARGS	4
#define ARG_LEN		64
#define FILENAME_LEN	128
#define TASK_COMM_LEN	16

/* Layout of the tracepoint record (see events/syscalls/sys_enter_execve/format). */
struct sys_enter_execve_args {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
	__s32 syscall_nr;
	__u32 pad;
	const char *filename;
	const char *const *argv;
	const char *const *envp;
};

/* One ring-buffer record. */
struct exec_event {
	__u32 pid;		/* thread group id (what userspace calls the pid) */
	__u32 tid;
	__u32 uid;
	__u32 argc;		/* arguments copied into args, at most MAX_ARGS */
	char comm[TASK_COMM_LEN];
	char filename[FILENAME_LEN];
	char args[MAX_ARGS][ARG_LEN];
};

/* Only report this uid; (u32)-1 reports everyone. */
const volatile __u32 target_uid = (__u32)-1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);	/* bytes; a power of two and a multiple of the page size */
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int tp_execve(struct sys_enter_execve_args *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	struct exec_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0; /* buffer full: the event is lost */
	if (target_uid != (__u32)-1 && uid != target_uid) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}

	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->uid = uid;
	e->argc = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), ctx->filename) < 0)
		e->filename[0] = '\0';

	for (int i = 0; i < MAX_ARGS; i++) {
		const char *arg = NULL;

		if (bpf_probe_read_user(&arg, sizeof(arg), &ctx->argv[i]) || !arg)
			break;
		if (bpf_probe_read_user_str(e->args[i], ARG_LEN, arg) < 0)
			break;
		e->argc++;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
