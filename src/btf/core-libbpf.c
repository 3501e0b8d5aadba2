/*
 * Test helper (built by core.libbpf.test.ts with the system libbpf): loads a BPF object with
 * libbpf against the running kernel's BTF, with the calls that would create kernel objects
 * (bpf_prog_load, bpf_map_create and the initialisation of global data) replaced by stubs: maps
 * are memfds (mmap-able like BPF_F_MMAPABLE arrays) and every program libbpf relocates is
 * printed instead of verified. stdout, one item per line:
 *   prog <name> <instructions as hex, 8 bytes per slot>
 *   result <return value of bpf_object__load>
 * stderr: libbpf's debug log (its CO-RE decisions). Exit status 2 when libbpf cannot open the file.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

int bpf_prog_load(enum bpf_prog_type type, const char *name, const char *license,
		  const struct bpf_insn *insns, size_t cnt, const struct bpf_prog_load_opts *opts)
{
	const unsigned char *b = (const unsigned char *)insns;

	(void)type; (void)license; (void)opts;
	printf("prog %s ", name && *name ? name : "-");
	for (size_t i = 0; i < cnt * sizeof(*insns); i++)
		printf("%02x", b[i]);
	printf("\n");
	return open("/dev/null", O_RDONLY);
}

int bpf_map_create(enum bpf_map_type type, const char *name, __u32 key_size, __u32 value_size,
		   __u32 max_entries, const struct bpf_map_create_opts *opts)
{
	int fd = memfd_create(name ? name : "map", 0);

	(void)type; (void)key_size; (void)opts;
	if (fd >= 0 && ftruncate(fd, ((__u64)value_size * max_entries + 4095) / 4096 * 4096 + 4096) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags)
{
	(void)fd; (void)key; (void)value; (void)flags;
	return 0;
}

int bpf_map_freeze(int fd)
{
	(void)fd;
	return 0;
}

static int print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJECT\n", argv[0]);
		return 2;
	}
	libbpf_set_print(print);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		return 2;
	printf("result %d\n", bpf_object__load(obj));
	bpf_object__close(obj);
	return 0;
}
