/* CO-RE test program (core.libbpf.test.ts): type and enum relocations. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

__u64 out[32];

struct no_such_struct___x {
	int a;
};

struct local_only {
	int a, b;
};

enum bpf_func_id___local {
	BPF_FUNC_map_lookup_elem___local = 1,
	BPF_FUNC_does_not_exist___local = 9999,
};

typedef struct task_struct task_t;

SEC("raw_tp/sys_enter")
int types(void *ctx)
{
	out[0] = bpf_core_type_exists(struct task_struct);
	out[1] = bpf_core_type_exists(struct no_such_struct___x);
	out[2] = bpf_core_type_size(struct task_struct);
	out[3] = bpf_core_type_size(task_t);
	out[4] = bpf_core_type_id_kernel(struct task_struct);
	out[5] = bpf_core_type_id_local(struct local_only);
	out[6] = bpf_core_type_id_kernel(struct no_such_struct___x);
	out[7] = bpf_core_type_size(struct sk_buff);
	out[8] = bpf_core_type_exists(union bpf_attr);
	out[9] = bpf_core_type_size(union bpf_attr);
	return 0;
}

SEC("raw_tp/sys_exit")
int enums(void *ctx)
{
	out[10] = bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_ktime_get_ns);
	out[11] = bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_ktime_get_ns);
	out[12] = bpf_core_enum_value(enum bpf_func_id___local, BPF_FUNC_map_lookup_elem___local);
	out[13] = bpf_core_enum_value_exists(enum bpf_func_id___local, BPF_FUNC_does_not_exist___local);
	if (bpf_core_enum_value_exists(enum bpf_func_id___local, BPF_FUNC_does_not_exist___local))
		out[14] = bpf_core_enum_value(enum bpf_func_id___local, BPF_FUNC_does_not_exist___local);
	out[15] = bpf_core_enum_value(enum bpf_prog_type, BPF_PROG_TYPE_XDP);
	return 0;
}
