/*
 * Test helper (built by object.libbpf.test.ts with the system libbpf): opens a BPF object with
 * libbpf, without loading it, and prints what libbpf sees, one item per line:
 *   prog <name> <section> <prog type> <expected attach type> <insn count>
 *   map <name> <map type> <key size> <value size> <max entries> <flags>
 * With -l it also loads the object into the kernel and prints each program's final instructions
 * (after libbpf's relocation and subprogram linking) as 16 hex digits per slot:
 *   insns <name> <slot> <slot> ...
 * With -t FILE... it only times bpf_object__open_file + bpf_object__close over the files libbpf
 * can open (for the benchmark) and prints `ok <file>` for each, then `opened <count> <total ns>`.
 * Exit status 2 when libbpf cannot open the object, 3 when it cannot load it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level; (void)fmt; (void)args;
	return 0;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int time_open(int n, char **files)
{
	long long total = 0;
	int i, opened = 0;

	for (i = 0; i < n; i++) {
		long long t0 = now_ns();
		struct bpf_object *obj = bpf_object__open_file(files[i], NULL);

		if (!obj)
			continue;
		bpf_object__close(obj);
		total += now_ns() - t0;
		opened++;
		printf("ok %s\n", files[i]);
	}
	printf("opened %d %lld\n", opened, total);
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;

	int load = argc == 3 && strcmp(argv[1], "-l") == 0;

	libbpf_set_print(quiet);
	if (argc >= 2 && strcmp(argv[1], "-t") == 0)
		return time_open(argc - 2, argv + 2);
	if (argc != 2 && !load)
		return 1;
	obj = bpf_object__open_file(argv[argc - 1], NULL);
	if (!obj)
		return 2;
	bpf_object__for_each_program(prog, obj)
		printf("prog %s %s %d %d %zu\n", bpf_program__name(prog), bpf_program__section_name(prog),
		       bpf_program__type(prog), bpf_program__expected_attach_type(prog), bpf_program__insn_cnt(prog));
	bpf_object__for_each_map(map, obj)
		printf("map %s %d %u %u %u %u\n", bpf_map__name(map), bpf_map__type(map), bpf_map__key_size(map),
		       bpf_map__value_size(map), bpf_map__max_entries(map), bpf_map__map_flags(map));
	if (load) {
		if (bpf_object__load(obj))
			return 3;
		bpf_object__for_each_program(prog, obj) {
			const unsigned char *p = (const unsigned char *)bpf_program__insns(prog);
			size_t i, n = bpf_program__insn_cnt(prog) * sizeof(struct bpf_insn);

			printf("insns %s", bpf_program__name(prog));
			for (i = 0; i < n; i++)
				printf(i % 8 ? "%02x" : " %02x", p[i]);
			printf("\n");
		}
	}
	bpf_object__close(obj);
	return 0;
}
