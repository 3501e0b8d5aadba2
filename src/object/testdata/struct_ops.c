/* Test object for object.test.ts: a struct_ops map whose members point to programs. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct my_ops {
	int (*init)(void *arg);
	int (*run)(int n);
	char name[16];
};

SEC("struct_ops/my_init")
int my_init(unsigned long long *ctx) { return 0; }

SEC("struct_ops/my_run")
int my_run(unsigned long long *ctx) { return 1; }

SEC(".struct_ops.link")
struct my_ops ops = {
	.init = (void *)my_init,
	.run = (void *)my_run,
	.name = "tsbpf",
};

char LICENSE[] SEC("license") = "GPL";
