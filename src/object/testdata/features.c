/* Test object for object.test.ts: BTF maps (incl. map-in-map and prog-array initialisers), global data, .kconfig/.ksyms externs, subprograms. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int LINUX_KERNEL_VERSION __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig __weak;
extern void bpf_rcu_read_lock(void) __ksym;

const volatile int cfg = 3;
int counter;
char buf[16] = "hello";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 64);
} h SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} in1 SEC(".maps"), in2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = { .values = { [1] = &in2, [3] = &in1 } };

int tail(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int (void *));
} jmp SEC(".maps") = { .values = { [1] = (void *)&tail } };

static __noinline int add(int a) { return a + cfg + LINUX_KERNEL_VERSION; }
__noinline int glob(int a) { return add(a) * 2; }

SEC("tc") int tail(struct __sk_buff *skb) { return 1; }

SEC("xdp") int prog_a(struct xdp_md *ctx)
{
	__u32 k = 0;
	counter++;
	bpf_map_lookup_elem(&h, &k);
	return glob(ctx->ingress_ifindex) + buf[1] + (CONFIG_BPF_SYSCALL ? 1 : 0);
}

SEC("xdp") int prog_b(struct xdp_md *ctx)
{
	bpf_rcu_read_lock();
	return add(2);
}

char LICENSE[] SEC("license") = "GPL";
